"""The tiny model's shapes and names (docs/trainer-contract.md, "The model"), and the checks of a base
snapshot and an adapter against them. numpy only: a file is refused before torch is even imported."""
import math

import numpy as np

from examples import CONTEXT, VOCABULARY

EMBED = 32
HIDDEN = 128

# The base snapshot's tensors, in draw order: name, shape, initial bound (None: zeros, no draws).
BASE_TENSORS = [
    ("embed.weight", (VOCABULARY, EMBED), 1.0),
    ("hidden.weight", (HIDDEN, CONTEXT * EMBED), 1.0 / math.sqrt(CONTEXT * EMBED)),
    ("hidden.bias", (HIDDEN,), 1.0 / math.sqrt(CONTEXT * EMBED)),
    ("lm_head.weight", (VOCABULARY, HIDDEN), 1.0 / math.sqrt(HIDDEN)),
    ("lm_head.bias", (VOCABULARY,), None),
]

# PEFT's names for the LoRA pair on lm_head: A [r, 128], B [32, r].
LORA_A = "base_model.model.lm_head.lora_A.weight"
LORA_B = "base_model.model.lm_head.lora_B.weight"


def base_problem(tensors):
    """A sentence naming what is wrong with a base snapshot's tensors, or None."""
    return _problem(tensors, {name: shape for name, shape, _ in BASE_TENSORS})


def adapter_problem(tensors, rank):
    """A sentence naming what keeps `tensors` from being the rank-r LoRA pair on lm_head, or None."""
    return _problem(tensors, {LORA_A: (rank, HIDDEN), LORA_B: (VOCABULARY, rank)})


def _problem(tensors, expected):
    for name, shape in expected.items():
        if name not in tensors:
            return f"it has no tensor '{name}'"
        if tuple(tensors[name].shape) != shape:
            return f"its tensor '{name}' has shape {list(tensors[name].shape)}, not {list(shape)}"
    extra = sorted(set(tensors) - set(expected))
    if extra:
        return f"it has a tensor '{extra[0]}' that is not part of the model"
    for name in expected:
        if not np.isfinite(tensors[name]).all():
            return f"its tensor '{name}' holds a NaN or an infinity"
    return None
