"""examples/workflows/workflow_agent.py against a real exchange, driven by a caller written here from
docs/control-protocol.md alone (it imports nothing of the agent's), with real processes and real files.

    python3 tests/python/test_workflow_agent.py -v

The exchange: the one at SWARMPS_TEST_EXCHANGE_URL (token in SWARM_EXCHANGE_TOKEN), as the Pester wrapper
tests/pester/WorkflowAgent.Tests.ps1 passes it, else one started here with Start-SwarmExchange in
`$SWARMPS_PWSH` (default `dotnet pwsh`, run from the repository root) and stopped at the end. Build first.
Each test runs its own agent, in its own run id and run directory, as the site launcher would: its mailbox
registered and heartbeated by the test, the SWARM_* environment set, a token file owner-only.
"""

import datetime
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
import uuid

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
AGENT = os.path.join(REPO, "examples", "workflows", "workflow_agent.py")
CATALOG = os.path.join(REPO, "examples", "workflows", "workflows.json")
ID_NAMESPACE = uuid.UUID("6809ee13-7b98-4004-8bfa-97c58e99a2be")
USER = "tester"
EXCHANGE = {}


def mailbox_id(run_id, name):
    return str(uuid.uuid5(ID_NAMESPACE, f"{run_id}/{name}"))


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now():
    return datetime.datetime.now(datetime.timezone.utc)


# --- the exchange: started once for the module ------------------------------------------------------------

def pwsh(script, timeout=120):
    program = os.environ.get("SWARMPS_PWSH")
    argv = ([program] if program else ["dotnet", "pwsh"]) + ["-NoProfile", "-NonInteractive", "-Command",
                                                              f"Import-Module '{REPO}/SwarmPS.psd1'; {script}"]
    done = subprocess.run(argv, cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"pwsh failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def setUpModule():
    if os.environ.get("SWARMPS_TEST_EXCHANGE_URL"):
        EXCHANGE.update(url=os.environ["SWARMPS_TEST_EXCHANGE_URL"], token=os.environ["SWARM_EXCHANGE_TOKEN"], state=None)
        return
    state = tempfile.mkdtemp(prefix="wf-exchange-")
    token = secrets.token_hex(32)
    os.environ["SWARM_EXCHANGE_TOKEN"] = token
    url = pwsh(f"(Start-SwarmExchange -StateDirectory '{state}' -PassThru -Confirm:$false).Url.ToString()").splitlines()[-1].strip()
    EXCHANGE.update(url=url, token=token, state=state)


def tearDownModule():
    if EXCHANGE.get("state"):
        pwsh(f"Stop-SwarmExchange -StateDirectory '{EXCHANGE['state']}' -Confirm:$false")
        shutil.rmtree(EXCHANGE["state"], ignore_errors=True)


def call(method, path, body=None, timeout=30):
    url = EXCHANGE["url"].rstrip("/") + "/" + path
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method=method)
    request.add_header("Authorization", "Bearer " + EXCHANGE["token"])
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


# --- the caller side of the control protocol --------------------------------------------------------------

def seal(token, payload):
    text = json.dumps(payload)  # spaced on purpose: the agent must check the MAC over the text, not re-serialise
    return json.dumps({"swarm_control": 1, "payload": text, "mac": hmac.new(token.encode(), text.encode(), hashlib.sha256).hexdigest()})


def open_reply(token, body):
    """(payload, sealed): sealed False for a reply whose MAC is absent or wrong (to be believed only as a refusal)."""
    outer = json.loads(body)
    text, mac = outer["payload"], outer.get("mac")
    good = isinstance(mac, str) and hmac.compare_digest(mac, hmac.new(token.encode(), text.encode(), hashlib.sha256).hexdigest())
    return json.loads(text), good


class Caller:
    """Takes the first reply slot that is not live, reply.<user>.<0..63> in control.<namespace>, sends
    commands, waits for their replies (dropping any other correlation id: a reused slot may hold a late one)."""

    def __init__(self, token, namespace):
        self.token = token
        self.namespace = namespace
        run_id = f"control.{namespace}"
        for slot in range(64):
            name = f"reply.{USER}.{slot}"
            try:
                self.mailbox = call("POST", "v1/mailboxes", {"runId": run_id, "name": name})["id"]
                break
            except urllib.error.HTTPError as error:
                if error.code != 409:  # MailboxExists: that slot is live, another caller holds it
                    raise
        else:
            raise AssertionError("all 64 reply slots are live")
        assert self.mailbox == mailbox_id(run_id, name), "the exchange and uuid5 disagree on the reply mailbox id"

    def command(self, to, command, args=None, correlation_id=None, token=None, **overrides):
        payload = {"type": "command", "namespace": self.namespace, "correlation_id": correlation_id or str(uuid.uuid4()),
                   "command": command, "target": to, "reply_to": self.mailbox,
                   "sent_at": stamp(now()), "expires_at": stamp(now() + datetime.timedelta(seconds=60)),
                   "sender": {"user": USER, "host": "testhost", "pid": os.getpid()}, "args": args if args is not None else {}}
        payload.update(overrides)
        return payload, seal(token or self.token, payload)

    def send(self, target, body):
        call("POST", f"v1/mailboxes/{target}/messages", {"id": str(uuid.uuid4()), "from": self.mailbox, "body": body})

    def ask(self, to, command, args=None, timeout=20, **options):
        payload, body = self.command(to, command, args, **options)
        self.send(to, body)
        return self.wait_reply(payload["correlation_id"], timeout)

    def wait_reply(self, correlation_id, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for message in call("POST", f"v1/mailboxes/{self.mailbox}/receive", {"maxMessages": 10, "waitMilliseconds": 1000})["messages"]:
                call("POST", f"v1/mailboxes/{self.mailbox}/acknowledge", {"ids": [message["id"]]})
                reply, sealed = open_reply(self.token, message["body"])
                if reply.get("correlation_id") == correlation_id:
                    reply["_sealed"] = sealed
                    return reply
        raise AssertionError(f"no reply to {correlation_id} within {timeout} s")

    def close(self):
        call("POST", f"v1/mailboxes/{self.mailbox}/terminate")


def workflow_processes(execution_id):
    """Pids of live processes whose environment names this execution (a stopped one must leave none)."""
    marker = f"SWARM_WORKFLOW_EXECUTION={execution_id}\0".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as file:
                    if marker in file.read():
                        with open(f"/proc/{entry}/stat") as status:
                            if status.read().rsplit(")", 1)[1].split()[0] != "Z":
                                found.append(int(entry))
            except OSError:
                continue
    return found


def wait_until(condition, seconds=15, what="condition"):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not reached within {seconds} s: {what}")


# --- one agent, as a site launcher would run it -----------------------------------------------------------

class AgentCase(unittest.TestCase):
    NAMESPACE = "team-a"

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="wf-agent-")
        self.run_id = "wf-" + secrets.token_hex(4)
        self.run_dir = os.path.join(self.root, "runs", self.run_id, "local") + "/"
        os.makedirs(self.run_dir)
        self.agent_dir = os.path.join(self.run_dir, "agents", "workflow")
        self.token = secrets.token_hex(32)
        self.token_file = os.path.join(self.root, "control.token")
        descriptor = os.open(self.token_file, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(descriptor, f"  {self.token}\n".encode())  # surrounding whitespace is trimmed
        os.close(descriptor)
        self.catalog = os.path.join(self.root, "workflows.json")
        with open(CATALOG) as file:
            workflows = json.load(file)
        # One that ignores SIGTERM, so workflow.stop has to escalate to SIGKILL.
        workflows["stubborn"] = {"command": ["/bin/sh", "-c", "trap '' TERM; sleep 300 & wait; wait"], "description": "ignores SIGTERM"}
        with open(self.catalog, "w") as file:
            json.dump(workflows, file)
        self.me = call("POST", "v1/mailboxes", {"runId": self.run_id, "name": "workflow"})["id"]
        self.heart_stopped = threading.Event()
        self.heart = threading.Thread(target=self._heartbeat, daemon=True)
        self.heart.start()
        self.caller = Caller(self.token, self.NAMESPACE)
        self.agent = None
        self.start_agent()

    def tearDown(self):
        # Killed, not stopped: the SIGTERM path has its own test, and a stop waits out the agent's long poll.
        if self.agent is not None and self.agent.poll() is None:
            self.agent.kill()
            self.agent.wait()
        self.heart_stopped.set()
        self.heart.join()
        self.caller.close()
        call("POST", f"v1/mailboxes/{self.me}/terminate")
        for pid in self._leftovers():
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)

    def _leftovers(self):
        state = os.path.join(self.agent_dir, "workflows.json")
        if not os.path.exists(state):
            return []
        with open(state) as file:
            return [pid for execution in json.load(file)["executions"] for pid in workflow_processes(execution["execution_id"])]

    def _heartbeat(self):
        while not self.heart_stopped.is_set():
            try:
                call("POST", f"v1/mailboxes/{self.me}/heartbeat")
            except (OSError, urllib.error.HTTPError):
                pass
            self.heart_stopped.wait(1)

    def environment(self, **extra):
        environment = {key: value for key, value in os.environ.items() if not key.startswith("SWARM")}
        environment.update(SWARM_RUN_ID=self.run_id, SWARM_SITE="local", SWARM_AGENT="workflow", SWARM_AGENT_UID=self.me,
                           SWARM_PEERS="", SWARM_EXCHANGE_URL=EXCHANGE["url"], SWARM_EXCHANGE_TOKEN=EXCHANGE["token"],
                           SWARM_RUN_DIR=self.run_dir, SWARM_NAMESPACE=self.NAMESPACE, SWARM_CONTROL_TOKEN_FILE=self.token_file,
                           PYTHONUNBUFFERED="1")
        environment.update(extra)
        return environment

    def start_agent(self):
        self.stderr = open(os.path.join(self.root, "agent.stderr"), "ab")
        self.agent = subprocess.Popen([sys.executable, AGENT, "--workflows", self.catalog], cwd=REPO, env=self.environment(),
                                      stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=self.stderr, start_new_session=True)
        self.stderr.close()
        # Ready once it says so: a SIGTERM before its handler is set would end it by the default action.
        started = len(self.events("workflow_agent_started"))
        wait_until(lambda: len(self.events("workflow_agent_started")) > started or self.agent.poll() is not None, what="the agent started")
        self.assertIsNone(self.agent.poll(), "the agent exited at start; see its stderr")

    def ask(self, command, args=None, **options):
        reply = self.caller.ask(self.me, command, args, **options)
        self.assertTrue(reply["_sealed"], f"an unsealed reply: {reply}")
        return reply

    def execution(self, execution_id):
        executions = self.ask("workflow.list")["result"]["executions"]
        return next(execution for execution in executions if execution["execution_id"] == execution_id)

    def ended(self, execution_id, seconds=15):
        return wait_until(lambda: (lambda e: e if e["state"] != "Running" else None)(self.execution(execution_id)), seconds, f"{execution_id} ended")

    def events(self, kind=None):
        if not os.path.exists(os.path.join(self.run_dir, "events.jsonl")):
            return []
        with open(os.path.join(self.run_dir, "events.jsonl")) as file:
            events = [json.loads(line) for line in file]
        return [event for event in events if kind is None or event["kind"] == kind]

    def assert_refused(self, reply, error_id):
        self.assertFalse(reply["ok"], reply)
        self.assertIsNone(reply["result"])
        self.assertEqual(error_id, reply["error"]["error_id"], reply)
        self.assertTrue(reply["error"]["message"] and reply["error"]["remediation"], reply)

    def assert_nothing_started(self):
        self.assertEqual([], self.ask("workflow.list")["result"]["executions"])

    # --- workflows ---

    def test_hello_runs_to_succeeded_with_its_parameters_in_its_log(self):
        reply = self.ask("workflow.start", {"workflow": "hello", "parameters": {"who": "me"}})
        self.assertTrue(reply["ok"], reply)
        self.assertEqual({"type": "reply", "namespace": self.NAMESPACE, "command": "workflow.start", "from": self.me, "replayed": False, "error": None},
                         {key: reply[key] for key in ("type", "namespace", "command", "from", "replayed", "error")})
        execution = reply["result"]
        self.assertEqual(["execution_id", "workflow", "namespace", "state", "started_at", "ended_at", "exit_code", "parameters"], list(execution))
        self.assertEqual(f"hello-{self.NAMESPACE}-1", execution["execution_id"])
        self.assertEqual({"who": "me"}, execution["parameters"])
        ended = self.ended(execution["execution_id"])
        self.assertEqual(("Succeeded", 0), (ended["state"], ended["exit_code"]))
        self.assertIsNotNone(ended["ended_at"])
        log = os.path.join(self.agent_dir, "workflows", f"hello-{self.NAMESPACE}-1.log")
        with open(log) as file:
            self.assertEqual(f'hello from hello-{self.NAMESPACE}-1 with parameters {{"who":"me"}}\n', file.read())
        self.assertEqual(0o600, stat.S_IMODE(os.stat(log).st_mode))
        self.assertEqual(0o700, stat.S_IMODE(os.stat(os.path.dirname(log)).st_mode))
        self.assertEqual(0o700, stat.S_IMODE(os.stat(self.agent_dir).st_mode))
        states = [(event["from"], event["to"], event["exit_code"]) for event in self.events("workflow_state")]
        self.assertEqual([(None, "Running", None), ("Running", "Succeeded", 0)], states)
        started = self.events("control_command")[0]
        self.assertEqual({"correlation_id", "command", "namespace", "sender", "verified", "accepted", "replayed", "error_id"},
                         set(started) - {"ts", "site", "agent", "kind"})
        self.assertEqual(("workflow.start", True, True, False, None, {"user": USER, "host": "testhost", "pid": os.getpid()}),
                         (started["command"], started["verified"], started["accepted"], started["replayed"], started["error_id"], started["sender"]))
        outcome = self.events("control_reply")[0]
        self.assertEqual((started["correlation_id"], "workflow.start", True, None), (outcome["correlation_id"], outcome["command"], outcome["ok"], outcome["error_id"]))
        kinds = [event["kind"] for event in self.events()]
        self.assertLess(kinds.index("control_command"), kinds.index("workflow_state"), "accepted is recorded before it runs")
        with open(os.path.join(self.run_dir, "events.jsonl")) as file:
            timeline = file.read()
        self.assertNotIn(self.token, timeline)
        self.assertNotRegex(timeline, "[0-9a-f]{64}", "a MAC in an event")
        for name in ("handled.jsonl", "workflows.json"):
            self.assertEqual(0o600, stat.S_IMODE(os.stat(os.path.join(self.agent_dir, name)).st_mode), name)

    def test_list_shows_every_execution_oldest_first_and_a_failure(self):
        first = self.ask("workflow.start", {"workflow": "hello", "parameters": {}})["result"]["execution_id"]
        second = self.ask("workflow.start", {"workflow": "fail"})["result"]["execution_id"]
        self.ended(second)
        executions = self.ask("workflow.list")["result"]["executions"]
        self.assertEqual([first, second], [execution["execution_id"] for execution in executions])
        self.assertEqual([f"hello-{self.NAMESPACE}-1", f"fail-{self.NAMESPACE}-2"], [first, second])
        self.assertEqual(("Failed", 3, {}), (executions[1]["state"], executions[1]["exit_code"], executions[1]["parameters"]))
        for args, error_id in ((None, None), ([], "ControlCommandInvalid")):  # null args are none; a list is not an object
            payload, _ = self.caller.command(self.me, "workflow.list")
            payload["args"] = args
            self.caller.send(self.me, seal(self.token, payload))
            reply = self.caller.wait_reply(payload["correlation_id"])
            self.assertEqual(error_id, reply["error"] and reply["error"]["error_id"], reply)

    def test_stop_ends_the_whole_process_group(self):
        execution_id = self.ask("workflow.start", {"workflow": "sleep"})["result"]["execution_id"]
        # The shell and its sleep child: two processes, one group.
        pids = wait_until(lambda: (lambda found: found if len(found) == 2 else None)(workflow_processes(execution_id)), what="sh and sleep running")
        self.assertEqual(1, len({os.getpgid(pid) for pid in pids}))
        self.assertNotEqual(os.getpgid(self.agent.pid), os.getpgid(pids[0]))
        stopped = self.ask("workflow.stop", {"execution_id": execution_id})["result"]
        self.assertEqual(("Stopped", 128 + signal.SIGTERM), (stopped["state"], stopped["exit_code"]))
        self.assertEqual([], workflow_processes(execution_id))
        # An ended one is returned as it is.
        self.assertEqual(stopped, self.ask("workflow.stop", {"execution_id": execution_id})["result"])
        self.assertEqual([("Running", "Stopped")], [(e["from"], e["to"]) for e in self.events("workflow_state")][1:])

    def test_stop_kills_a_workflow_that_ignores_sigterm_after_five_seconds(self):
        execution_id = self.ask("workflow.start", {"workflow": "stubborn"})["result"]["execution_id"]
        wait_until(lambda: len(workflow_processes(execution_id)) == 2, what="stubborn running")
        time.sleep(0.2)  # its trap is set
        began = time.monotonic()
        stopped = self.ask("workflow.stop", {"execution_id": execution_id})["result"]
        self.assertGreaterEqual(time.monotonic() - began, 5.0)
        self.assertEqual(("Stopped", 128 + signal.SIGKILL), (stopped["state"], stopped["exit_code"]))
        self.assertEqual([], workflow_processes(execution_id))

    def test_sigterm_stops_the_running_workflows_and_exits_0(self):
        execution_id = self.ask("workflow.start", {"workflow": "sleep"})["result"]["execution_id"]
        wait_until(lambda: len(workflow_processes(execution_id)) == 2, what="sleep running")
        self.agent.send_signal(signal.SIGTERM)
        self.assertEqual(0, self.agent.wait(5))
        self.assertEqual([], workflow_processes(execution_id))
        with open(os.path.join(self.agent_dir, "workflows.json")) as file:
            self.assertEqual("Stopped", json.load(file)["executions"][0]["state"])
        self.assertEqual(("Running", "Stopped"), (self.events("workflow_state")[-1]["from"], self.events("workflow_state")[-1]["to"]))

    # --- refusals ---

    def test_a_wrong_token_gets_an_unsealed_refusal_and_nothing_starts(self):
        forged = secrets.token_hex(32)
        payload, body = self.caller.command(self.me, "workflow.start", {"workflow": "hello"}, token=forged)
        self.caller.send(self.me, body)
        reply = self.caller.wait_reply(payload["correlation_id"])
        self.assertFalse(reply["_sealed"])
        self.assert_refused(reply, "ControlTokenRejected")
        self.assert_nothing_started()
        refused = self.events("control_command")[0]
        self.assertEqual((False, False, "ControlTokenRejected"), (refused["verified"], refused["accepted"], refused["error_id"]))
        # Not journaled: the same correlation id, sealed right, is executed (a forger cannot burn a caller's id).
        self.assertTrue(self.ask("workflow.start", {"workflow": "hello"}, correlation_id=payload["correlation_id"])["ok"])

    def test_a_replayed_correlation_id_is_answered_again_and_not_executed_twice(self):
        payload, body = self.caller.command(self.me, "workflow.start", {"workflow": "hello", "parameters": {"n": 1}})
        self.caller.send(self.me, body)
        first = self.caller.wait_reply(payload["correlation_id"])
        self.caller.send(self.me, body)  # the captured message, byte for byte
        again = self.caller.wait_reply(payload["correlation_id"])
        self.assertEqual((False, True), (first["replayed"], again["replayed"]))
        self.assertEqual(first["result"], again["result"])
        self.assertTrue(again["_sealed"])
        self.assertEqual(1, len(self.ask("workflow.list")["result"]["executions"]))
        self.assertEqual([False, True], [event["replayed"] for event in self.events("control_command")][:2])

    def test_a_command_of_another_namespace_is_refused(self):
        self.assert_refused(self.ask("workflow.start", {"workflow": "hello"}, namespace="team-b"), "ControlNamespaceMismatch")
        self.assert_nothing_started()

    def test_a_command_for_another_mailbox_is_refused(self):
        other = mailbox_id(self.run_id, "another-agent")
        self.assert_refused(self.ask("workflow.start", {"workflow": "hello"}, target=other), "ControlTargetMismatch")
        self.assert_nothing_started()

    def test_expired_commands_are_refused(self):
        cases = {"expired a second ago": {"sent_at": stamp(now() - datetime.timedelta(seconds=61)), "expires_at": stamp(now() - datetime.timedelta(seconds=1))},
                 "claims two hours of life": {"expires_at": stamp(now() + datetime.timedelta(hours=2))},
                 "sent ten minutes in the future": {"sent_at": stamp(now() + datetime.timedelta(minutes=10)), "expires_at": stamp(now() + datetime.timedelta(minutes=11))}}
        for case, times in cases.items():
            with self.subTest(case):
                self.assert_refused(self.ask("workflow.start", {"workflow": "hello"}, **times), "ControlCommandExpired")
        self.assert_nothing_started()

    def test_unknown_command_workflow_and_execution_are_refused(self):
        self.assert_refused(self.ask("start", {"campaign": "x.yaml", "run_id": "r"}), "ControlCommandUnknown")
        self.assert_refused(self.ask("workflow.start", {"workflow": "nope"}), "WorkflowUnknown")
        self.assert_refused(self.ask("workflow.stop", {"execution_id": f"hello-{self.NAMESPACE}-9"}), "WorkflowExecutionUnknown")
        self.assert_nothing_started()
        # Well-formed, for this namespace and mailbox, in time: accepted (as SwarmPS's own receiver does); the
        # failure is its outcome, a control_reply.
        self.assertEqual([(True, None)] * 3, [(event["accepted"], event["error_id"]) for event in self.events("control_command")][:3])
        self.assertEqual([("start", False, "ControlCommandUnknown"), ("workflow.start", False, "WorkflowUnknown"), ("workflow.stop", False, "WorkflowExecutionUnknown")],
                         [(event["command"], event["ok"], event["error_id"]) for event in self.events("control_reply")][:3])

    def test_a_malformed_command_is_refused_as_invalid(self):
        for field, value in (("sent_at", "yesterday"), ("target", "not-a-uuid"), ("correlation_id", "7"), ("namespace", None)):
            with self.subTest(field):
                self.assert_refused(self.ask("workflow.start", {"workflow": "hello"}, **{field: value}), "ControlCommandInvalid")
        self.assert_nothing_started()
        self.assertEqual([(True, False, "ControlCommandInvalid")] * 4,
                         [(event["verified"], event["accepted"], event["error_id"]) for event in self.events("control_command")][:4])

    def test_ordinary_messages_are_acknowledged_and_ignored(self):
        self.caller.send(self.me, '{"kind":"bootstrap","task":"not a command"}')
        wait_until(lambda: self.events("message_ignored"), what="message_ignored")
        self.assertTrue(self.ask("workflow.list")["ok"])
        # Both acknowledged (the list just after its reply went out).
        wait_until(lambda: call("POST", "v1/mailboxes/query", {"ids": [self.me]})["mailboxes"][0]["pending"] == 0, what="nothing pending")

    # --- restarts ---

    def test_a_restarted_agent_keeps_its_counter_its_journal_and_its_running_workflows(self):
        payload, body = self.caller.command(self.me, "workflow.start", {"workflow": "hello"})
        self.caller.send(self.me, body)
        first = self.caller.wait_reply(payload["correlation_id"])["result"]
        sleeper = self.ask("workflow.start", {"workflow": "sleep"})["result"]["execution_id"]
        wait_until(lambda: len(workflow_processes(sleeper)) == 2, what="sleep running")
        self.ended(first["execution_id"])
        self.agent.kill()  # no cleanup at all, as a crash
        self.agent.wait()
        # The dead agent's last long poll may still be waiting on the exchange (up to its 1 s): a message sent
        # meanwhile would be leased to that closed connection and come back only after its lease.
        time.sleep(1.5)
        self.start_agent()
        self.caller.send(self.me, body)
        again = self.caller.wait_reply(payload["correlation_id"])
        self.assertEqual((True, first["execution_id"]), (again["replayed"], again["result"]["execution_id"]))
        self.assertEqual("Running", self.execution(sleeper)["state"])
        self.assertEqual(f"hello-{self.NAMESPACE}-3", self.ask("workflow.start", {"workflow": "hello"})["result"]["execution_id"])
        self.assertEqual("Stopped", self.ask("workflow.stop", {"execution_id": sleeper})["result"]["state"])
        self.assertEqual([], workflow_processes(sleeper))

    def test_a_workflow_that_ended_while_the_agent_was_down_is_failed_with_no_exit_code(self):
        sleeper = self.ask("workflow.start", {"workflow": "sleep"})["result"]["execution_id"]
        pids = wait_until(lambda: (lambda found: found if len(found) == 2 else None)(workflow_processes(sleeper)), what="sleep running")
        self.agent.kill()
        self.agent.wait()
        os.killpg(os.getpgid(pids[0]), signal.SIGKILL)
        wait_until(lambda: not workflow_processes(sleeper), what="sleep gone")
        time.sleep(1.5)  # the dead agent's last long poll (see the restart test)
        self.start_agent()
        ended = self.execution(sleeper)
        self.assertEqual(("Failed", None), (ended["state"], ended["exit_code"]))
        self.assertEqual(("Running", "Failed"), (self.events("workflow_state")[-1]["from"], self.events("workflow_state")[-1]["to"]))

    def test_the_journal_forgets_ids_past_their_expiry_and_never_reruns_an_interrupted_command(self):
        self.agent.send_signal(signal.SIGTERM)
        self.agent.wait(5)
        old, interrupted = str(uuid.uuid4()), str(uuid.uuid4())
        with open(os.path.join(self.agent_dir, "handled.jsonl"), "a") as file:
            file.write(json.dumps({"correlation_id": old, "keep_until": stamp(now() - datetime.timedelta(seconds=1)), "reply": {"ok": True}}) + "\n")
            file.write(json.dumps({"correlation_id": interrupted, "keep_until": stamp(now() + datetime.timedelta(minutes=5)), "reply": None}) + "\n")
        self.start_agent()
        reply = self.ask("workflow.start", {"workflow": "hello"}, correlation_id=interrupted)
        self.assert_refused(reply, "ControlCommandInterrupted")
        self.assertTrue(reply["replayed"])
        self.assert_nothing_started()
        with open(os.path.join(self.agent_dir, "handled.jsonl")) as file:
            self.assertNotIn(old, file.read())
        fresh = self.ask("workflow.start", {"workflow": "hello"}, correlation_id=old)
        self.assertEqual((True, False), (fresh["ok"], fresh["replayed"]))


class StartupRefusals(unittest.TestCase):
    """What the agent refuses before it touches the exchange: exit 2 and the reason on stderr."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="wf-refusal-")
        self.token_file = os.path.join(self.root, "default.token")
        descriptor = os.open(self.token_file, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(descriptor, secrets.token_hex(32).encode())
        os.close(descriptor)

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def run_agent(self, catalog=CATALOG, **environment):
        base = {key: value for key, value in os.environ.items() if not key.startswith("SWARM") and key != "XDG_CONFIG_HOME"}
        base.update(SWARM_RUN_ID="r", SWARM_SITE="local", SWARM_AGENT="workflow", SWARM_AGENT_UID=mailbox_id("r", "workflow"),
                    SWARM_EXCHANGE_URL="http://127.0.0.1:9/", SWARM_EXCHANGE_TOKEN="x" * 32, SWARM_RUN_DIR=self.root,
                    SWARM_CONTROL_TOKEN_FILE=self.token_file)
        base.update(environment)
        base = {key: value for key, value in base.items() if value is not None}
        done = subprocess.run([sys.executable, AGENT, "--workflows", catalog], env=base, cwd=REPO,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        return done.returncode, done.stderr

    def test_a_token_file_readable_by_others_is_refused(self):
        os.chmod(self.token_file, 0o644)
        code, stderr = self.run_agent()
        self.assertEqual(2, code)
        self.assertIn("ControlTokenFileUnsafe", stderr)
        self.assertIn(self.token_file, stderr)
        self.assertIn(f"chmod 600 {self.token_file}", stderr)

    def test_a_missing_token_is_refused_naming_the_default_path(self):
        code, stderr = self.run_agent(SWARM_CONTROL_TOKEN_FILE=None, XDG_CONFIG_HOME=self.root, SWARM_NAMESPACE="lab-7",
                                      SWARM_CONTROL_TOKEN="an-environment-token-is-not-used")
        self.assertEqual(2, code)
        self.assertIn("ControlTokenMissing", stderr)
        self.assertIn(os.path.join(self.root, "swarmps", "control", "lab-7.token"), stderr)
        self.assertNotIn("an-environment-token-is-not-used", stderr)

    def test_a_short_token_is_refused(self):
        with open(self.token_file, "w") as file:
            file.write("  short \n")
        code, stderr = self.run_agent()
        self.assertEqual(2, code)
        self.assertIn("ControlTokenInvalid", stderr)

    def test_bad_catalogs_are_refused(self):
        cases = {"not JSON": ("{", "not readable JSON"),
                 "a bad name": ('{"-x": {"command": ["/bin/true"]}}', "a name is 1 to 63"),
                 "a command as one string": ('{"a": {"command": "/bin/true"}}', "non-empty list of strings"),
                 "an unknown key": ('{"a": {"command": ["/bin/true"], "cwd": "/"}}', "unknown key(s) cwd"),
                 "a missing program": ('{"a": {"command": ["no-such-program-here"]}}', "not an executable file"),
                 "no workflows": ("{}", "at least one"),
                 "a name given twice": ('{"a": {"command": ["/bin/true"]}, "a": {"command": ["/bin/false"]}}', '"a" is given twice'),
                 "names differing in case": ('{"a": {"command": ["/bin/true"]}, "A": {"command": ["/bin/false"]}}', "declared twice")}
        for case, (text, expected) in cases.items():
            with self.subTest(case):
                catalog = os.path.join(self.root, "catalog.json")
                with open(catalog, "w") as file:
                    file.write(text)
                code, stderr = self.run_agent(catalog)
                self.assertEqual(2, code, stderr)
                self.assertIn(catalog, stderr)
                self.assertIn(expected, stderr)

    def test_a_bad_namespace_is_refused(self):
        code, stderr = self.run_agent(SWARM_NAMESPACE="Team_A")
        self.assertEqual(2, code)
        self.assertIn("is not a namespace", stderr)


if __name__ == "__main__":
    unittest.main()
