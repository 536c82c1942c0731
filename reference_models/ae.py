r"""Plain autoencoder (MLP): x -> z = f_φ(x) -> \hat x = g_θ(z).

Loss (Section 3.2): L_AE(θ, φ) = E_x ||x - g_θ(f_φ(x))||², see `losses.ae_mse`.
The code z is deterministic: nothing organizes the latent space, which is why decoding z ~ N(0, I)
gives poor samples (scenario `ae_vs_vae_prior`).
"""

from dataclasses import dataclass

import torch.nn as nn


@dataclass
class Config:
    """A reference AE run. Defaults: the bundled 8x8 digits (a 2-d code to plot)."""

    latent_dim: int = 2
    hidden: int = 128
    epochs: int = 60
    batch_size: int = 64
    lr: float = 1e-3

    @classmethod
    def for_dataset(cls, dataset: str) -> "Config":
        return cls() if dataset == "digits" else cls(hidden=256)


class AE(nn.Module):
    def __init__(self, x_dim: int = 64, hidden: int = 128, latent_dim: int = 2):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(x_dim, hidden), nn.ReLU(), nn.Linear(hidden, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, x_dim), nn.Sigmoid())

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        z = self.encode(x)
        return self.decode(z).view_as(x), z


def build(config: Config, x_dim: int) -> AE:
    return AE(x_dim, config.hidden, config.latent_dim)
