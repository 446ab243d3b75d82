#!/usr/bin/env bash
# Steps per second of the dotnet.cpu trainer (issue 14, "Steps per second of each trainer"), at the
# contract's batch size (32), rank 4, on the committed corpus's shard-0.
#   bench/trainer-steps.sh [steps] [runs]     (default 5000 steps, 3 runs; the trainer must be built)
# Each run is a real `dotnet bin/trainer/SwarmPS.Trainer.dll job.json`. The rate is the steps divided by the
# time between the step-0 heartbeat and the last one, so it counts SGD steps only: not process start, the
# base's features (computed once) or the two full-shard losses before and after. Set DOTNET_EnableHWIntrinsic=0
# to measure the scalar fallback (the adapter is bitwise the same; TrainerDeterminismTests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
steps="${1:-5000}"
runs="${2:-3}"
trainer="$root/bin/trainer/SwarmPS.Trainer.dll"
[ -f "$trainer" ] || { echo "$trainer is missing: dotnet build SwarmPS.sln -c Release" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

printf '{"schema_version":1,"mode":"base","backend":"dotnet.cpu","output_directory":"%s/base","base_seed":1}\n' "$work" > "$work/base.json"
dotnet "$trainer" "$work/base.json" > /dev/null
digest="sha256:$(sha256sum "$work/base/base.safetensors" | cut -d' ' -f1)"
cat > "$work/train.json" <<JOB
{"schema_version":1,"mode":"train","run_id":"bench","contributor":"bench","site":"local","backend":"dotnet.cpu",
 "plan_digest":"sha256:$(printf '0%.0s' $(seq 64))","base_snapshot_path":"$work/base/base.safetensors","base_snapshot_digest":"$digest",
 "adapter_contract":{"target_modules":["lm_head"],"rank":4,"alpha":8,"dtype":"F32"},"data_shard":"shard-0",
 "data_path":"$root/examples/training/corpus/shard-0.txt","steps":$steps,"seed":7,"learning_rate":0.5,"output_directory":"$work/out"}
JOB

echo "dotnet.cpu trainer: $steps steps of batch 32, rank 4, shard-0; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for run in $(seq "$runs"); do
    start=$(date +%s.%N)
    dotnet "$trainer" "$work/train.json" > "$work/lines.jsonl"
    end=$(date +%s.%N)
    /usr/bin/env python3 - "$work/lines.jsonl" "$steps" "$start" "$end" <<'PY'
import json, sys
from datetime import datetime
beats = [l for l in map(json.loads, open(sys.argv[1])) if l["event"] == "heartbeat" and l.get("phase") == "train"]  # setup beats have no step or loss
at = lambda b: datetime.strptime(b["at"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
seconds = at(beats[-1]) - at(beats[0])
steps = int(sys.argv[2])
print(f"  {steps / seconds:,.0f} steps/s ({seconds:.3f} s of training; process {float(sys.argv[4]) - float(sys.argv[3]):.2f} s; loss {beats[0]['loss']:.4f} -> {beats[-1]['loss']:.4f} on the last batch)")
PY
done
