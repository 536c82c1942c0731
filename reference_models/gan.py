r"""GAN with MLP generator and discriminator (Section 5), for 2-D mixtures and flattened digits.

G_θ: z ~ N(0, I) -> \tilde x;  D_φ: x -> logit a, D(x) = σ(a) = P(x is real).
Game: min_G max_D E_x[log D(x)] + E_z[log(1 - D(G(z)))]. Losses (`losses`): discriminator BCE,
saturating E[log(1 - D(G(z)))] or non-saturating -E[log D(G(z))] for G.
D returns logits; `prob` gives probabilities.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class Config:
    """A reference GAN run (also the shape of every MLP GAN variant's config).
    Defaults: the 2-D 8-Gaussians ring; `for_dataset` gives the flattened-digits sizes."""

    latent_dim: int = 2
    hidden: int = 64
    layers_d: int = 3  # D's linear layers (G has 3): more makes D the stronger player
    out: str = "linear"  # "tanh" for images in [-1, 1]
    loss: str = "ns"  # "ns" non-saturating, "sat" saturating (see train.train_gan)
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    betas: tuple = (0.5, 0.999)
    n_critic: int = 1  # D (critic) steps per G step
    batch_size: int = 256
    epochs: int = 32
    threads: int = 1

    @classmethod
    def for_dataset(cls, dataset: str) -> "Config":
        if dataset.startswith("gaussians"):
            return cls()
        return cls(latent_dim=16, hidden=256, out="tanh", batch_size=64)


def build(config: Config, x_dim: int):
    """(generator, discriminator) for data of `x_dim` values."""
    return Generator(config.latent_dim, config.hidden, x_dim, config.out), Discriminator(
        x_dim, config.hidden, config.layers_d
    )


class Generator(nn.Module):
    def __init__(self, z_dim: int = 2, hidden: int = 128, out_dim: int = 2, out: str = "linear", layers: int = 3):
        super().__init__()
        self.z_dim = z_dim
        blocks, width = [], z_dim
        for _ in range(layers - 1):
            blocks += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        blocks.append(nn.Linear(width, out_dim))
        if out == "tanh":
            blocks.append(nn.Tanh())
        self.net = nn.Sequential(*blocks)

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self, in_dim: int = 2, hidden: int = 128, layers: int = 3):
        super().__init__()
        blocks, width = [nn.Flatten()], in_dim
        for _ in range(layers - 1):
            blocks += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
            width = hidden
        blocks.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*blocks)

    def forward(self, x):
        return self.net(x).squeeze(1)

    def prob(self, x):
        return torch.sigmoid(self(x))
