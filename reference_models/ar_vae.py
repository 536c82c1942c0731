r"""A VAE whose decoder is autoregressive over pixels: the "too strong decoder" of KL collapse.

p_θ(x|z) = Π_i Bernoulli(x_i | σ(a_i)),  a_i = Σ_{j<i} W_ij x_j + g_θ(z)_i  (W strictly lower triangular).
Each pixel sees the pixels before it, so the decoder can model the digits without z. The cheapest
optimum is then q_φ(z|x) = p(z): the KL term, and with it the information in z, collapses to ~0.
Training is teacher-forced (the true previous pixels), as in PixelCNN/MADE.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn

from . import vae
from .vae import VAE


@dataclass
class Config(vae.Config):
    """vae.Config's sizes and schedule: the KL-collapse scenario compares decoders, nothing else."""


def build(config: Config, x_dim: int) -> "ARDecoderVAE":
    return ARDecoderVAE(x_dim, config.hidden, config.latent_dim)


class ARDecoderVAE(VAE):
    def __init__(self, x_dim: int = 64, hidden: int = 128, latent_dim: int = 8):
        super().__init__(latent_dim=latent_dim, x_dim=x_dim, hidden=hidden)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, x_dim))
        self.autoregressive = nn.Linear(x_dim, x_dim, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(x_dim, x_dim), diagonal=-1))
        self._context = None

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        self._context = x.flatten(1)
        try:
            return self.decode(z).view_as(x), mu, logvar
        finally:
            self._context = None

    def decode(self, z):
        logits = self.decoder(z)
        if self._context is not None:
            logits = logits + nn.functional.linear(self._context, self.autoregressive.weight * self.mask)
        return torch.sigmoid(logits)
