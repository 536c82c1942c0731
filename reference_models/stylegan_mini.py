r"""A toy style-based generator (Section 6.3, the StyleGAN idea at 8x8 scale).

Mapping network f: z -> w (an MLP). A learned constant 2x2 input is upsampled through synthesis
blocks; each block's features are normalized and then modulated by a per-channel scale and shift
computed from w by an affine map ("styles", AdaIN):  h' = (1 + γ(w)) ⊙ norm(h) + β(w).
Trained adversarially with the non-saturating loss against `gan.Discriminator`.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class MappingNetwork(nn.Module):
    def __init__(self, z_dim: int = 16, w_dim: int = 32, layers: int = 3):
        super().__init__()
        blocks, width = [], z_dim
        for _ in range(layers):
            blocks += [nn.Linear(width, w_dim), nn.LeakyReLU(0.2)]
            width = w_dim
        self.net = nn.Sequential(*blocks)

    def forward(self, z):
        return self.net(F.normalize(z, dim=1) * z.shape[1] ** 0.5)


class StyledBlock(nn.Module):
    """Upsample x2, 3x3 convolution, instance-normalize, modulate with the style of w."""

    def __init__(self, c_in: int, c_out: int, w_dim: int):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.style = nn.Linear(w_dim, 2 * c_out)

    def forward(self, h, w):
        h = self.conv(F.interpolate(h, scale_factor=2, mode="nearest"))
        h = F.instance_norm(h)
        gamma, beta = self.style(w).chunk(2, dim=1)
        return F.leaky_relu((1 + gamma[..., None, None]) * h + beta[..., None, None], 0.2)


class MiniStyleGenerator(nn.Module):
    def __init__(self, z_dim: int = 16, w_dim: int = 32, channels: int = 32):
        super().__init__()
        self.z_dim = z_dim
        self.mapping = MappingNetwork(z_dim, w_dim)
        self.const = nn.Parameter(torch.randn(1, channels, 2, 2))
        self.blocks = nn.ModuleList([StyledBlock(channels, channels, w_dim), StyledBlock(channels, channels, w_dim)])
        self.to_image = nn.Conv2d(channels, 1, 1)

    def forward(self, z, w=None):
        w = self.mapping(z) if w is None else w
        h = self.const.expand(z.shape[0], -1, -1, -1)
        for block in self.blocks:  # 2x2 -> 4x4 -> 8x8
            h = block(h, w)
        return torch.tanh(self.to_image(h)).flatten(1)
