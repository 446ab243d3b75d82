"""Generates random signac state points and the job id signac gives each one, for the SwarmPS id tests.

signac's job id is hashlib.md5(json.dumps(statepoint, sort_keys=True).encode()).hexdigest() (signac's
documented calc_id; the signac package itself is not needed). Each output line is one JSON object,
{"id": <job id>, "statepoint": <state point>}, written with ensure_ascii so the line is plain ASCII.

usage: python3 signac_statepoints.py COUNT [SEED]
"""
import hashlib
import json
import random
import sys

# Characters a statepoint's text may hold: ASCII (controls and DEL included), Latin and CJK, the private
# use area (U+E000.., which UTF-16 orders after astral characters, code points before them), and astral
# characters (written as surrogate pairs by ensure_ascii). Lone surrogates are left out: they have no UTF-8.
RANGES = [(0x00, 0x7F), (0x80, 0x2FF), (0x4E00, 0x4FFF), (0xE000, 0xE0FF), (0xFFF0, 0xFFFD), (0x1F300, 0x1F64F), (0x10000, 0x100FF)]


def text(rng, longest=8):
    chars = []
    for _ in range(rng.randint(0, longest)):
        low, high = rng.choice(RANGES)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def number(rng):
    kind = rng.randint(0, 9)
    if kind == 0:
        return rng.randint(-1000, 1000)
    if kind == 1:
        # Integers beyond 2^53 (a double cannot hold them) and beyond 2^64.
        return rng.choice([1, -1]) * rng.randint(2**53, 2**80)
    if kind == 2:
        return rng.random()
    if kind == 3:
        # Large and small magnitudes, subnormals included.
        return rng.choice([1.0, -1.0]) * 10.0 ** rng.uniform(-323, 308)
    if kind == 4:
        return float(rng.randint(-10**6, 10**6))
    if kind == 5:
        return rng.choice([0.1, 1e-05, 1.0, -0.0, 0.0, 1e16, 1e15, 1e22, 5e-324, 1.7976931348623157e308, 0.0001, 123456789.125])
    if kind == 6:
        return round(rng.uniform(-100, 100), rng.randint(0, 6))
    if kind == 7:
        return rng.choice([True, False])
    if kind == 8:
        return None
    return 2**53 + rng.randint(-3, 3)


def value(rng, depth):
    kind = rng.randint(0, 9 if depth < 3 else 6)
    if kind <= 3:
        return number(rng)
    if kind <= 6:
        return text(rng)
    if kind <= 7:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return mapping(rng, depth + 1)


def mapping(rng, depth, smallest=0):
    return {text(rng, 6): value(rng, depth) for _ in range(rng.randint(smallest, 5))}


def main():
    count = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 19)
    written = 0
    while written < count:
        statepoint = mapping(rng, 0, smallest=1)
        if not statepoint:
            continue
        job_id = hashlib.md5(json.dumps(statepoint, sort_keys=True).encode()).hexdigest()
        print(json.dumps({"id": job_id, "statepoint": statepoint}))
        written += 1


if __name__ == "__main__":
    main()
