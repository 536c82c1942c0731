r"""Conditional GAN (Section 6.1): the label y is injected into both players.

G(z, y): a learned embedding of y is concatenated to z.  D(x, y): the one-hot y is concatenated
to the (flattened) image, so D judges whether x is real *and* matches y.
Objective: min_G max_D E_{x,y}[log D(x, y)] + E_{z, y~p(y)}[log(1 - D(G(z, y), y))].
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConditionalGenerator(nn.Module):
    def __init__(self, z_dim: int = 16, n_classes: int = 10, hidden: int = 256, out_dim: int = 64):
        super().__init__()
        self.z_dim, self.n_classes = z_dim, n_classes
        self.embed = nn.Embedding(n_classes, n_classes)
        self.net = nn.Sequential(
            nn.Linear(z_dim + n_classes, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, out_dim),
            nn.Tanh(),
        )

    def forward(self, z, y):
        return self.net(torch.cat([z, self.embed(y)], 1))


class ConditionalDiscriminator(nn.Module):
    def __init__(self, in_dim: int = 64, n_classes: int = 10, hidden: int = 256):
        super().__init__()
        self.n_classes = n_classes
        self.net = nn.Sequential(
            nn.Linear(in_dim + n_classes, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )

    def forward(self, x, y):
        return self.net(torch.cat([x.flatten(1), F.one_hot(y, self.n_classes).float()], 1)).squeeze(1)
