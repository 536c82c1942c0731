"""Feature networks: the stand-in for Inception in Fréchet distances and Inception-style scores.

Inception weights cannot be downloaded here, and a network only gives meaningful features for
images laid out like the ones it was trained on. So each data set gets its own small CNN:
- the bundled digits (8x8, and the same digits upscaled to 28x28): a net trained on the 1,500
  training digits at 8x8 (28x28 images are area-downsampled, which undoes the upscaling);
- MNIST-format IDX data (`mnist:PATH`): a net trained at 28x28 on that data's own labelled
  training split. Without labels there is no such net, and FD/IS are refused.
Training runs on one thread with a fixed seed, so the weights do not depend on the caller's
thread count; the weights are cached per source version and training data.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import math
import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import data
from .train import adam

MIN_STEPS = 700  # about 30 epochs of the 1,500 bundled digits; small IDX sets train as many steps
MAX_TRAIN = 20000  # MNIST-sized data: 20,000 images (3 epochs) are plenty for a 98 % feature net
SEED = 1234
MIN_ACCURACY = 0.9  # below this held-out accuracy the features are not trusted for FD / IS


class FeatureUnavailable(ValueError):
    """No feature network matches the data: Fréchet distance and Inception score are refused."""


class FeatureNet(nn.Module):
    """Two convolutions and a 64-d penultimate layer; `side` is the image side it reads (8 or 28)."""

    def __init__(self, side: int = 8):
        super().__init__()
        self.side = side
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, 1 if side == 8 else 2, 1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(64 * 16, 64),
            nn.ReLU(),
        )
        self.head = nn.Linear(64, 10)
        self.held_out_accuracy = float("nan")

    def prepare(self, x: torch.Tensor, value_range: str) -> torch.Tensor:
        """A batch (flat or (N, 1, H, W)) in `value_range` ("01" or "pm1") -> what the net reads."""
        if value_range not in ("01", "pm1"):
            raise ValueError(f"value_range must be '01' or 'pm1', not {value_range!r}")
        if x.dim() == 2:
            side = int(round(x.shape[1] ** 0.5))
            x = x.view(-1, 1, side, side)
        if value_range == "pm1":
            x = (x + 1) / 2
        if x.shape[-1] != self.side:
            x = F.adaptive_avg_pool2d(x, self.side)
        return x.clamp(0, 1)

    def embed(self, x, value_range: str):
        return self.features(self.prepare(x, value_range))

    def forward(self, x, value_range: str = "01"):
        return self.head(self.embed(x, value_range))


def _cache_file(tag: str) -> Path:
    source = inspect.getsource(inspect.getmodule(FeatureNet))
    digest = hashlib.sha256(f"{source}|{torch.__version__}|{tag}".encode()).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "examkit"
    return root / f"feature-net-{digest}.pt"


def _load_or_train(tag: str, side: int, train_set, test_set) -> FeatureNet:
    path = _cache_file(tag)
    with torch.random.fork_rng():  # building must not shift the caller's random stream
        torch.manual_seed(SEED)
        model = FeatureNet(side)
    try:
        saved = torch.load(path, weights_only=True)
        model.load_state_dict(saved["weights"])
        model.held_out_accuracy = saved["accuracy"]
    except (OSError, RuntimeError, ValueError, KeyError, TypeError):
        _fit(model, *train_set())
        model.held_out_accuracy = _accuracy(model, *test_set())
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            torch.save({"weights": model.state_dict(), "accuracy": model.held_out_accuracy}, tmp)
            tmp.replace(path)
        except OSError:
            pass  # a read-only home still works, only slower
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


@functools.lru_cache(maxsize=1)
def digits_net() -> FeatureNet:
    """The bundled digits' feature net (a few seconds to train, then cached)."""
    return _load_or_train("digits8", 8, lambda: data.digits(8, split="train"), lambda: data.digits(8, split="test"))


def net_for(ds) -> FeatureNet:
    """The feature net matched to a `runs.Dataset` (raises FeatureUnavailable when there is none)."""
    if not ds.name.startswith("mnist:"):
        return digits_net()
    if (ds.y_train < 0).any() or (ds.y_test < 0).any():
        raise FeatureUnavailable(
            f"{ds.name}: no labels beside the images, so no feature net can be trained for this data; "
            "Fréchet distance and Inception score are not reported"
        )
    x, y = ds.x_train[:MAX_TRAIN], ds.y_train[:MAX_TRAIN]
    x01 = (x + 1) / 2 if ds.value_range == "pm1" else x
    xt01 = (ds.x_test + 1) / 2 if ds.value_range == "pm1" else ds.x_test
    tag = hashlib.sha256(x01.numpy().tobytes() + y.numpy().tobytes()).hexdigest()
    net = _load_or_train(f"idx-{tag}", ds.x_train.shape[-1], lambda: (x01, y), lambda: (xt01, ds.y_test))
    if not net.held_out_accuracy >= MIN_ACCURACY:
        raise FeatureUnavailable(
            f"{ds.name}: the feature net trained on this data classifies only {net.held_out_accuracy:.0%} of its "
            f"test images (needs {MIN_ACCURACY:.0%}); Fréchet distance and Inception score are not reported"
        )
    return net


def _fit(model: FeatureNet, x, y):
    """Seeded, single-threaded training: the same weights whatever threads the caller uses."""
    generator = torch.Generator().manual_seed(SEED)
    opt = adam(model.parameters(), lr=2e-3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.enable_grad():  # callers may be inside no_grad
            epochs = max(3, math.ceil(MIN_STEPS / math.ceil(len(x) / 64)))
            for _ in range(epochs):
                order = torch.randperm(len(x), generator=generator)
                for i in range(0, len(x), 64):
                    idx = order[i : i + 64]
                    opt.zero_grad()
                    F.cross_entropy(model(x[idx]), y[idx]).backward()
                    opt.step()
    finally:
        torch.set_num_threads(threads)


@torch.no_grad()
def _accuracy(model: FeatureNet, x, y) -> float:
    return (model(x).argmax(1) == y).float().mean().item()
