"""SplitMix64 and the parameter draws of docs/trainer-contract.md ("Random values: SplitMix64").

Every trainer draws the same numbers from the same seed, so a base snapshot or an adapter's initial values
are the same bytes whatever language wrote them. Pure Python integers, masked to 64 bits.
"""
import struct

import numpy as np

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        """u in [0, 1): the top 53 bits, exactly as a double."""
        return (self.next() >> 11) * (2.0 ** -53)

    def fill(self, shape, bound):
        """A float32 array of `shape`, row-major, each value float32((2u - 1) * bound): computed in double,
        rounded once (numpy's float64 -> float32 conversion rounds to nearest even)."""
        count = 1
        for size in shape:
            count *= size
        values = np.empty(count, dtype=np.float64)
        for i in range(count):
            values[i] = (2.0 * self.uniform() - 1.0) * bound
        return values.astype(np.float32).reshape(shape)
