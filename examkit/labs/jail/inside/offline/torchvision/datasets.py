"""MNIST-shaped data sets made of the bundled digits (lab_probes/digits.py): no download, no files.
Items are (PIL image or its transform, int label), with `.data` (uint8, N x 28 x 28) and `.targets`."""

import torch

try:
    from lab_probes.digits import digits28, labels  # in the jail
except ImportError:  # outside it (tests/corpus/labs' Jupyter runs reuse these transforms)
    from examkit.labs.digits import digits28, labels
from PIL import Image

SPLIT = 1500  # the first digits are the training set, the rest the test set


class MNIST(torch.utils.data.Dataset):
    classes = [f"{i} - {name}" for i, name in enumerate("zero one two three four five six seven eight nine".split())]

    def __init__(self, root=".", train=True, transform=None, target_transform=None, download=False):
        images, targets = digits28(), labels()
        part = slice(0, SPLIT) if train else slice(SPLIT, None)
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        self.data = (images[part, 0] * 255).round().to(torch.uint8)
        self.targets = targets[part].clone()

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image = Image.fromarray(self.data[index].numpy(), mode="L")
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


class KMNIST(MNIST):
    pass


class EMNIST(MNIST):
    def __init__(self, root=".", split="digits", **kwargs):
        super().__init__(root, **kwargs)
