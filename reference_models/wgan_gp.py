r"""WGAN-GP (Section 6.3): a critic estimates the Wasserstein-1 distance; a gradient penalty keeps
it (softly) 1-Lipschitz.

Critic loss: E[D(G(z))] - E[D(x)] + λ E[(||∇_{\hat x} D(\hat x)||₂ - 1)²], \hat x = αx + (1-α)G(z).
Generator loss: -E[D(G(z))]. No sigmoid and no BatchNorm in the critic (the penalty is per sample).
The generator is `gan.Generator`.
"""

import torch.nn as nn


class Critic(nn.Module):
    def __init__(self, in_dim: int = 2, hidden: int = 128, layers: int = 3):
        super().__init__()
        blocks, width = [nn.Flatten()], in_dim
        for _ in range(layers - 1):
            blocks += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        blocks.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*blocks)

    def forward(self, x):
        return self.net(x).squeeze(1)
