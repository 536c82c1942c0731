"""MNIST-shaped data sets of 64 random images (no download, no files)."""

import numpy as np
import torch
from PIL import Image

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


class MNIST(torch.utils.data.Dataset):
    """As torchvision.datasets.MNIST: items are (PIL image or transformed image, int label)."""

    classes = [f"{i} - digit" for i in range(10)]

    def __init__(self, root=".", train=True, transform=None, target_transform=None, download=False):
        rng = np.random.default_rng(0 if train else 1)
        images = np.stack([_strokes(rng) for _ in range(N_IMAGES)])
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        self.data = torch.from_numpy(images)
        self.targets = torch.from_numpy(rng.integers(0, 10, N_IMAGES))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image = Image.fromarray(self.data[index].numpy())
        target = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __repr__(self):
        return f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n    Root location: {self.root}"


class FashionMNIST(MNIST):
    pass
