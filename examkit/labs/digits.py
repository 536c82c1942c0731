"""The bundled digits at 28x28: the training data of every lab's training probe (in the jail) and
of the reference run it is compared with (outside). Imports only torch and scikit-learn, so the
jail can import this same file."""

import torch

_CACHE = []
_LABELS = []


def digits28(n: int | None = None) -> torch.Tensor:
    """The first n (all 1,797 by default) of scikit-learn's 8x8 digits, upscaled to 28x28 in [0, 1];
    loaded once per process (before the forks, when a warm jail warms up)."""
    if not _CACHE:
        from sklearn.datasets import load_digits

        images = torch.tensor(load_digits().images, dtype=torch.float32).unsqueeze(1) / 16.0
        _CACHE.append(
            torch.nn.functional.interpolate(images, size=(28, 28), mode="bilinear", align_corners=False).clamp(0, 1)
        )
        _LABELS.append(torch.tensor(load_digits().target, dtype=torch.long))
    return _CACHE[0][:n].clone()


def labels() -> torch.Tensor:
    """The digits' classes, in the order of digits28()."""
    digits28(1)
    return _LABELS[0].clone()
