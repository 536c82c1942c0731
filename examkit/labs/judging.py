"""Small pieces every lab's judges use: comparisons that treat NaN as wrong, shapes, one lock for
the reference runs (they use torch's global RNG; batches judge in threads), and the training
probes' networks rebuilt from the parameters they send out of the jail."""

from __future__ import annotations

import threading

import numpy as np
import torch

REFERENCE_LOCK = threading.Lock()


def close(a, b, rtol=1e-4, atol=1e-5) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.isfinite(a))) and np.allclose(a, b, rtol=rtol, atol=atol)


def scalar(value) -> float:
    value = np.asarray(value, dtype=np.float64)
    if value.size != 1:
        raise ValueError(f"expected a scalar, got shape {value.shape}")
    return float(value.reshape(()))


def image_shape_ok(arr, n) -> bool:
    return arr.shape in ((n, 784), (n, 1, 28, 28))


def seeded(make, seed):
    """A network built as a training probe builds it, right after manual_seed(seed), leaving the
    caller's random state alone."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return make()


def with_parameters(module, vector, what: str):
    """`module` holding the flat parameter vector a training probe sent out of the jail; a vector of
    another size is refused, naming `what` was trained."""
    flat = torch.as_tensor(np.asarray(vector, dtype=np.float64), dtype=torch.float32).reshape(-1)
    size = sum(p.numel() for p in module.parameters())
    if flat.numel() != size:
        raise ValueError(f"the trained {what} has {flat.numel()} parameters, not {size}")
    torch.nn.utils.vector_to_parameters(flat, module.parameters())
    return module
