r"""Variational autoencoder (MLP), Section 4.

Encoder q_φ(z|x) = N(μ_φ(x), diag σ²_φ(x)), with the network predicting log σ² (unconstrained).
Reparameterization: z = μ + σ ⊙ ε, ε ~ N(0, I), so gradients reach μ and log σ².
Decoder p_θ(x|z): Bernoulli with means \hat x = g_θ(z) in [0, 1].
Loss: -ELBO_β = -E_q[log p_θ(x|z)] + β D_KL(q_φ(z|x) || N(0, I))   (`losses.negative_elbo`).

`Config` holds every hyper-parameter of a reference run; the `pytorch-examples` preset is
pytorch/examples' `vae/main.py` (784-400-20, batch 128, Adam 1e-3, 10 epochs), whose test loss on
MNIST is about 105 nats per image.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class Config:
    """A reference VAE run. Defaults: the bundled 8x8 digits (a 2-d code to plot)."""

    latent_dim: int = 2
    hidden: int = 128
    beta: float = 1.0
    epochs: int = 60
    batch_size: int = 64
    lr: float = 1e-3
    anneal_epochs: int = 0  # KL warm-up: β rises linearly over this many epochs (0 = none)
    binarize: str = "none"  # "static" (one fixed Bernoulli draw), "dynamic" (a fresh draw per batch)

    @classmethod
    def for_dataset(cls, dataset: str) -> "Config":
        return cls() if dataset == "digits" else cls(hidden=256)


PRESETS = {"pytorch-examples": Config(latent_dim=20, hidden=400, epochs=10, batch_size=128, lr=1e-3)}


def build(config: Config, x_dim: int) -> "VAE":
    return VAE(config.latent_dim, x_dim, config.hidden)


class VAE(nn.Module):
    beta = 1.0

    def __init__(self, latent_dim: int = 20, x_dim: int = 784, hidden: int = 400):
        """The defaults are pytorch/examples' MNIST VAE (784-400-20) and lab11.2's `VAE(latent_dim=20)`."""
        super().__init__()
        self.latent_dim = latent_dim
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(x_dim, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent_dim)
        self.logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, x_dim), nn.Sigmoid())

    def encode(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)

    def reparameterize(self, mu, logvar):
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.decode(z).view_as(x), mu, logvar
