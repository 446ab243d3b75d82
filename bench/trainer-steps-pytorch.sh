#!/usr/bin/env bash
# Steps per second of the pytorch.cpu trainer (trainers/pytorch_cpu/train.py) on the committed corpus:
# base_seed 1, rank 4, alpha 8, seed 7, lr 0.5, shard-0, STEPS steps (default 5000). The training loop's rate
# is taken from the trainer's own heartbeat lines (step 0 to the last step, so reading the base and the
# data is not counted); the whole process's wall time is printed beside it.
#   bash bench/trainer-steps-pytorch.sh [STEPS]
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STEPS="${1:-5000}"
PYTHON=/usr/bin/python3
WORK="$(mktemp -d /tmp/swarmps-bench-trainer.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

"$PYTHON" "$REPO_ROOT/tests/pester/tiny-base.py" base "$WORK/base.safetensors" 1
DIGEST="sha256:$(sha256sum "$WORK/base.safetensors" | cut -d' ' -f1)"
cat > "$WORK/job.json" <<JOB
{"schema_version": 1, "mode": "train", "run_id": "bench", "contributor": "bench", "site": "local",
 "backend": "pytorch.cpu", "plan_digest": "sha256:$(printf '0%.0s' $(seq 64))",
 "base_snapshot_path": "$WORK/base.safetensors", "base_snapshot_digest": "$DIGEST",
 "adapter_contract": {"target_modules": ["lm_head"], "rank": 4, "alpha": 8, "dtype": "F32"},
 "data_shard": "shard-0", "data_path": "$REPO_ROOT/examples/training/corpus/shard-0.txt",
 "steps": $STEPS, "seed": 7, "learning_rate": 0.5, "output_directory": "$WORK/out"}
JOB

start=$(date +%s.%N)
"$PYTHON" "$REPO_ROOT/trainers/pytorch_cpu/train.py" "$WORK/job.json" > "$WORK/progress.jsonl"
end=$(date +%s.%N)

"$PYTHON" - "$WORK/progress.jsonl" "$WORK/out/manifest.json" "$start" "$end" <<'PY'
import datetime, json, sys
beats = [e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "heartbeat" and e.get("phase") == "train"]  # setup beats have no step or loss
at = lambda e: datetime.datetime.strptime(e["at"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
seconds = at(beats[-1]) - at(beats[0])
manifest = json.load(open(sys.argv[2]))
print(f"steps {beats[-1]['step']}, training loop {seconds:.3f} s: {beats[-1]['step'] / seconds:.0f} steps/s "
      f"(batch 32, rank 4); process wall {float(sys.argv[4]) - float(sys.argv[3]):.2f} s; "
      f"loss {manifest['loss_before']:.4f} -> {manifest['loss_after']:.4f}; {len(beats)} heartbeats")
PY
