"""MNIST-shaped data sets of 64 random images (no download, no files)."""

import numpy as np
import torch

from examkit.labs.jail.inside.offline.torchvision import datasets as offline

N_IMAGES = 64


def _strokes(rng):
    """A random 'digit': two to four soft pen strokes on a black background, uint8 (28, 28)."""
    yy, xx = np.mgrid[0:28, 0:28].astype(np.float64)
    ink = np.zeros((28, 28))
    for _ in range(rng.integers(2, 5)):
        (y0, x0), (y1, x1) = rng.uniform(6, 22, size=(2, 2))
        for t in np.linspace(0, 1, 12):
            cy, cx = y0 + t * (y1 - y0), x0 + t * (x1 - x0)
            ink = np.maximum(ink, np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 2.5))
    return (ink * 255).astype(np.uint8)


class MNIST(offline.MNIST):
    """As torchvision.datasets.MNIST (the jail's offline stand-in), with 64 random images instead."""

    def __init__(self, root=".", train=True, transform=None, target_transform=None, download=False):
        rng = np.random.default_rng(0 if train else 1)
        images = np.stack([_strokes(rng) for _ in range(N_IMAGES)])
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        self.data = torch.from_numpy(images)
        self.targets = torch.from_numpy(rng.integers(0, 10, N_IMAGES))


class FashionMNIST(MNIST):
    pass
