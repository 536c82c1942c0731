r"""GAN with MLP generator and discriminator (Section 5), for 2-D mixtures and flattened digits.

G_θ: z ~ N(0, I) -> \tilde x;  D_φ: x -> logit a, D(x) = σ(a) = P(x is real).
Game: min_G max_D E_x[log D(x)] + E_z[log(1 - D(G(z)))]. Losses (`losses`): discriminator BCE,
saturating E[log(1 - D(G(z)))] or non-saturating -E[log D(G(z))] for G.
D returns logits; `prob` gives probabilities.
"""

import torch
import torch.nn as nn


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
