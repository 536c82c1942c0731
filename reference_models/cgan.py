r"""Conditional GAN (Section 6.1): the label y is injected into both players; the networks are
DCGAN's (the one size of `dcgan.Config`), on 28x28 images.

G(z, y): the one-hot y is concatenated to z, so G's first transposed convolution reads nz + 10
channels. D(x, y): the one-hot y is broadcast to ten constant 28x28 planes stacked on the image,
so D judges whether x is real *and* matches y.
Objective: min_G max_D E_{x,y}[log D(x, y)] + E_{z, y~p(y)}[log(1 - D(G(z, y), y))].

An MLP cGAN on the flattened 8x8 digits learns one image per label and ignores z (within-class
diversity a quarter of the data's on most seeds); the convolutional players keep z in use.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import dcgan


@dataclass
class Config(dcgan.Config):
    """dcgan.Config with ten classes, trained on the 28x28 digits."""

    n_classes: int = 10

    @classmethod
    def for_dataset(cls, dataset: str) -> "Config":
        return cls()


def build(config: Config, x_dim: int = 784):
    g = ConditionalGenerator(config.latent_dim, config.n_classes, config.ngf)
    d = ConditionalDiscriminator(config.n_classes, config.ndf)
    g.apply(dcgan.weights_init)
    d.apply(dcgan.weights_init)
    return g, d


class ConditionalGenerator(nn.Module):
    def __init__(self, z_dim: int = 100, n_classes: int = 10, ngf: int = 64):
        super().__init__()
        self.z_dim, self.n_classes = z_dim, n_classes
        self.net = dcgan.Generator(z_dim + n_classes, ngf)

    def forward(self, z, y):
        return self.net(torch.cat([z.flatten(1), F.one_hot(y, self.n_classes).float()], 1))


class ConditionalDiscriminator(nn.Module):
    def __init__(self, n_classes: int = 10, ndf: int = 64):
        super().__init__()
        self.n_classes = n_classes
        self.net = dcgan.Discriminator(ndf, channels=1 + n_classes)

    def forward(self, x, y):
        planes = F.one_hot(y, self.n_classes).float()[:, :, None, None].expand(-1, -1, *x.shape[-2:])
        return self.net(torch.cat([x, planes], 1))
