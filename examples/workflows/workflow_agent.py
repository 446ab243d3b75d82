#!/usr/bin/env python3
"""A workflow agent: an ordinary agent of a campaign that starts, stops and lists named workflows on
command, following docs/control-protocol.md. Python standard library only.

    python3 examples/workflows/workflow_agent.py --workflows examples/workflows/workflows.json

Started by Start-SwarmSite like any agent, it takes everything from its environment (docs/agent-contract.md):
SWARM_RUN_ID, SWARM_SITE, SWARM_AGENT, SWARM_AGENT_UID, SWARM_EXCHANGE_URL, SWARM_EXCHANGE_TOKEN,
SWARM_RUN_DIR, and SWARM_NAMESPACE (default "default").

- The control token is read once, at start, from SWARM_CONTROL_TOKEN_FILE or else
  $XDG_CONFIG_HOME/swarmps/control/<namespace>.token (default ~/.config/...); the file must be owner-only.
  Changing the token means restarting the agent, as it does for every caller of the namespace.
- Each message of its mailbox is a control command (sealed with that token) or ordinary traffic, which is
  acknowledged and recorded (message_ignored). Commands: workflow.start, workflow.stop, workflow.list.
- Every command is a control_command event in $SWARM_RUN_DIR/events.jsonl, when it is accepted (before it
  runs) or refused; an accepted one's outcome follows as control_reply; every state change of an
  execution is a workflow_state event. Its own files are under
  $SWARM_RUN_DIR/agents/$SWARM_AGENT/ (owner-only): handled.jsonl (replay protection), workflows.json
  (executions and the id counter), workflows/<execution id>.log (a workflow's stdout and stderr).
- On SIGTERM (Stop-SwarmSite) the running workflows are stopped, then it exits 0.

Exit codes: 0 on SIGTERM, 2 for a bad catalog, environment or control token (the reason on stderr),
1 on any other error.
"""

import argparse
import json
import os
import signal
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "agents"))
from swarm_control import (NAMESPACE_RULE, ControlError, ReplayJournal, check_command, command_problem, format_time,  # noqa: E402
                           is_uuid, load_control_token, mac_matches, open_envelope, seal, unsealed, utc_now)
from swarm_events import record  # noqa: E402
from swarm_exchange import Exchange, ExchangeError  # noqa: E402
from workflow_runner import CatalogError, WorkflowRunner, load_catalog  # noqa: E402

COMMANDS = ("workflow.start", "workflow.stop", "workflow.list")
# Short waits: between two receives the agent reaps ended workflows, so a state change shows within one.
RECEIVE_WAIT_MS = 1000
# On the agent's own SIGTERM the workflows get less than workflow.stop's 5 s: the launcher kills the agent
# 5 s after its SIGTERM, and the agent must still mark them Stopped before that.
SHUTDOWN_GRACE = 3.0
# How long a reply keeps being retried when the exchange is away; the caller has given up by then.
REPLY_RETRY_SECONDS = 20.0


def _claimed(value, limit=200):
    """A field of an unverified (or verified) payload, safe for an event: strings cut short, anything else dropped."""
    return value[:limit] if isinstance(value, str) else None


def _sender(value):
    if not isinstance(value, dict):
        return None
    return {key: value[key] for key in ("user", "host", "pid") if isinstance(value.get(key), (str, int)) and not isinstance(value.get(key), bool)}


def transient(error):
    if isinstance(error, ExchangeError):
        return error.status == 0 or error.status >= 500
    return isinstance(error, OSError)


class WorkflowAgent:
    def __init__(self, exchange, token, namespace, me, runner, agent_directory):
        self.exchange = exchange
        self._token = token  # never printed, never in an event
        self.namespace = namespace
        self.me = me
        self.runner = runner
        self.journal = ReplayJournal(os.path.join(agent_directory, "handled.jsonl"))
        self.stopping = False

    def run(self):
        last_prune = time.monotonic()
        while not self.stopping:
            self.runner.reap()
            if time.monotonic() - last_prune > 60:
                self.journal.prune(utc_now())
                last_prune = time.monotonic()
            try:
                # One at a time: a workflow.stop may take its 5 s grace, and a batch would outlive its lease.
                messages = self.exchange.receive(self.me, max_messages=1, lease_ms=30000, wait_ms=RECEIVE_WAIT_MS)
            except Exception as error:  # noqa: BLE001 - classified just below
                if not transient(error):
                    raise
                time.sleep(0.5)
                continue
            for message in messages:
                self.handle(message)
                self._retry(lambda: self.exchange.acknowledge(self.me, [message["id"]]))
        self.runner.stop_all(SHUTDOWN_GRACE)

    def handle(self, message):
        envelope = open_envelope(message.get("body"))
        if envelope is None:
            record("message_ignored", message_id=message["id"], reason="not a control envelope")
            return
        payload_text, mac = envelope
        try:
            payload = json.loads(payload_text)
        except ValueError:
            payload = None
        if not mac_matches(self._token, payload_text, mac):
            self._refuse_unverified(payload)
            return
        if isinstance(payload, dict) and payload.get("type") == "reply":
            # A sealed reply is never answered: two participants must not bounce messages at each other.
            record("message_ignored", message_id=message["id"], reason="a control reply, not a command")
            return
        self._handle_command(payload if isinstance(payload, dict) else {})

    def _refuse_unverified(self, payload):
        """Nothing executed, nothing journaled (a forger must not be able to claim a real caller's correlation id);
        the claimed reply_to learns why, unsealed, so the caller does not wait out its timeout."""
        claims = payload if isinstance(payload, dict) else {}
        error = ControlError("ControlTokenRejected", "The command's MAC does not match this namespace's control token; nothing was executed.",
                             f"Use the control token of namespace '{self.namespace}' (SWARM_CONTROL_TOKEN or its token file) on the caller's side, "
                             "the same one this agent's token file holds.")
        self._event(claims, verified=False, accepted=False, replayed=False, error_id=error.error_id)
        if claims.get("type") != "reply" and is_uuid(claims.get("reply_to")):
            refusal = self._reply(claims, ok=False, result=None, error=error)
            self._send(claims["reply_to"], unsealed(refusal))

    def _handle_command(self, command):
        """The checks after the MAC in the order of SwarmPS's own receiver: shape, namespace, target, expiry,
        replay. What passes them is accepted (journaled and recorded before it runs), then run; its outcome,
        success or not (WorkflowUnknown, ControlCommandUnknown...), is the control_reply event and the reply."""
        problem = command_problem(command)
        if problem is not None:
            self._refuse(command, ControlError("ControlCommandInvalid", f"The command could not be read: {problem}.",
                                               "Send commands as docs/control-protocol.md describes them (Send-SwarmControl does)."))
            return
        try:
            keep_until = check_command(command, self.namespace, self.me, utc_now())
        except ControlError as error:
            self._refuse(command, error)
            return
        handled = self.journal.get(command["correlation_id"])
        if handled is not None:
            self._replay(command, handled)
            return

        self.journal.begin(command["correlation_id"], keep_until)
        self._event(command, verified=True, accepted=True, replayed=False, error_id=None)
        try:
            # Absent or null args are no args (workflow.list takes none); anything else must be an object.
            result = self._execute(command["command"], {} if command.get("args") is None else command["args"])
            reply = self._reply(command, ok=True, result=result, error=None)
        except ControlError as error:
            reply = self._reply(command, ok=False, result=None, error=error)
        self.journal.finish(command["correlation_id"], keep_until, reply)
        record("control_reply", correlation_id=reply["correlation_id"], command=reply["command"], ok=reply["ok"],
               error_id=reply["error"] and reply["error"]["error_id"])
        self._answer(command, reply)

    def _refuse(self, command, error):
        """A refusal by the protocol's rules: recorded and answered, not journaled (a retry is checked afresh)."""
        self._event(command, verified=True, accepted=False, replayed=False, error_id=error.error_id)
        self._answer(command, self._reply(command, ok=False, result=None, error=error))

    def _replay(self, command, handled):
        """The stored reply again, replayed: true, and nothing executed. An id whose reply was never stored
        belongs to a command this agent was executing when it died: whether it took effect is unknown."""
        reply = handled["reply"]
        if reply is None:
            error = ControlError("ControlCommandInterrupted", "This agent stopped while it was executing this command; it may or may not have taken effect. It is not executed again.",
                                 "Look with workflow.list (Get-SwarmWorkflow), then send a new command (new correlation id) if it is still needed.")
            reply = self._reply(command, ok=False, result=None, error=error)
        reply = dict(reply, replayed=True, sent_at=format_time(utc_now()))
        self._event(command, verified=True, accepted=False, replayed=True, error_id=reply["error"] and reply["error"]["error_id"])
        self._answer(command, reply)

    def _execute(self, name, args):
        if name not in COMMANDS:
            raise ControlError("ControlCommandUnknown", f"{json.dumps(_claimed(name))} is not a command of a workflow agent.",
                               f"Send one of {', '.join(COMMANDS)} (start, stop and status are for the agent manager).")
        if not isinstance(args, dict):
            raise ControlError("ControlCommandInvalid", "args must be an object.", "Send args as a JSON object ({} when the command takes none).")
        if name == "workflow.list":
            return {"executions": self.runner.list()}
        if name == "workflow.start":
            workflow = args.get("workflow")
            if workflow not in self.runner.workflows:
                known = ", ".join(sorted(self.runner.workflows))
                raise ControlError("WorkflowUnknown", f"This agent knows no workflow {json.dumps(_claimed(workflow))}; it knows {known}.",
                                   f"Start one of {known}, or add it to the agent's --workflows file and restart the agent.")
            parameters = args.get("parameters", {})
            if not isinstance(parameters, dict):
                raise ControlError("ControlCommandInvalid", "parameters must be an object.", "Send parameters as a JSON object (a hashtable: -Parameters @{who='me'}).")
            try:
                return self.runner.start(workflow, parameters)
            except OSError as error:
                raise ControlError("WorkflowStartFailed", f"Workflow {workflow} could not be started: {error}.",
                                   "Check its command in the --workflows file and the agent's stderr.log.") from None
        execution_id = args.get("execution_id")
        execution = self.runner.stop(execution_id) if isinstance(execution_id, str) else None
        if execution is None:
            raise ControlError("WorkflowExecutionUnknown", f"This agent never issued an execution {json.dumps(_claimed(execution_id))}.",
                               "Take the id from Get-SwarmWorkflow (workflow.list) of the same run.")
        return execution

    def _reply(self, command, ok, result, error):
        return {"type": "reply", "namespace": self.namespace, "correlation_id": _claimed(command.get("correlation_id")),
                "command": _claimed(command.get("command")), "from": self.me, "sent_at": format_time(utc_now()),
                "ok": ok, "replayed": False, "result": result, "error": error.as_reply_error() if error else None}

    def _answer(self, command, reply):
        if is_uuid(command.get("reply_to")):
            self._send(command["reply_to"], seal(self._token, reply))
        else:
            record("control_reply_undeliverable", correlation_id=reply["correlation_id"], reason="reply_to is not a mailbox id")

    def _send(self, to, body):
        message_id = str(uuid.uuid4())  # the same id on every retry: stored once
        try:
            self._retry(lambda: self.exchange.send(to, body, sender=self.me, message_id=message_id))
        except Exception as error:  # noqa: BLE001 - a caller that gave up (its mailbox gone) must not stop the agent
            record("control_reply_undeliverable", to=to, reason=str(error)[:300])

    def _retry(self, call):
        deadline = time.monotonic() + REPLY_RETRY_SECONDS
        while True:
            try:
                return call()
            except Exception as error:  # noqa: BLE001 - classified just below
                if not transient(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _event(self, payload, verified, accepted, replayed, error_id):
        record("control_command", correlation_id=_claimed(payload.get("correlation_id")), command=_claimed(payload.get("command")),
               namespace=_claimed(payload.get("namespace")), sender=_sender(payload.get("sender")),
               verified=verified, accepted=accepted, replayed=replayed, error_id=error_id)


def fail(message):
    print(f"workflow_agent: {message}", file=sys.stderr)
    return 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", required=True, help="the workflow catalog, JSON: {\"name\": {\"command\": [argv...], \"description\": \"...\"}}")
    args = parser.parse_args()

    missing = [name for name in ("SWARM_RUN_ID", "SWARM_SITE", "SWARM_AGENT", "SWARM_AGENT_UID", "SWARM_EXCHANGE_URL", "SWARM_EXCHANGE_TOKEN", "SWARM_RUN_DIR")
               if not os.environ.get(name)]
    if missing:
        return fail(f"{', '.join(missing)} not set: start this agent with Start-SwarmSite (docs/agent-contract.md), or set them by hand.")
    namespace = os.environ.get("SWARM_NAMESPACE") or "default"
    if not NAMESPACE_RULE.match(namespace):
        return fail(f"SWARM_NAMESPACE={json.dumps(namespace)} is not a namespace: 1 to 31 of a-z, 0-9 and '-', starting with a letter or digit.")
    try:
        workflows = load_catalog(args.workflows, os.getcwd())
        token = load_control_token(namespace)
    except CatalogError as error:
        return fail(str(error))
    except ControlError as error:
        return fail(f"{error} Fix: {error.remediation}")

    agent_directory = os.path.join(os.environ["SWARM_RUN_DIR"], "agents", os.environ["SWARM_AGENT"])
    runner = WorkflowRunner(workflows, namespace, os.environ["SWARM_RUN_DIR"], agent_directory,
                            on_state=lambda execution, before, after: record(
                                "workflow_state", execution_id=execution["execution_id"], workflow=execution["workflow"],
                                **{"from": before, "to": after}, exit_code=execution["exit_code"]))
    agent = WorkflowAgent(Exchange.from_environment(), token, namespace, os.environ["SWARM_AGENT_UID"], runner, agent_directory)

    def on_sigterm(signum, frame):
        agent.stopping = True  # the loop ends after the current receive (at most RECEIVE_WAIT_MS), then stops the workflows

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, on_sigterm)  # Ctrl+C when run by hand: the same orderly stop
    record("workflow_agent_started", namespace=namespace, workflows=sorted(workflows))
    agent.run()
    record("workflow_agent_stopped", namespace=namespace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
