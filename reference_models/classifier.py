"""A small digits classifier trained in-package: the stand-in for Inception in FID and IS.

Inception weights cannot be downloaded here, so Fréchet distances and Inception-style scores use
this CNN's 64-d penultimate features and class probabilities. It sees 8x8 digits in [0, 1]
(28x28 images are area-downsampled), trains in a few seconds with a fixed seed, and is cached.
"""
from __future__ import annotations

import functools

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
            nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),  # 4x4
            nn.Flatten(), nn.Linear(64 * 16, 64), nn.ReLU(),
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


@functools.lru_cache(maxsize=1)
def trained_classifier() -> DigitsClassifier:
    """Train once per process (about 2 s); same seed, same weights."""
    generator = torch.Generator().manual_seed(SEED)
    with torch.random.fork_rng():
        torch.manual_seed(SEED)
        model = DigitsClassifier()
    x, y = data.digits(8, split="train")
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    with torch.enable_grad():  # callers may be inside no_grad
        _fit(model, opt, x, y, generator)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def _fit(model, opt, x, y, generator):
    for _ in range(EPOCHS):
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()


def accuracy_on_held_out() -> float:
    x, y = data.digits(8, split="test")
    with torch.no_grad():
        return (trained_classifier()(x).argmax(1) == y).float().mean().item()
