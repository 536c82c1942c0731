r"""DCGAN for 28x28 images (Section 6.2; the architecture of lab11.1_GAN).

Generator: z (N, nz, 1, 1) -> ConvT(k7) 7x7 -> ConvT(k4, s2, p1) 14x14 -> ConvT(k4, s2, p1) 28x28,
BatchNorm + ReLU inside, Tanh output in [-1, 1]. Sizes follow H_out = (H_in - 1) S - 2P + K.
Discriminator: strided convolutions 28 -> 14 -> 7 -> 1, LeakyReLU(0.2), BatchNorm inside; logits.
Weights ~ N(0, 0.02), BatchNorm scale ~ N(1, 0.02), biases 0 (`weights_init`).
Training: Adam(2e-4, β₁ = 0.5), batch 64, non-saturating loss: the DCGAN paper's recipe.
`Config` is the one DCGAN size of the package: the reference runs, the lab's solution notebook and
the lab grader's probes all build these networks at these sizes.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class Config:
    latent_dim: int = 100  # nz
    ngf: int = 64
    ndf: int = 64
    loss: str = "ns"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple = (0.5, 0.999)
    n_critic: int = 1
    batch_size: int = 64
    epochs: int = 25
    threads: int = 1  # 86 s a run here; two threads: 66 s, but 1.5x the CPU time and other bits

    @classmethod
    def for_dataset(cls, dataset: str) -> "Config":
        return cls()


def build(config: Config, x_dim: int = 784):
    """(generator, discriminator) with DCGAN's initialization."""
    g, d = Generator(config.latent_dim, config.ngf), Discriminator(config.ndf)
    g.apply(weights_init)
    d.apply(weights_init)
    return g, d


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
    def __init__(self, ndf: int = 64, channels: int = 1):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, ndf, 4, 2, 1, bias=False),
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
