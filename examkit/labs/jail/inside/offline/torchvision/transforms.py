"""The transforms lab notebooks use, with torchvision's behaviour on PIL images and tensors."""

import numpy as np
import torch


class Compose:
    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x


class ToTensor:
    """PIL image or uint8 array (H, W[, C]) -> float tensor (C, H, W) in [0, 1]."""

    def __call__(self, pic):
        arr = np.array(pic, dtype=np.float32, copy=True)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        return torch.from_numpy(arr.transpose(2, 0, 1) / 255.0).float()


class Normalize:
    def __init__(self, mean, std, inplace=False):
        self.mean, self.std = mean, std

    def __call__(self, tensor):
        mean = torch.as_tensor(self.mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.as_tensor(self.std, dtype=tensor.dtype).view(-1, 1, 1)
        return (tensor - mean) / std


class Resize:
    def __init__(self, size, *args, **kwargs):
        self.size = size if isinstance(size, (tuple, list)) else (size, size)

    def __call__(self, img):
        if isinstance(img, torch.Tensor):
            return torch.nn.functional.interpolate(img.unsqueeze(0), size=tuple(self.size), mode="bilinear").squeeze(0)
        return img.resize((self.size[1], self.size[0]))


class Lambda:
    def __init__(self, lambd):
        self.lambd = lambd

    def __call__(self, x):
        return self.lambd(x)
