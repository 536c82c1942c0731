"""Data sets that need no download: scikit-learn's bundled digits, 2-D Gaussian mixtures, and a
reader for MNIST / Fashion-MNIST IDX files a user already has.

Every loader returns float tensors: images as (N, 1, H, W), labels as int64, points as (N, 2).
"""

from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path

import numpy as np
import torch

from .digits import digit_images

HELD_OUT = 297  # digits: 1500 for training, 297 held out (a fixed, seeded split)
SPLIT_SEED = 0


def digits(size: int = 8, value_range: str = "01", split: str = "train"):
    """The 1,797 8x8 digits of scikit-learn (0..16 grey levels), optionally upscaled to 28x28.

    value_range: "01" for [0, 1] (VAE/BCE) or "pm1" for [-1, 1] (tanh generators).
    split: "train", "test" or "all". Returns (images, labels).
    """
    images, labels = digit_images(size)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(SPLIT_SEED))
    if split == "train":
        order = order[:-HELD_OUT]
    elif split == "test":
        order = order[-HELD_OUT:]
    elif split != "all":
        raise ValueError(f"split must be train, test or all, not {split!r}")
    images, labels = images[order], labels[order]
    if value_range == "pm1":
        images = images * 2 - 1
    return images, labels


def ring_centers(k: int = 8, radius: float = 2.0) -> torch.Tensor:
    angles = torch.arange(k, dtype=torch.float64) * (2 * math.pi / k)
    return torch.stack([radius * angles.cos(), radius * angles.sin()], 1).float()


def grid_centers(side: int = 5, spacing: float = 2.0) -> torch.Tensor:
    coords = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    return torch.cartesian_prod(coords, coords)


def gaussian_mixture(centers: torch.Tensor, n: int, std: float, seed: int):
    """n points from an equal-weight mixture of isotropic Gaussians; returns (points, mode index)."""
    g = torch.Generator().manual_seed(seed)
    modes = torch.randint(len(centers), (n,), generator=g)
    return centers[modes] + std * torch.randn(n, 2, generator=g), modes


def gaussians8(n: int = 4096, seed: int = 0, std: float = 0.02):
    """The 8-Gaussians ring (radius 2), the standard mode-collapse benchmark."""
    return gaussian_mixture(ring_centers(8), n, std, seed)


def gaussians25(n: int = 8192, seed: int = 0, std: float = 0.05):
    """The 25-Gaussians grid on {-4, -2, 0, 2, 4}^2."""
    return gaussian_mixture(grid_centers(5), n, std, seed)


# --- IDX files (MNIST, Fashion-MNIST) -----------------------------------------------------------
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class IDXError(ValueError):
    pass


def read_idx(path) -> np.ndarray:
    """Read an IDX file (plain or .gz) into an array, validating the header against the size."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise IDXError(f"{path}: cannot read: {exc}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise IDXError(f"{path}: not an IDX file (bad magic number)")
    dtype, ndim = data[2], data[3]
    if dtype not in _IDX_TYPES or ndim == 0:
        raise IDXError(f"{path}: unsupported IDX type 0x{dtype:02x} or no dimensions")
    if len(data) < 4 + 4 * ndim:
        raise IDXError(f"{path}: truncated header")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    np_type = np.dtype(_IDX_TYPES[dtype])
    expected = int(np.prod(shape)) * np_type.itemsize
    body = data[4 + 4 * ndim :]
    if len(body) != expected:
        raise IDXError(f"{path}: header says {shape} ({expected} bytes) but the file has {len(body)}")
    return np.frombuffer(body, dtype=np_type).reshape(shape)


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).exists():
            return folder / name
    raise IDXError(f"{folder}: no {stem}[.gz] found")


def mnist(path, split: str = "train", value_range: str = "01"):
    """MNIST-format data from a folder holding the four IDX files (or from one images file)."""
    path = Path(path)
    prefix = "train" if split == "train" else "t10k"
    if path.is_dir():
        images_path = _find(path, f"{prefix}-images-idx3-ubyte")
        labels_path = _find(path, f"{prefix}-labels-idx1-ubyte")
    else:
        images_path, labels_path = path, None
    images = read_idx(images_path)
    if images.ndim != 3:
        raise IDXError(f"{images_path}: expected images (N, H, W), got shape {images.shape}")
    x = torch.tensor(images.astype(np.float32) / 255.0).unsqueeze(1)
    if labels_path is not None:
        labels = read_idx(labels_path)
        if labels.shape != (images.shape[0],):
            raise IDXError(f"{labels_path}: {labels.shape[0]} labels for {images.shape[0]} images")
        y = torch.tensor(labels.astype(np.int64))
    else:
        y = torch.full((len(x),), -1, dtype=torch.int64)
    if value_range == "pm1":
        x = x * 2 - 1
    return x, y


def binarize(x: torch.Tensor, seed: int) -> torch.Tensor:
    """One Bernoulli draw of grey levels in [0, 1] (the binarized MNIST of the VAE/IWAE papers)."""
    return torch.bernoulli(x, generator=torch.Generator().manual_seed(seed))
