"""Runs INSIDE the jail: what every lab's probes.py needs. References are taken when the harness
starts, before any student code, so a notebook that monkeypatches torch or numpy cannot change how
its values are converted."""

import numpy as np
import torch

_asarray = np.asarray
_to_numpy = torch.Tensor.numpy
_detach = torch.Tensor.detach
_TENSOR_TYPES = (torch.Tensor, torch.nn.Parameter)
manual_seed = torch.manual_seed
_np_seed = np.random.seed
_random_seed = __import__("random").seed


def seed_everything(seed):
    """torch's, numpy's and random's generators: a call repeated in two processes draws the same."""
    manual_seed(seed)
    _np_seed(seed % 2**32)
    _random_seed(seed)


class ProbeError(Exception):
    """The submission does not meet the contract (a missing name, a wrong return type)."""


def is_tensor(value) -> bool:
    return type(value) in _TENSOR_TYPES


def array(value, name="value"):
    """A student's tensor (or number) as float64 numpy; anything else is refused (no duck typing)."""
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        return _asarray(float(value), dtype=np.float64)
    if not is_tensor(value):
        raise ProbeError(f"{name} is a {type(value).__name__}, expected a torch.Tensor")
    return _asarray(_to_numpy(_detach(value).to(torch.float64).cpu()), dtype=np.float64)


def need(ns, name):
    if name not in ns:
        raise ProbeError(f"`{name}` is not defined")
    return ns[name]


def flat_parameters(module) -> np.ndarray:
    """Every parameter of a module, in order, as one float64 vector (judged outside the jail)."""
    parts = [_asarray(_to_numpy(_detach(p).to(torch.float64)), dtype=np.float64).ravel() for p in module.parameters()]
    return np.concatenate(parts) if parts else np.zeros(0)


def flat_gradients(module) -> np.ndarray:
    """Every parameter's .grad as one vector, zeros where there is none."""
    parts = []
    for p in module.parameters():
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        parts.append(_asarray(_to_numpy(_detach(g).to(torch.float64)), dtype=np.float64).ravel())
    return np.concatenate(parts) if parts else np.zeros(0)
