"""Named workflows run as process groups, their executions kept in an owner-only state file.

A workflow is an argv from the catalog (--workflows file.json). Each start is an execution with an id
<workflow>-<namespace>-<n>, n counting from 1 per agent and never reused: the counter and every execution
are saved (atomically) before and after each change, so an agent restarted by its launcher knows them all,
and adopts the executions still running, which it can still stop (they live in their own sessions, so the
death of the agent does not end them).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time

from swarm_control import format_time, utc_now

NAME_RULE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
STOP_GRACE = 5.0
ENDED = ("Succeeded", "Failed", "Stopped")


class CatalogError(Exception):
    pass


def _refuse_duplicates(pairs):
    """json's object hook: a key given twice is an error, not the last one silently winning."""
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise CatalogError(f"{json.dumps(key)} is given twice in one object.")
    return dict(pairs)


def load_catalog(path, working_directory):
    """{"<name>": {"command": [argv...], "description": "..."}} checked whole; programs resolved now
    (relative paths from the agent's working directory, bare names on PATH), as a launch checks agents."""
    try:
        with open(path, encoding="utf-8") as file:
            catalog = json.load(file, object_pairs_hook=_refuse_duplicates)
    except FileNotFoundError:
        raise CatalogError(f"the workflow catalog {path} does not exist; pass --workflows with the path of a JSON file.") from None
    except CatalogError as error:
        raise CatalogError(f"{path}: {error}") from None
    except (OSError, ValueError) as error:
        raise CatalogError(f"the workflow catalog {path} is not readable JSON: {error}") from None
    if not isinstance(catalog, dict) or not catalog:
        raise CatalogError(f"{path}: expected an object of workflows, {{\"name\": {{\"command\": [\"argv\", ...], \"description\": \"...\"}}}}, with at least one.")
    workflows = {}
    for name, entry in catalog.items():
        where = f"{path}: workflow {json.dumps(name)}"
        if not NAME_RULE.match(name):
            raise CatalogError(f"{where}: a name is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit (as agent names).")
        if name.lower() in (known.lower() for known in workflows):
            raise CatalogError(f"{where}: declared twice (names differing only in case are duplicates).")
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: expected an object with \"command\" (and optionally \"description\").")
        unknown = sorted(set(entry) - {"command", "description"})
        if unknown:
            raise CatalogError(f"{where}: unknown key(s) {', '.join(unknown)}; the keys are command and description.")
        command = entry.get("command")
        if not isinstance(command, list) or not command or not all(isinstance(part, str) for part in command) or not command[0]:
            raise CatalogError(f"{where}: \"command\" must be a non-empty list of strings (argv, never split by a shell), e.g. [\"/bin/sh\", \"-c\", \"echo hi\"].")
        description = entry.get("description", "")
        if not isinstance(description, str):
            raise CatalogError(f"{where}: \"description\" must be a string.")
        program = command[0]
        if "/" in program:
            resolved = os.path.join(working_directory, program)
            runnable = os.path.isfile(resolved) and os.access(resolved, os.X_OK)
        else:
            resolved = shutil.which(program)
            runnable = resolved is not None
        if not runnable:
            raise CatalogError(f"{where}: the program {json.dumps(program)} is not an executable file "
                               f"({'relative to ' + working_directory if '/' in program else 'searched on PATH'}).")
        workflows[name] = {"command": [os.path.abspath(resolved)] + command[1:], "description": description}
    return workflows


def _private_directory(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)  # makedirs' mode is cut by the umask, and an existing folder keeps its own


def _process_start_time(pid):
    """The kernel's start time of a pid (/proc/<pid>/stat field 22), None when gone or a zombie: tells a
    workflow adopted after a restart from an unrelated process that later got the same pid."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else fields[19]


def _adopted_alive(execution):
    """An execution a previous run of the agent started: alive while its leader is the same process."""
    started = _process_start_time(execution["pid"])
    return started is not None and started == execution.get("pid_started")


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _exit_code(returncode):
    """A signal death as 128 + the signal, as a shell and .NET report it (Python says -signal)."""
    return 128 - returncode if returncode < 0 else returncode


class WorkflowRunner:
    def __init__(self, workflows, namespace, run_directory, agent_directory, on_state):
        self.workflows = workflows
        self.namespace = namespace
        self.run_directory = run_directory
        self.logs = os.path.join(agent_directory, "workflows")
        self.state_path = os.path.join(agent_directory, "workflows.json")
        self.on_state = on_state  # (execution, from, to): the agent records workflow_state events
        self._children = {}  # execution id -> Popen, for the ones this process started
        _private_directory(agent_directory)
        _private_directory(self.logs)
        self._next, self._executions = 1, []
        if os.path.exists(self.state_path):
            with open(self.state_path, encoding="utf-8") as file:
                saved = json.load(file)
            self._next, self._executions = saved["next"], saved["executions"]
        # Executions a previous run of the agent left Running: still there, adopted; gone, their end is unknown.
        for execution in self._running():
            if not _adopted_alive(execution):
                self._end(execution, "Failed", None)
        self._save()

    # --- commands ---

    def start(self, name, parameters):
        """The execution, Running. The id is saved as used before the process exists, so it is never issued twice."""
        number = self._next
        self._next += 1
        self._save()
        execution_id = f"{name}-{self.namespace}-{number}"
        log = os.open(os.path.join(self.logs, f"{execution_id}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        environment = dict(os.environ, SWARM_WORKFLOW_EXECUTION=execution_id,
                           SWARM_WORKFLOW_PARAMETERS=json.dumps(parameters, separators=(",", ":")))
        try:
            child = subprocess.Popen(self.workflows[name]["command"], cwd=self.run_directory, env=environment,
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        finally:
            os.close(log)
        self._children[execution_id] = child
        execution = {"execution_id": execution_id, "workflow": name, "namespace": self.namespace, "state": "Running",
                     "started_at": format_time(utc_now()), "ended_at": None, "exit_code": None, "parameters": parameters,
                     "pid": child.pid, "pid_started": _process_start_time(child.pid)}
        self._executions.append(execution)
        self._save()
        self.on_state(public(execution), None, "Running")
        return public(execution)

    def stop(self, execution_id, grace=STOP_GRACE):
        """SIGTERM to the execution's process group, SIGKILL to what is left after the grace; an ended one as it is.
        None for an id this agent never issued."""
        execution = self.find(execution_id)
        if execution is None:
            return None
        if execution["state"] == "Running":
            self._stop_group(execution, grace)
        return public(execution)

    def list(self):
        self.reap()
        return [public(execution) for execution in self._executions]

    def find(self, execution_id):
        self.reap()
        return next((execution for execution in self._executions if execution["execution_id"] == execution_id), None)

    # --- supervision ---

    def reap(self):
        """Ends the executions whose process ended: called between receives, so a state change is seen within one wait."""
        for execution in self._running():
            child = self._children.get(execution["execution_id"])
            if child is not None:
                code = child.poll()
                if code is not None:
                    del self._children[execution["execution_id"]]
                    self._end(execution, "Succeeded" if code == 0 else "Failed", _exit_code(code))
            elif not _adopted_alive(execution):
                self._end(execution, "Failed", None)  # adopted: not our child, so its exit code is not ours to read

    def stop_all(self, grace):
        """On the agent's own SIGTERM: every running execution stopped, as workflow.stop does, all at once."""
        running = self._running()
        for execution in running:
            self._signal(execution, signal.SIGTERM)
        self._await_end(running, grace)
        for execution in running:
            self._finish_stop(execution)

    def _stop_group(self, execution, grace):
        self._signal(execution, signal.SIGTERM)
        self._await_end([execution], grace)
        self._finish_stop(execution)

    def _signal(self, execution, signum):
        try:
            os.killpg(execution["pid"], signum)
        except (ProcessLookupError, PermissionError):
            pass

    def _await_end(self, executions, grace):
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            for execution in executions:
                child = self._children.get(execution["execution_id"])
                if child is not None:
                    child.poll()  # reaps the leader, so its group can empty
            if not any(_group_alive(execution["pid"]) for execution in executions):
                return
            time.sleep(0.05)

    def _finish_stop(self, execution):
        """What is left of the group gets SIGKILL; the execution is Stopped with the leader's exit code when it is ours."""
        if _group_alive(execution["pid"]):
            self._signal(execution, signal.SIGKILL)
        child = self._children.pop(execution["execution_id"], None)
        code = None
        if child is not None:
            try:
                code = _exit_code(child.wait(timeout=5))
            except subprocess.TimeoutExpired:
                code = None
        self._end(execution, "Stopped", code)

    def _running(self):
        return [execution for execution in self._executions if execution["state"] == "Running"]

    def _end(self, execution, state, exit_code):
        execution.update(state=state, ended_at=format_time(utc_now()), exit_code=exit_code)
        self._save()
        self.on_state(public(execution), "Running", state)

    def _save(self):
        temporary = self.state_path + ".tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump({"next": self._next, "executions": self._executions}, file, separators=(",", ":"))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.state_path)


def public(execution):
    """An execution exactly as docs/control-protocol.md shows it (the pid stays inside the agent)."""
    keys = ("execution_id", "workflow", "namespace", "state", "started_at", "ended_at", "exit_code", "parameters")
    return {key: execution[key] for key in keys}
