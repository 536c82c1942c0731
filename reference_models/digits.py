"""scikit-learn's bundled 8x8 digits (1,797 of them, no download), upscaled (bilinear) where a model
wants 28x28: the one definition the reference runs (`data.py`) and the labs train on. The labs'
jail gets this very file as `lab_probes/digits.py`, so it imports only torch and numpy.

The digits are read from scikit-learn's own data file, as its `load_digits` reads it (the same
values, the same order), without importing scikit-learn: that import costs about 0.9 s in every
process that needs the digits (each lab jail, each reference run), more than reading them."""

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import torch

_CACHE: dict = {}


def _digits_file() -> Path:
    """sklearn/datasets/data/digits.csv.gz, found without running scikit-learn's __init__."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the bundled digits come with scikit-learn: pip install scikit-learn")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"


def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 8, 8) in 0..16, labels), as sklearn.datasets.load_digits gives them."""
    with gzip.open(_digits_file(), "rt") as fh:
        data = np.loadtxt(fh, delimiter=",")
    return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(int)


def digit_images(size: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """(images in [0, 1] as (N, 1, size, size), int64 labels), in scikit-learn's order; loaded once
    per process and size (before the forks, when a warm jail warms up)."""
    if size not in _CACHE:
        pixels, target = _load_digits()
        images = torch.tensor(pixels, dtype=torch.float32).unsqueeze(1) / 16.0
        if size != 8:
            images = torch.nn.functional.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
            images = images.clamp(0, 1)
        _CACHE[size] = (images, torch.tensor(target, dtype=torch.int64))
    images, labels = _CACHE[size]
    return images.clone(), labels.clone()


def digits28(n: int | None = None) -> torch.Tensor:
    """The first n (all by default) digits at 28x28: every lab's training data."""
    return digit_images(28)[0][:n]


def labels() -> torch.Tensor:
    """The digits' classes, in the order of digits28()."""
    return digit_images(8)[1]
