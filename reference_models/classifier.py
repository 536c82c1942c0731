"""A small digits classifier trained in-package: the stand-in for Inception in FID and IS.

Inception weights cannot be downloaded here, so Fréchet distances and Inception-style scores use
this CNN's 64-d penultimate features and class probabilities. It sees 8x8 digits in [0, 1]
(28x28 images are area-downsampled), trains in a few seconds with a fixed seed, and is cached.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import data

EPOCHS = 30
SEED = 1234


class DigitsClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, 1, 1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1),
            nn.ReLU(),  # 4x4
            nn.Flatten(),
            nn.Linear(64 * 16, 64),
            nn.ReLU(),
        )
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.features(to_digits8(x)))

    def embed(self, x):
        return self.features(to_digits8(x))


def to_digits8(x: torch.Tensor) -> torch.Tensor:
    """Any digits-like batch -> (N, 1, 8, 8) in [0, 1]: accepts flat 64/784 vectors and [-1, 1] ranges."""
    if x.dim() == 2:
        side = int(round(x.shape[1] ** 0.5))
        x = x.view(-1, 1, side, side)
    if x.min() < -0.01:
        x = (x + 1) / 2
    if x.shape[-1] != 8:
        x = F.adaptive_avg_pool2d(x, 8)
    return x.clamp(0, 1)


def _cache_file() -> Path:
    """Weights cached per version of this file (XDG cache), so each process need not retrain."""
    source = inspect.getsource(inspect.getmodule(DigitsClassifier))
    digest = hashlib.sha256(f"{source}|{torch.__version__}".encode()).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "examkit"
    return root / f"digits-classifier-{digest}.pt"


@functools.lru_cache(maxsize=1)
def trained_classifier() -> DigitsClassifier:
    """The trained classifier: from the cache, else trained (a few seconds; same seed, same weights)."""
    path = _cache_file()
    with torch.random.fork_rng():  # loading must not shift the caller's random stream
        model = DigitsClassifier()
    try:
        model.load_state_dict(torch.load(path, weights_only=True))
    except (OSError, RuntimeError, ValueError):
        model = _train()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            torch.save(model.state_dict(), tmp)
            tmp.replace(path)
        except OSError:
            pass  # a read-only home still works, only slower
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def _train() -> DigitsClassifier:
    generator = torch.Generator().manual_seed(SEED)
    with torch.random.fork_rng():
        torch.manual_seed(SEED)
        model = DigitsClassifier()
    x, y = data.digits(8, split="train")
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    with torch.enable_grad():  # callers may be inside no_grad
        _fit(model, opt, x, y, generator)
    return model


def _fit(model, opt, x, y, generator):
    for _ in range(EPOCHS):
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), 64):
            idx = order[i : i + 64]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()


def accuracy_on_held_out() -> float:
    x, y = data.digits(8, split="test")
    with torch.no_grad():
        return (trained_classifier()(x).argmax(1) == y).float().mean().item()
