"""Makes a signac project's layout for the Import-SwarmSignacProject tests, without the signac package.

Each job is workspace/<id>/signac_statepoint.json written with json.dump, where id is signac's job id:
hashlib.md5(json.dumps(sp, sort_keys=True).encode()).hexdigest(). Job i gets a job document by i % 5:
complete, failed, running, no status (no document for even i, a document without 'status' for odd i), and
an unknown word. Then the planted bad entries: a directory named by another id (mismatched), and entries
that are no job (invalid): a non-hex name, an uppercase id, broken JSON, a symlinked state point, a FIFO
state point, a file where a directory belongs, an empty state point, a linked job directory, a directory
without a state point, and a NaN (which json.dump writes and no JSON reader accepts).
Prints what it made as one JSON object, which the tests compare with the import's counts.

usage: python3 make_signac_project.py DIRECTORY COUNT
"""
import hashlib
import json
import os
import sys

STATUSES = ["complete", "failed", "running", None, "half-done"]


def job_id(sp):
    return hashlib.md5(json.dumps(sp, sort_keys=True).encode()).hexdigest()


def statepoint(i):
    # Varied types: ints (beyond 2^53 too), floats, non-ASCII text (ensure_ascii escapes it), nesting, null.
    return {
        "i": i,
        "lr": 0.1 * (i + 1),
        "tiny": 1e-7 * (i + 1),
        "big": 2**60 + i,
        "name": "run-\u00e9\u4e2d-%d" % i,
        "model": {"layers": [i % 3 + 1, 64], "dropout": None, "bias": i % 2 == 0},
    }


def write_job(workspace, sp, name=None, document=None):
    directory = os.path.join(workspace, name or job_id(sp))
    os.makedirs(directory)
    with open(os.path.join(directory, "signac_statepoint.json"), "w") as f:
        json.dump(sp, f)
    if document is not None:
        with open(os.path.join(directory, "signac_job_document.json"), "w") as f:
            json.dump(document, f)
    return directory


def main():
    root, count = sys.argv[1], int(sys.argv[2])
    workspace = os.path.join(root, "workspace")
    os.makedirs(workspace, exist_ok=True)
    with open(os.path.join(root, "signac.rc"), "w") as f:
        f.write("project = swarmps-test\n")

    made = {"jobs": 0, "statuses": {}, "unknown": 0, "terminal": 0, "ids": {}, "mismatched": 0, "invalid": 0}
    for i in range(count):
        sp = statepoint(i)
        status = STATUSES[i % 5]
        if status is None:
            document = None if i % 2 == 0 else {"note": "no status here"}
        else:
            document = {"status": status, "score": i / 3}
        write_job(workspace, sp, document=document)
        word = status if status in ("complete", "failed", "running") else "created"
        made["jobs"] += 1
        made["statuses"][word] = made["statuses"].get(word, 0) + 1
        made["unknown"] += status == "half-done"
        made["terminal"] += status in ("complete", "failed")
        made["ids"][job_id(sp)] = word

    outside = os.path.join(root, "outside")
    os.makedirs(outside, exist_ok=True)

    # Mismatched: a real job under the id of another state point (renamed by hand).
    write_job(workspace, {"i": -1, "renamed": True}, name=job_id({"i": -1}), document={"status": "complete"})
    made["mismatched"] += 1

    # Invalid: each is no job at all.
    write_job(workspace, {"i": -3}, name="not-a-job")
    write_job(workspace, {"i": -4}, name=job_id({"i": -4}).upper())
    broken = os.path.join(workspace, job_id({"broken": True}))
    os.makedirs(broken)
    with open(os.path.join(broken, "signac_statepoint.json"), "w") as f:
        f.write('{"broken": tru')
    linked_sp = {"i": -5, "link": True}
    target = os.path.join(outside, "statepoint.json")
    with open(target, "w") as f:
        json.dump(linked_sp, f)
    linked = os.path.join(workspace, job_id(linked_sp))
    os.makedirs(linked)
    os.symlink(target, os.path.join(linked, "signac_statepoint.json"))
    fifo = os.path.join(workspace, job_id({"i": -6, "fifo": True}))
    os.makedirs(fifo)
    os.mkfifo(os.path.join(fifo, "signac_statepoint.json"))
    with open(os.path.join(workspace, job_id({"i": -7, "file": True})), "w") as f:
        f.write("a file where a job directory belongs\n")
    write_job(workspace, {})
    real = write_job(outside, {"i": -8, "linked-dir": True})
    os.symlink(real, os.path.join(workspace, job_id({"i": -8, "linked-dir": True})))
    os.makedirs(os.path.join(workspace, job_id({"i": -9, "missing": True})))
    write_job(workspace, {"x": float("nan")})
    made["invalid"] += 10

    json.dump(made, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
