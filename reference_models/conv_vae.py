r"""Convolutional VAE for 28x28 images (the shape of lab11.2_VAE).

Same model as `vae.VAE` with convolutional encoder/decoder: q_φ(z|x) = N(μ, diag σ²),
z = μ + σ ⊙ ε, Bernoulli decoder, loss -E_q[log p_θ(x|z)] + β D_KL (`losses.negative_elbo`).
"""

from dataclasses import dataclass

import torch.nn as nn

from .vae import VAE


@dataclass
class Config:
    """A reference conv_vae run on 28x28 images (the upscaled digits or MNIST)."""

    latent_dim: int = 16
    channels: int = 16
    epochs: int = 80  # decoded prior samples become digits late: their FD is 439 at 15 epochs, 96 at 80
    batch_size: int = 64
    lr: float = 1e-3
    beta: float = 1.0
    anneal_epochs: int = 0
    binarize: str = "none"

    @classmethod
    def for_dataset(cls, dataset: str) -> "Config":
        return cls()


def build(config: Config, x_dim: int) -> "ConvVAE":
    return ConvVAE(config.latent_dim, config.channels)


class ConvVAE(VAE):
    """`vae.VAE` with convolutional layers; encode, reparameterize, decode and forward are inherited."""

    beta = 1.0

    def __init__(self, latent_dim: int = 16, channels: int = 16):
        nn.Module.__init__(self)  # VAE's MLP layers are replaced, not built
        c = channels
        self.latent_dim = latent_dim
        self.body = nn.Sequential(
            nn.Conv2d(1, c, 4, 2, 1), nn.ReLU(), nn.Conv2d(c, 2 * c, 4, 2, 1), nn.ReLU(), nn.Flatten()
        )
        self.mu = nn.Linear(2 * c * 49, latent_dim)
        self.logvar = nn.Linear(2 * c * 49, latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 2 * c * 49),
            nn.ReLU(),
            nn.Unflatten(1, (2 * c, 7, 7)),
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1),
            nn.ReLU(),
            nn.ConvTranspose2d(c, 1, 4, 2, 1),
            nn.Sigmoid(),
        )
