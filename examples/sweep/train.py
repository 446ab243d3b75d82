#!/usr/bin/env python3
"""A stand-in training script for the README tour's sweep (standard library only).

Each task of a SwarmPS sweep gets its parameters as environment variables, SWARM_KW_<NAME> (upper case):
here SWARM_KW_LR, SWARM_KW_DEPTH and SWARM_KW_SEED. It runs in results/<task>/ on the site, so what it
writes there is the task's result. It "trains" a quadratic with gradient descent and writes result.json.
"""
import json
import os
import random

lr = float(os.environ["SWARM_KW_LR"])
depth = int(os.environ["SWARM_KW_DEPTH"])
seed = int(os.environ["SWARM_KW_SEED"])

random.seed(seed)
weight = random.uniform(-1.0, 1.0) * depth
for _ in range(100):
    weight -= lr * 2.0 * weight  # the gradient of weight**2
loss = weight * weight

with open("result.json", "w", encoding="utf-8") as result:
    json.dump({"lr": lr, "depth": depth, "seed": seed, "loss": loss}, result)
print(f"lr={lr} depth={depth} seed={seed} loss={loss:.3g}")
