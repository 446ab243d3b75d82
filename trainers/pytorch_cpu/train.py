"""The pytorch.cpu trainer of docs/trainer-contract.md: `python3 train.py job.json`, modes train and evaluate.

It reads the job, checks the base snapshot against its digest and the data file character by character,
then trains the LoRA pair on lm_head (train) or measures the held-out loss with and without an adapter
(evaluate). Progress goes to standard output as JSON lines; a refusal is one error line there, a sentence on
standard error and exit status 2, with no manifest or evaluation left behind. Every check runs before torch
is imported (modes.py): importing it takes a second or more, which a refused job need not wait for. A train
job prints setup heartbeats (setup_heartbeats.py) from the moment it is read until its step-0 heartbeat.
"""
import os
import sys

# No __pycache__ beside the sources: the trainer runs from a clone, often a read-only or shared one.
sys.dont_write_bytecode = True

import spec  # noqa: E402 (after the setting above, as are the modules below)
from examples import DataFileError, read_examples  # noqa: E402
from job import TrainerError, read_job  # noqa: E402
from outputs import digest, event, make_directory, now  # noqa: E402
from safetensors_io import SafetensorsError, decode  # noqa: E402
from setup_heartbeats import SetupHeartbeats  # noqa: E402

OUTCOME = {"train": "manifest.json", "evaluate": "evaluation.json"}


def load_base(job):
    """The base snapshot's tensors (numpy), after its digest and its shapes are checked."""
    path, expected = job["base_snapshot_path"], job["base_snapshot_digest"]
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as error:
        raise TrainerError("BaseSnapshotInvalid", f"The base snapshot {path} cannot be read ({error.strerror}); check base_snapshot_path or fetch it again.") from None
    actual = digest(raw)
    if actual != expected:
        raise TrainerError("BaseSnapshotMismatch", f"The base snapshot {path} has digest {actual}, not the job's {expected}; fetch the plan's base snapshot again.")
    try:
        tensors, _ = decode(raw)
    except SafetensorsError as error:
        raise TrainerError("BaseSnapshotInvalid", f"The base snapshot {path} is not a readable safetensors file: {error}.") from None
    problem = spec.base_problem(tensors)
    if problem:
        raise TrainerError("BaseSnapshotInvalid", f"The base snapshot {path} is not a swarm-tiny-lm version 1 base: {problem}.")
    return tensors


def load_examples(job):
    try:
        return read_examples(job["data_path"])
    except DataFileError as error:
        raise TrainerError("DataFileInvalid", f"The data file {job['data_path']} cannot be used: {error}.") from None


def load_adapter(job):
    """(A, B, digest) of the adapter an evaluate job names, checked against its contract; None without one."""
    if "adapter_path" not in job:
        return None
    path, rank = job["adapter_path"], job["adapter_contract"]["rank"]
    try:
        with open(path, "rb") as f:
            raw = f.read()
        tensors, _ = decode(raw)
    except OSError as error:
        raise TrainerError("TrainerAdapterInvalid", f"The adapter {path} cannot be read ({error.strerror}); check adapter_path.") from None
    except SafetensorsError as error:
        raise TrainerError("TrainerAdapterInvalid", f"The adapter {path} is not a readable safetensors file: {error}.") from None
    problem = spec.adapter_problem(tensors, rank)
    if problem:
        raise TrainerError("TrainerAdapterInvalid", f"The adapter {path} is not the rank-{rank} LoRA pair on lm_head its contract names: {problem}.")
    return tensors[spec.LORA_A], tensors[spec.LORA_B], digest(raw)


def run(argv):
    if len(argv) != 2:
        raise TrainerError("TrainerJobInvalid", "The trainer job cannot be run: give one argument, the job file (train.py job.json).")
    started_at = now()
    job = read_job(argv[1])
    if job["mode"] != "train":
        return work(job, started_at, None)
    # From here to step 0 a train job beats as it sets up; stopped before any other line, error or not.
    setup = SetupHeartbeats(job["heartbeat_interval_ms"])
    try:
        return work(job, started_at, setup)
    finally:
        setup.stop()


def work(job, started_at, setup):
    """The job's checks and its work; returns the path written last. `setup` is a train job's SetupHeartbeats."""
    outcome = os.path.join(job["output_directory"], OUTCOME[job["mode"]])
    try:
        make_directory(job["output_directory"])
        # A manifest from an earlier run would say this one is done: it goes before any work starts.
        if os.path.lexists(outcome):
            os.unlink(outcome)
    except OSError as error:
        raise TrainerError("TrainerJobInvalid", f"The trainer job cannot be run: the field 'output_directory': {job['output_directory']} cannot be prepared ({error.strerror}).") from None
    base = load_base(job)
    contexts, targets = load_examples(job)
    adapter = load_adapter(job) if job["mode"] == "evaluate" else None

    import modes  # torch: only now, every input checked

    if job["mode"] == "train":
        return modes.train(job, base, contexts, targets, started_at, setup)
    return modes.evaluate(job, base, contexts, targets, adapter)


def main():
    try:
        event(event="done", output=run(sys.argv))
        return 0
    except TrainerError as error:
        failure = error
    except Exception as error:  # an I/O or library failure: still one error line and exit 2, as the contract says
        failure = TrainerError("TrainerFailed", f"The trainer failed: {type(error).__name__}: {error}.")
    event(event="error", error_id=failure.error_id, message=failure.message)
    sys.stderr.write(f"pytorch.cpu trainer: {failure.message}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
