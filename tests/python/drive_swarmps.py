#!/usr/bin/env python3
"""Drives the swarmps launcher the way a program in another language does, and checks its contract.

    /usr/bin/python3 tests/python/drive_swarmps.py [--swarmps module/swarmps]

Each case runs the sh wrapper with subprocess.run (no shell), parses its stdout with json.loads, checks the
envelope's schema (its keys and their types, exactly) and that the exit code agrees with the envelope
(0 for ok; for a failure, the code its category maps to in docs/launcher.md), then the case's own
expectations. Python 3 standard library only. Prints one line per case and a summary,
"drive_swarmps: N cases, N agree", and exits 1 on any mismatch. tests/pester/Launcher.Tests.ps1 runs it.
"""

import argparse
import concurrent.futures
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile

# docs/launcher.md, "Exit codes": the category of a failure decides its exit code.
EXIT_CODE_OF_CATEGORY = {
    "InvalidArgument": 1, "InvalidData": 1, "ObjectNotFound": 1, "ResourceExists": 1, "PermissionDenied": 1,
    "ConnectionError": 2, "OperationTimeout": 2, "ResourceUnavailable": 2,
    "InvalidOperation": 3, "OperationStopped": 3, "NotInstalled": 3,
}
OK_KEYS = {"ok": bool, "data": list}
FAILURE_KEYS = {"ok": bool, "error_id": str, "category": str, "message": str, "remediation": str, "retry_safe": bool, "data": list}
AGENT_A = "bf4054fa-595d-51a7-b606-b747510f14cb"  # docs/DESIGN: uuid5 of "demo-001/agent-a", pinned in Module.Tests.ps1
AGENT_B = "f4dc36b5-8e41-579b-9a95-a4325c2babe0"


def closed_port():
    """A 127.0.0.1 port nothing listens on: bound once by the OS, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_adapter(path, tensors):
    """A safetensors file of zero-filled F32 tensors, {name: shape}, laid out back to back."""
    header, offset = {}, 0
    for name, shape in tensors.items():
        size = 4 * shape[0] * shape[1]
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header).encode()
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(text)) + text + bytes(offset))
    return path


def ids(envelope):
    return [item["Id"] for item in envelope["data"]]


def cases(work):
    """(name, argv, expected exit code, check of the envelope) for each case."""
    half = write_adapter(os.path.join(work, "half.safetensors"), {"m.lora_A.weight": [2, 4]})
    pair = write_adapter(os.path.join(work, "pair.safetensors"), {"m.lora_A.weight": [2, 4], "m.lora_B.weight": [4, 2]})
    missing = os.path.join(work, "missing.safetensors")
    exchange = f"http://127.0.0.1:{closed_port()}"
    return [
        ("one agent id", ["Get-SwarmAgentId", "-RunId", "demo-001", "-Name", "agent-a"], 0,
         lambda e: ids(e) == [AGENT_A]),
        ("non-ASCII in argv and in the UTF-8 stdout", ["Get-SwarmAgentId", "-RunId", "chat.2026-11", "-Name", "\u00dcn\u00efcode agent"], 0,
         lambda e: [(i["Name"], i["Id"]) for i in e["data"]] == [("\u00dcn\u00efcode agent", "78d53057-7e0d-550f-99e3-00d58d945d91")]),
        ("names by prefix and case, array as a,b", ["get-swarmagentid", "-run", "demo-001", "-na", "agent-a,agent-b"], 0,
         lambda e: ids(e) == [AGENT_A, AGENT_B]),
        ("array as a JSON array", ["Get-SwarmAgentId", "-RunId", "demo-001", "-Name", '["agent-a","agent-b"]'], 0,
         lambda e: ids(e) == [AGENT_A, AGENT_B]),
        ("array as a repeated parameter", ["Get-SwarmAgentId", "-RunId", "demo-001", "-Name", "agent-a", "-Name", "agent-b"], 0,
         lambda e: ids(e) == [AGENT_A, AGENT_B]),
        ("hashtable as a JSON object", ["New-SwarmTaskSet", "-Axis", '{"lr":[0.1,0.01],"depth":[2,4]}'], 0,
         lambda e: [(t["Count"], t["ParameterNames"]) for t in e["data"]] == [(4, ["depth", "lr"])]),
        ("empty result", ["Get-SwarmSite", "-Name", "no-such-site-*"], 0,
         lambda e: e["data"] == []),
        ("a warning stays off stdout", ["Get-SwarmAdapter", "-Path", half], 0,
         lambda e: [a["LoraProblems"][0]["Kind"] for a in e["data"]] == ["Unpaired"]),
        ("engine error, the caller's input", ["Get-SwarmAgentId", "-RunId", "Demo", "-Name", "agent-a"], 1,
         lambda e: e["error_id"] == "RunIdInvalid" and e["category"] == "InvalidArgument" and not e["retry_safe"]),
        ("non-terminating error keeps the data before it", ["Get-SwarmAdapter", "-Path", f"{pair},{missing}"], 1,
         lambda e: e["error_id"] == "SafetensorsFileNotFound" and [a["Path"] for a in e["data"]] == [pair]),
        ("exchange not reachable: network, retry-safe", ["Get-SwarmMailbox", "-ExchangeUrl", exchange, "-RunId", "demo-001", "-Name", "agent-a"], 2,
         lambda e: e["error_id"] == "ExchangeUnreachable" and e["category"] == "ConnectionError" and e["retry_safe"]),
        ("unknown parameter", ["Get-SwarmAgentId", "-RunId", "demo-001", "-Bogus", "1"], 1,
         lambda e: e["error_id"] == "LauncherParameterUnknown"),
        ("missing mandatory parameter, no prompt", ["Get-SwarmAgentId", "-RunId", "demo-001"], 1,
         lambda e: e["error_id"] == "LauncherParameterMissing" and "-Name" in e["message"]),
        ("not a SwarmPS cmdlet", ["Remove-Item", "-Path", work], 1,
         lambda e: e["error_id"] == "LauncherCommandUnknown" and os.path.isdir(work)),
        ("no arguments", [], 1,
         lambda e: e["error_id"] == "LauncherUsage"),
        ("a value the binder refuses", ["Get-SwarmMailbox", "-Id", "not-a-guid"], 1,
         lambda e: e["error_id"] == "LauncherParameterInvalid"),
        ("bad JSON for a hashtable", ["New-SwarmTaskSet", "-Axis", "{lr:"], 1,
         lambda e: e["error_id"] == "LauncherParameterInvalid" and "-Axis" in e["message"]),
        ("a parameter without its value", ["Get-SwarmAgentId", "-Name", "agent-a", "-RunId"], 1,
         lambda e: e["error_id"] == "LauncherParameterValueMissing" and "-RunId" in e["message"]),
        ("a single-valued parameter twice", ["Get-SwarmAgentId", "-RunId", "demo-001", "-RunId", "demo-002", "-Name", "agent-a"], 1,
         lambda e: e["error_id"] == "LauncherParameterInvalid" and "twice" in e["message"]),
        ("control without a control token: the caller's input", ["Send-SwarmControl", "-Site", "alpha", "-Command", "Status"], 1,
         lambda e: e["error_id"] == "ControlTokenMissing" and "SWARM_CONTROL_TOKEN" in e["remediation"] and not e["retry_safe"]),
        ("control, exchange not reachable: network, retry-safe",
         ["Get-SwarmAgentManager", "-Site", "alpha", "-ExchangeUrl", exchange], 2,
         lambda e: e["error_id"] == "ExchangeUnreachable" and e["retry_safe"]),
        ("a common parameter the launcher sets itself", ["Get-SwarmAgentId", "-RunId", "demo-001", "-Name", "agent-a", "-ErrorAction", "Continue"], 1,
         lambda e: e["error_id"] == "LauncherParameterInvalid" and "-ErrorAction" in e["message"]),
    ]


def schema_problems(envelope):
    """What is wrong with the envelope's keys and types; empty when nothing is."""
    if not isinstance(envelope, dict):
        return [f"the envelope is a {type(envelope).__name__}, not an object"]
    expected = OK_KEYS if envelope.get("ok") is True else FAILURE_KEYS
    problems = []
    if set(envelope) != set(expected):
        problems.append(f"keys {sorted(envelope)} are not {sorted(expected)}")
    for key, kind in expected.items():
        # bool is an int in Python, and an int is no bool: compare the type itself.
        if key in envelope and type(envelope[key]) is not kind:
            problems.append(f"{key} is a {type(envelope[key]).__name__}, not a {kind.__name__}")
    if envelope.get("ok") is False:
        if envelope.get("category") not in EXIT_CODE_OF_CATEGORY:
            problems.append(f"category {envelope.get('category')!r} is not a SwarmErrorCategory")
        for key in ("error_id", "message", "remediation"):
            if not envelope.get(key):
                problems.append(f"{key} is empty")
    return problems


def run_case(swarmps, environment, case):
    name, argv, expected_code, check = case
    completed = subprocess.run([swarmps, *argv], env=environment, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=120, check=False)
    problems = []
    try:
        text = completed.stdout.decode("utf-8")
    except UnicodeDecodeError as error:
        return name, [f"stdout is not UTF-8: {error}"]
    lines = text.split("\n")
    if len(lines) != 2 or lines[1] != "":
        problems.append(f"stdout is not exactly one line: {text!r}")
    try:
        envelope = json.loads(lines[0])
    except json.JSONDecodeError as error:
        return name, problems + [f"stdout is not JSON ({error}): {text!r}"]
    problems += schema_problems(envelope)
    if problems:
        return name, problems
    agreed = 0 if envelope["ok"] else EXIT_CODE_OF_CATEGORY[envelope["category"]]
    if completed.returncode != agreed:
        problems.append(f"exit code {completed.returncode} does not agree with the envelope ({agreed})")
    if completed.returncode != expected_code:
        problems.append(f"exit code {completed.returncode}, expected {expected_code}")
    try:
        if not check(envelope):
            problems.append(f"the envelope is not the expected one: {lines[0][:400]}")
    except (KeyError, IndexError, TypeError) as error:
        problems.append(f"the envelope lacks what the case reads ({error!r}): {lines[0][:400]}")
    if problems:
        problems.append("stderr: " + completed.stderr.decode("utf-8", "replace")[-400:])
    return name, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--swarmps", default=os.path.join(here, "..", "..", "module", "swarmps"))
    parser.add_argument("--workers", type=int, default=2, help="cases run at once (each starts a pwsh)")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="drive-swarmps-") as work:
        environment = dict(os.environ)
        # Site profiles from an empty folder, not the user's; a token so the exchange is asked at all.
        environment["XDG_CONFIG_HOME"] = os.path.join(work, "config")
        environment["SWARM_EXCHANGE_TOKEN"] = "drive-swarmps-token"
        environment.pop("SWARM_EXCHANGE_URL", None)
        for variable in ("SWARM_CONTROL_TOKEN", "SWARM_CONTROL_TOKEN_FILE", "SWARM_NAMESPACE"):
            environment.pop(variable, None)
        all_cases = cases(work)
        with concurrent.futures.ThreadPoolExecutor(max_workers=arguments.workers) as pool:
            results = list(pool.map(lambda case: run_case(arguments.swarmps, environment, case), all_cases))

    failed = 0
    for name, problems in results:
        print(("ok    " if not problems else "FAIL  ") + name)
        for problem in problems:
            print("        " + problem)
        failed += bool(problems)
    print(f"drive_swarmps: {len(results)} cases, {len(results) - failed} agree")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
