"""The two jobs the trainer does once its inputs have passed their checks: train (the adapter and its
manifest) and evaluate (the held-out losses). Importing this module imports torch and sets it to one thread
and deterministic kernels, so the same job gives the same adapter, bit for bit."""
import os
import time

import torch

import model
from job import BACKEND
from outputs import canonical, digest, event, now, write_atomic
from safetensors_io import encode
from spec import LORA_A, LORA_B

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ADAPTER = "adapter.safetensors"
MANIFEST = "manifest.json"
EVALUATION = "evaluation.json"


def tensors(base):
    return {name: torch.from_numpy(values) for name, values in base.items()}


def alpha_text(alpha):
    """lora_alpha as SwarmPS's merge writes it in metadata (C#'s "R" form): 8, not 8.0; 0.5."""
    return str(int(alpha)) if float(alpha).is_integer() else repr(float(alpha))


def train(job, base, contexts, targets, started_at, setup):
    """Trains the LoRA pair, writes the adapter then the manifest (last: its presence means done); returns
    the manifest's path. `setup` (SetupHeartbeats) is stopped just before the step-0 heartbeat; the manifest's
    heartbeat_count counts its beats too, as started_at (taken when the job was read) covers the setup."""
    base, targets = tensors(base), torch.from_numpy(targets)
    contract = job["adapter_contract"]
    rank, scale, lr = contract["rank"], contract["alpha"] / contract["rank"], float(job["learning_rate"])
    h = model.hidden_states(base, contexts)
    count = len(targets)
    a, b = model.initial_adapter(job["seed"], rank)
    loss_before = model.mean_loss(base, h, targets, None, None, scale)

    interval = job["heartbeat_interval_ms"] / 1000.0
    beats = setup.stop()
    last_beat = 0.0

    def heartbeat(step, loss):
        nonlocal beats, last_beat
        event(event="heartbeat", phase="train", step=step, loss=loss, at=now())
        beats += 1
        last_beat = time.monotonic()

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
    adapter = encode({LORA_A: a.numpy(), LORA_B: b.numpy()},
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


def evaluate(job, base, contexts, targets, adapter):
    """The mean loss over the data file without and with `adapter` ((A, B, digest) or None: both null);
    writes evaluation.json and returns its path."""
    base, targets = tensors(base), torch.from_numpy(targets)
    contract = job["adapter_contract"]
    scale = contract["alpha"] / contract["rank"]
    h = model.hidden_states(base, contexts)
    base_loss = model.mean_loss(base, h, targets, None, None, scale)
    adapter_digest = adapter_loss = None
    if adapter is not None:
        a, b, adapter_digest = adapter
        adapter_loss = model.mean_loss(base, h, targets, torch.from_numpy(a), torch.from_numpy(b), scale)
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
