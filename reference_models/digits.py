"""scikit-learn's bundled 8x8 digits (1,797 of them, no download), upscaled (bilinear) where a model
wants 28x28: the one definition the reference runs (`data.py`) and the labs train on. The labs'
jail gets this very file as `lab_probes/digits.py`, so it imports only torch and scikit-learn."""

import torch

_CACHE: dict = {}


def digit_images(size: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """(images in [0, 1] as (N, 1, size, size), int64 labels), in scikit-learn's order; loaded once
    per process and size (before the forks, when a warm jail warms up)."""
    if size not in _CACHE:
        from sklearn.datasets import load_digits

        bunch = load_digits()
        images = torch.tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / 16.0
        if size != 8:
            images = torch.nn.functional.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
            images = images.clamp(0, 1)
        _CACHE[size] = (images, torch.tensor(bunch.target, dtype=torch.int64))
    images, labels = _CACHE[size]
    return images.clone(), labels.clone()


def digits28(n: int | None = None) -> torch.Tensor:
    """The first n (all by default) digits at 28x28: every lab's training data."""
    return digit_images(28)[0][:n]


def labels() -> torch.Tensor:
    """The digits' classes, in the order of digits28()."""
    return digit_images(8)[1]
