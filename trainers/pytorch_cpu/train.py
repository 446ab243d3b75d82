"""The pytorch.cpu trainer of docs/trainer-contract.md: `python3 train.py job.json`, modes train and evaluate.

It reads the job, checks the base snapshot against its digest and the data file character by character,
then trains the LoRA pair on lm_head (train) or measures the held-out loss with and without an adapter
(evaluate). Progress goes to standard output as JSON lines; a refusal is one error line there, a sentence on
standard error and exit status 2, with no manifest or evaluation left behind. One thread and deterministic
kernels, so the same job gives the same adapter, bit for bit.
"""
import os
import sys
import time

# No __pycache__ beside the sources: the trainer runs from a clone, often a read-only or shared one.
sys.dont_write_bytecode = True

import torch  # noqa: E402 (after the setting above, as are the modules below)

import model
from examples import DataFileError, read_examples
from job import BACKEND, TrainerError, read_job
from outputs import canonical, digest, event, file_digest, make_directory, now, write_atomic
from safetensors_io import SafetensorsError, decode, encode

ADAPTER = "adapter.safetensors"
MANIFEST = "manifest.json"
EVALUATION = "evaluation.json"


def load_base(job):
    path, expected = job["base_snapshot_path"], job["base_snapshot_digest"]
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as error:
        raise TrainerError("BaseSnapshotInvalid", f"The base snapshot {path} cannot be read ({error.strerror}); fetch it again and check base_snapshot_path.") from None
    actual = digest(raw)
    if actual != expected:
        raise TrainerError("BaseSnapshotMismatch", f"The base snapshot {path} has digest {actual}, not the job's {expected}; fetch the plan's base snapshot again.")
    try:
        tensors, _ = decode(raw)
    except SafetensorsError as error:
        raise TrainerError("BaseSnapshotInvalid", f"The base snapshot {path} is not a readable safetensors file: {error}.") from None
    problem = model.base_problem(tensors)
    if problem:
        raise TrainerError("BaseSnapshotInvalid", f"The base snapshot {path} is not a swarm-tiny-lm version 1 base: {problem}.")
    return {name: torch.from_numpy(values) for name, values in tensors.items()}


def load_examples(job):
    try:
        contexts, targets = read_examples(job["data_path"])
    except DataFileError as error:
        raise TrainerError("DataFileInvalid", f"The data file {job['data_path']} cannot be trained on: {error}.") from None
    return contexts, torch.from_numpy(targets)


def load_adapter(job):
    """(A, B, digest) of the adapter to evaluate, checked against the job's contract."""
    path, rank = job["adapter_path"], job["adapter_contract"]["rank"]
    try:
        with open(path, "rb") as f:
            raw = f.read()
        tensors, _ = decode(raw)
    except OSError as error:
        raise TrainerError("AdapterInvalid", f"The adapter {path} cannot be read ({error.strerror}).") from None
    except SafetensorsError as error:
        raise TrainerError("AdapterInvalid", f"The adapter {path} is not a readable safetensors file: {error}.") from None
    shapes = {model.LORA_A: (rank, model.HIDDEN), model.LORA_B: (model.VOCABULARY, rank)}
    if set(tensors) != set(shapes) or any(tuple(tensors[n].shape) != s for n, s in shapes.items()):
        found = {n: list(t.shape) for n, t in tensors.items()}
        raise TrainerError("AdapterInvalid", f"The adapter {path} is not a rank-{rank} LoRA pair on lm_head ({model.LORA_A} {[rank, model.HIDDEN]}, {model.LORA_B} {[model.VOCABULARY, rank]}); it holds {found}.")
    if not all(torch.isfinite(torch.from_numpy(t)).all() for t in tensors.values()):
        raise TrainerError("AdapterInvalid", f"The adapter {path} holds a NaN or an infinity.")
    return torch.from_numpy(tensors[model.LORA_A]), torch.from_numpy(tensors[model.LORA_B]), digest(raw)


def alpha_text(alpha):
    """lora_alpha as PEFT's metadata carries it: a whole number without a fraction."""
    return str(int(alpha)) if float(alpha).is_integer() else repr(float(alpha))


def train(job, base, contexts, targets):
    started_at = now()
    contract = job["adapter_contract"]
    rank, scale, lr = contract["rank"], contract["alpha"] / contract["rank"], float(job["learning_rate"])
    h = model.hidden_states(base, contexts)
    count = len(targets)
    a, b = model.initial_adapter(job["seed"], rank)
    loss_before = model.mean_loss(base, h, targets, None, None, scale)

    interval = job["heartbeat_interval_ms"] / 1000.0
    beats = 0
    last_beat_step = None
    last_beat = 0.0

    def heartbeat(step, loss):
        nonlocal beats, last_beat_step, last_beat
        event(event="heartbeat", step=step, loss=loss, at=now())
        beats += 1
        last_beat_step, last_beat = step, time.monotonic()

    # Step 0's line carries the loss the first batch starts from: the shard's, since B starts at zeros.
    heartbeat(0, loss_before)
    for step in range(job["steps"]):
        rows = model.batch_indices(step, count)
        a, b, batch_loss = model.sgd_step(base, h[rows], targets[rows], a, b, scale, lr)
        # Half the interval, so a slow step after a check still keeps the gap under the interval.
        if step + 1 == job["steps"] or time.monotonic() - last_beat >= interval / 2:
            heartbeat(step + 1, batch_loss)
    loss_after = model.mean_loss(base, h, targets, a, b, scale)

    output = job["output_directory"]
    adapter = encode({model.LORA_A: a.numpy(), model.LORA_B: b.numpy()},
                     {"format": "pt", "lora_alpha": alpha_text(contract["alpha"]), "swarmps_backend": BACKEND,
                      "swarmps_plan_digest": job["plan_digest"]})
    write_atomic(os.path.join(output, ADAPTER), adapter)
    manifest = {
        "schema_version": 1,
        "run_id": job["run_id"],
        "contributor": job["contributor"],
        "site": job["site"],
        "backend": BACKEND,
        "base_snapshot_digest": job["base_snapshot_digest"],
        # alpha as a float: SwarmPS reads it as a double and writes 8.0, so its canonical bytes are these.
        "adapter_contract": {"target_modules": list(contract["target_modules"]), "rank": rank,
                             "alpha": float(contract["alpha"]), "dtype": contract["dtype"]},
        "data_shard": job["data_shard"],
        "example_count": count,
        "steps": job["steps"],
        "seed": job["seed"],
        "loss_before": loss_before,
        "loss_after": loss_after,
        "started_at": started_at,
        "ended_at": now(),
        "heartbeat_count": beats,
        "adapter_digest": digest(adapter),
    }
    path = os.path.join(output, MANIFEST)
    write_atomic(path, canonical(manifest))
    return path


def evaluate(job, base, contexts, targets):
    contract = job["adapter_contract"]
    scale = contract["alpha"] / contract["rank"]
    h = model.hidden_states(base, contexts)
    base_loss = model.mean_loss(base, h, targets, None, None, scale)
    adapter_digest = adapter_loss = None
    if "adapter_path" in job:
        a, b, adapter_digest = load_adapter(job)
        adapter_loss = model.mean_loss(base, h, targets, a, b, scale)
    evaluation = {
        "adapter_digest": adapter_digest,
        "base_snapshot_digest": job["base_snapshot_digest"],
        "held_out_shard": job["data_shard"],
        "base_loss": base_loss,
        "adapter_loss": adapter_loss,
        "backend": BACKEND,
    }
    path = os.path.join(job["output_directory"], EVALUATION)
    write_atomic(path, canonical(evaluation))
    return path


def run(argv):
    if len(argv) != 2:
        raise TrainerError("TrainerJobInvalid", "The trainer job cannot be run: give one argument, the job file (train.py job.json).")
    job = read_job(argv[1])
    outcome = os.path.join(job["output_directory"], MANIFEST if job["mode"] == "train" else EVALUATION)
    try:
        make_directory(job["output_directory"])
        # A manifest from an earlier run would say this one is done: it goes before any work starts.
        if os.path.lexists(outcome):
            os.unlink(outcome)
    except OSError as error:
        raise TrainerError("TrainerJobInvalid", f"The trainer job cannot be run: the field 'output_directory': {job['output_directory']} cannot be prepared ({error.strerror}).") from None
    base = load_base(job)
    contexts, targets = load_examples(job)
    path = (train if job["mode"] == "train" else evaluate)(job, base, contexts, targets)
    event(event="done", output=path)


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        run(sys.argv)
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
