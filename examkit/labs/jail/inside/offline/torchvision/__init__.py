"""Runs INSIDE the jail, and only where no real torchvision is installed (it is last on sys.path):
grading is offline, so a notebook's `datasets.MNIST(..., download=True)` gets the bundled digits
at 28x28 instead of a download, and the sizes a notebook reads from its data set
(`C, H, W = train_set[0][0].shape`) are MNIST's. The reading notes tell the student so.
"""

from . import datasets, transforms, utils

__version__ = "0.0+examkit-offline"
__all__ = ["datasets", "transforms", "utils"]
