r"""DCGAN for 28x28 images (Section 6.2; the architecture of lab11.1_GAN).

Generator: z (N, nz, 1, 1) -> ConvT(k7) 7x7 -> ConvT(k4, s2, p1) 14x14 -> ConvT(k4, s2, p1) 28x28,
BatchNorm + ReLU inside, Tanh output in [-1, 1]. Sizes follow H_out = (H_in - 1) S - 2P + K.
Discriminator: strided convolutions 28 -> 14 -> 7 -> 1, LeakyReLU(0.2), BatchNorm inside; logits.
Weights ~ N(0, 0.02), BatchNorm scale ~ N(1, 0.02), biases 0 (`weights_init`).
"""

import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, nz: int = 100, ngf: int = 64):
        super().__init__()
        self.nz = nz
        self.z_dim = nz
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 7, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),  # 7x7
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),  # 14x14
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),
            nn.Tanh(),  # 28x28
        )

    def forward(self, z):
        return self.net(z.view(z.shape[0], self.nz, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, ndf: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, True),  # 14x14
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, True),  # 7x7
            nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False),  # 1x1
        )

    def forward(self, x):
        return self.net(x).flatten()

    def prob(self, x):
        return torch.sigmoid(self(x))


def weights_init(m):
    """DCGAN initialization: conv weights N(0, 0.02); BatchNorm weights N(1, 0.02), biases 0."""
    name = type(m).__name__
    if "Conv" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)
