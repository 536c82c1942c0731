r"""Convolutional autoencoder for 28x28 images: strided convolutions down, transposed up.

Same loss as the MLP AE, L_AE = E ||x - \hat x||² (`losses.ae_mse`).
Shapes: 28 -> 14 -> 7 -> z -> 7 -> 14 -> 28.
"""

from dataclasses import dataclass

import torch.nn as nn

from .ae import AE


@dataclass
class Config:
    """A reference conv_ae run on 28x28 images (the upscaled digits or MNIST)."""

    latent_dim: int = 16
    channels: int = 16
    epochs: int = 15
    batch_size: int = 64
    lr: float = 1e-3

    @classmethod
    def for_dataset(cls, dataset: str) -> "Config":
        return cls()


def build(config: Config, x_dim: int) -> "ConvAE":
    return ConvAE(config.latent_dim, config.channels)


class ConvAE(AE):
    """`ae.AE` with convolutional layers; encode, decode and forward are inherited."""

    def __init__(self, latent_dim: int = 16, channels: int = 16):
        nn.Module.__init__(self)  # AE's MLP layers are replaced, not built
        c = channels
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c, 4, 2, 1),
            nn.ReLU(),  # 14x14
            nn.Conv2d(c, 2 * c, 4, 2, 1),
            nn.ReLU(),  # 7x7
            nn.Flatten(),
            nn.Linear(2 * c * 49, latent_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 2 * c * 49),
            nn.ReLU(),
            nn.Unflatten(1, (2 * c, 7, 7)),
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1),
            nn.ReLU(),  # 14x14
            nn.ConvTranspose2d(c, 1, 4, 2, 1),
            nn.Sigmoid(),  # 28x28
        )
