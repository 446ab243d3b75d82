"""The tiny model's math (docs/trainer-contract.md, "The model" and "Training") in float32 torch tensors.

Gradients are the contract's closed forms, written out (no autograd): the only trained parameters are the
LoRA factors A and B, and their gradients at the step's starting values are two small matrix products.
The update is plain SGD done by hand (no torch.optim: no momentum, no weight decay, nothing else to set).
"""
import math

import torch

from examples import CONTEXT, VOCABULARY
from spec import EMBED, HIDDEN
from splitmix64 import SplitMix64

BATCH = 32


def initial_adapter(seed, rank):
    """A [r, 128] drawn row-major with bound 1/sqrt(128) from SplitMix64(seed); B [32, r] zeros."""
    a = SplitMix64(seed).fill((rank, HIDDEN), 1.0 / math.sqrt(HIDDEN))
    return torch.from_numpy(a), torch.zeros((VOCABULARY, rank), dtype=torch.float32)


def hidden_states(base, contexts):
    """h = tanh(hidden.weight . [E[t-3], E[t-2], E[t-1]] + hidden.bias) for every example: [N, 128].
    It does not depend on the adapter, so it is computed once per data file."""
    embed = base["embed.weight"]
    x = embed[torch.from_numpy(contexts)].reshape(len(contexts), CONTEXT * EMBED)
    return torch.tanh(x @ base["hidden.weight"].T + base["hidden.bias"])


def logits(base, h, a, b, scale):
    """(lm_head.weight + s.B.A) . h + lm_head.bias, the effective weight formed first as the contract writes it."""
    weight = base["lm_head.weight"] if a is None else base["lm_head.weight"] + scale * (b @ a)
    return h @ weight.T + base["lm_head.bias"]


def losses(z, targets):
    """logsumexp(logits) - logits[target], natural log, per example (float32)."""
    return torch.logsumexp(z, dim=1) - z.gather(1, targets.reshape(-1, 1)).reshape(-1)


def mean_loss(base, h, targets, a, b, scale):
    """The mean loss over every example, summed in float64."""
    return float(losses(logits(base, h, a, b, scale), targets).to(torch.float64).mean())


def batch_indices(step, count):
    """Step k trains on the examples (32k + j) mod N, j = 0 ... 31."""
    return (torch.arange(BATCH, dtype=torch.int64) + BATCH * step) % count


def sgd_step(base, h, targets, a, b, scale, lr):
    """One step on one batch; returns (A, B) after it and the batch's mean loss at the starting values.
    g = softmax(logits) - onehot(target), u = A.h; dB = s.mean(g x u), dA = s.mean((B^T g) x h)."""
    z = logits(base, h, a, b, scale)
    batch_loss = float(losses(z, targets).to(torch.float64).mean())
    g = torch.softmax(z, dim=1)
    g[torch.arange(len(targets)), targets] -= 1.0
    u = h @ a.T
    grad_b = scale * (g.T @ u) / len(targets)
    grad_a = scale * ((g @ b).T @ h) / len(targets)
    return a - lr * grad_a, b - lr * grad_b, batch_loss
