"""A stand-in for torchvision, for running the corpus notebooks offline in Jupyter only.

It is put on PYTHONPATH by ../../verify_notebooks.py and by nothing else: the notebooks import
`torchvision` as students do and never know it is a shim. `datasets.MNIST` (and FashionMNIST)
give 64 random 28x28 images in [0, 1] with labels, so that a training loop written for the real
data set finishes in seconds; `utils.save_image` writes nothing.
"""

from . import datasets, transforms, utils

__version__ = "0.0.0+corpus-shim"
__all__ = ["datasets", "transforms", "utils"]
