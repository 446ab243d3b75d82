"""Test helper for TrainerPytorch.Tests.ps1: the tiny model's base snapshot, written independently of the
trainers (stdlib only: its own SplitMix64, struct for float32 rounding, the reference safetensors layout),
following docs/trainer-contract.md ("Base parameters", "Random values: SplitMix64").

    tiny-base.py base OUT.safetensors BASE_SEED    writes the base snapshot
    tiny-base.py splitmix SEED COUNT               prints the first COUNT outputs, hex, one a line
"""
import json
import math
import struct
import sys

M = 2**64


def splitmix(seed):
    x = seed % M
    while True:
        x = (x + 0x9E3779B97F4A7C15) % M
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % M
        yield z ^ (z >> 31)


def base(path, seed):
    draws = splitmix(seed)
    tensors = {}
    # name, shape, bound (None: zeros, no draws), in the contract's order: one generator fills them all.
    for name, shape, bound in [("embed.weight", [32, 32], 1.0), ("hidden.weight", [128, 96], 1 / math.sqrt(96)),
                               ("hidden.bias", [128], 1 / math.sqrt(96)), ("lm_head.weight", [32, 128], 1 / math.sqrt(128)),
                               ("lm_head.bias", [32], None)]:
        count = math.prod(shape)
        if bound is None:
            values = [0.0] * count
        else:
            values = [(2 * ((next(draws) >> 11) * 2.0**-53) - 1) * bound for _ in range(count)]
        tensors[name] = (shape, struct.pack(f"<{count}f", *values))  # 'f' rounds each double to float32 once

    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name in sorted(tensors):
        shape, raw = tensors[name]
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    if sys.argv[1] == "base":
        base(sys.argv[2], int(sys.argv[3]))
    else:
        draws = splitmix(int(sys.argv[2]))
        for _ in range(int(sys.argv[3])):
            print(f"0x{next(draws):016X}")
