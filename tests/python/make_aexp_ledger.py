"""Writes an aexp 0.6 ledger into a repository, for the SwarmPS migration tests (Convert-SwarmLedger -From Aexp,
Test-SwarmCitation during a migration).

The aexp tool's source is not available to SwarmPS; this writes "the aexp 0.6 entry as SwarmPS reads it"
(docs/ledger.md, "Migrating from aexp 0.6"): .aexp/ledger/<job_id>.json, one JSON object per run, with
schema_version 1, job_id (signac's id: md5 of json.dumps(statepoint, sort_keys=True)), statepoint, status, and
optional times, wall_seconds, machine, experiments, code and tracker. Each entry also carries fields aexp adds
that SwarmPS must never copy (workdir, notes).

Entry i (0-based) has status STATUSES[i % 7], experiment "lr-sweep" for even i and "ablation" for odd i, and a
statepoint with a secret-looking key (api_token) and an absolute path under the repository's parent. Planted bad
files (each named <32 hex>.json unless said): wrong schema_version, job_id other than the file name, not JSON,
a symbolic link, a FIFO, an oversized file (2 MiB), and notes.json (not an id).

Prints one JSON object: {"entries": [{"id", "status", "experiments", "statepoint"}...], "bad": {kind: id}}.

usage: python3 make_aexp_ledger.py REPO_DIR COUNT
"""
import hashlib
import json
import os
import sys

STATUSES = ["complete", "failed", "running", "abandoned", "stopped", "queued", "created"]


def job_id(statepoint):
    return hashlib.md5(json.dumps(statepoint, sort_keys=True).encode()).hexdigest()


def write(directory, name, text):
    with open(os.path.join(directory, name), "w", encoding="utf-8") as handle:
        handle.write(text)


def main():
    repo, count = sys.argv[1], int(sys.argv[2])
    ledger = os.path.join(repo, ".aexp", "ledger")
    os.makedirs(ledger, exist_ok=True)
    data = os.path.join(os.path.dirname(os.path.abspath(repo)), "shared-data", "train.csv")
    entries = []
    for i in range(count):
        statepoint = {
            "lr": [0.1, 0.01, 0.001][i % 3],
            "seed": i,
            "data": data,
            "api_token": "tok-%04d-secret" % i,
            "model": {"depth": 2 + i % 4, "name": "mlp"},
        }
        identity = job_id(statepoint)
        status = STATUSES[i % len(STATUSES)]
        experiments = ["lr-sweep"] if i % 2 == 0 else ["ablation"]
        entry = {
            "schema_version": 1,
            "job_id": identity,
            "statepoint": statepoint,
            "status": status,
            "created_at": "2026-03-01T12:00:%02d.000Z" % (i % 60),
            "machine": "cluster-a" if i % 2 == 0 else "laptop",
            "experiments": experiments,
            "code": {"commit": "9f1c2e3d4b5a69788796a5b4c3d2e1f009182736", "dirty": i % 3 == 0},
            "tracker": {"backend": "mlflow", "run_id": "run-%d" % i, "url": "https://bob:pw@mlflow.example.org/runs/%d?token=abc" % i, "project": "sweeps"},
            # aexp's own fields: never copied into a SwarmPS entry.
            "workdir": os.path.join(os.path.abspath(repo), "workspace", identity),
            "notes": "launched by bob",
        }
        if status not in ("created", "queued"):
            entry["started_at"] = "2026-03-01T12:01:00+00:00"
        if status not in ("created", "queued", "running"):
            entry["ended_at"] = "2026-03-01T12:42:10.513Z"
            entry["wall_seconds"] = 2470.513
        write(ledger, identity + ".json", json.dumps(entry, indent=1))
        entries.append({"id": identity, "status": status, "experiments": experiments, "statepoint": statepoint})

    bad = {}

    def planted(kind):
        identity = job_id({"planted": kind})
        bad[kind] = identity
        return identity

    identity = planted("schema")
    write(ledger, identity + ".json", json.dumps({"schema_version": 2, "job_id": identity, "statepoint": {"planted": "schema"}, "status": "complete"}))
    identity = planted("mismatch")
    write(ledger, identity + ".json", json.dumps({"schema_version": 1, "job_id": job_id({"other": 1}), "statepoint": {"planted": "mismatch"}, "status": "complete"}))
    identity = planted("notjson")
    write(ledger, identity + ".json", "{ this is not json")
    identity = planted("symlink")
    target = os.path.join(os.path.dirname(os.path.abspath(repo)), "outside-%s.json" % identity)
    write(os.path.dirname(target), os.path.basename(target), json.dumps({"schema_version": 1, "job_id": identity, "statepoint": {"planted": "symlink"}, "status": "complete"}))
    os.symlink(target, os.path.join(ledger, identity + ".json"))
    identity = planted("fifo")
    os.mkfifo(os.path.join(ledger, identity + ".json"))
    identity = planted("oversized")
    write(ledger, identity + ".json", json.dumps({"schema_version": 1, "job_id": identity, "statepoint": {"planted": "oversized"}, "status": "complete", "notes": "x" * (2 * 1024 * 1024)}))
    write(ledger, "notes.json", "{}")
    bad["badname"] = None

    print(json.dumps({"entries": entries, "bad": bad}))


if __name__ == "__main__":
    main()
