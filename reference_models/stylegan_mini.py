r"""A style-modulated MLP generator (Section 6.3): StyleGAN's mapping network and per-layer styles
at digits scale. It is not StyleGAN: there is no weight demodulation, no noise input and no
progressive or convolutional synthesis (a StyleGAN2-style modulated/demodulated layer with noise
inputs collapsed to one image on the 8x8 and 28x28 digits in every recipe tried so far).

Mapping network f: z -> w (an MLP). Synthesis starts from a learned constant, not from z; every
layer is *modulated* by a style computed from w with a learned affine map A (AdaIN):
    h_{l+1} = LeakyReLU((1 + γ_l(w)) ⊙ norm(W_l h_l) + β_l(w)),   [γ_l, β_l] = A_l(w),
so z shapes the image only through the per-layer styles. Layers are fully connected to keep the
toy fast on a CPU; `style_mixing` shows the StyleGAN trick of taking coarse and fine styles from
different codes. Trained with the non-saturating loss.

The discriminator has StyleGAN's minibatch standard deviation feature (from ProGAN): the mean over
features of the batch's standard deviation, appended before the last layer. D then sees how
diverse a batch is, and a generator that draws few images per digit is rejected (without it the
within-class diversity of this toy is about 0.5 of the data's; with it, above 0.8).
"""

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    """A reference run on the flattened 8x8 digits."""

    latent_dim: int = 16
    w_dim: int = 64
    hidden: int = 256
    loss: str = "ns"
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    betas: tuple = (0.5, 0.99)
    n_critic: int = 1
    batch_size: int = 64
    epochs: int = 150
    threads: int = 1

    @classmethod
    def for_dataset(cls, dataset: str) -> "Config":
        return cls()


def build(config: Config, x_dim: int = 64):
    return MiniStyleGenerator(config.latent_dim, config.w_dim, config.hidden, x_dim), MinibatchStdDiscriminator(
        x_dim, config.hidden
    )


class MappingNetwork(nn.Module):
    def __init__(self, z_dim: int = 16, w_dim: int = 64, layers: int = 3):
        super().__init__()
        blocks, width = [], z_dim
        for _ in range(layers):
            blocks += [nn.Linear(width, w_dim), nn.LeakyReLU(0.2)]
            width = w_dim
        self.net = nn.Sequential(*blocks)

    def forward(self, z):
        return self.net(F.normalize(z, dim=1) * z.shape[1] ** 0.5)


class StyledLayer(nn.Module):
    """Linear map, normalization, then a per-feature scale and shift from the style of w."""

    def __init__(self, d_in: int, d_out: int, w_dim: int):
        super().__init__()
        self.linear = nn.Linear(d_in, d_out)
        self.style = nn.Linear(w_dim, 2 * d_out)

    def forward(self, h, w):
        gamma, beta = self.style(w).chunk(2, dim=1)
        h = self.linear(h)
        return F.leaky_relu((1 + gamma) * F.layer_norm(h, h.shape[1:]) + beta, 0.2)


class MiniStyleGenerator(nn.Module):
    def __init__(self, z_dim: int = 16, w_dim: int = 64, hidden: int = 256, out_dim: int = 64):
        super().__init__()
        self.z_dim = z_dim
        self.mapping = MappingNetwork(z_dim, w_dim)
        self.const = nn.Parameter(torch.randn(1, hidden))
        self.layers = nn.ModuleList([StyledLayer(hidden, hidden, w_dim) for _ in range(3)])
        self.to_pixels = nn.Linear(hidden, out_dim)

    def forward(self, z, w=None):
        ws = [self.mapping(z) if w is None else w] * len(self.layers)
        return self.synthesize(ws)

    def synthesize(self, ws):
        h = self.const.expand(ws[0].shape[0], -1)
        for layer, w in zip(self.layers, ws):
            h = layer(h, w)
        return torch.tanh(self.to_pixels(h))

    @torch.no_grad()
    def style_mixing(self, z_coarse, z_fine, crossover: int = 1):
        """Coarse styles (first `crossover` layers) from one code, fine styles from another."""
        w1, w2 = self.mapping(z_coarse), self.mapping(z_fine)
        return self.synthesize([w1 if i < crossover else w2 for i in range(len(self.layers))])


class MinibatchStdDiscriminator(nn.Module):
    """MLP D (LeakyReLU 0.2, logits) whose last layer also sees mean_j std_batch(h_j)."""

    def __init__(self, in_dim: int = 64, hidden: int = 256):
        super().__init__()
        self.features = nn.Sequential(
            nn.Flatten(), nn.Linear(in_dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden), nn.LeakyReLU(0.2)
        )
        self.head = nn.Linear(hidden + 1, 1)

    def forward(self, x):
        h = self.features(x)
        spread = h.std(0, unbiased=False).mean().expand(len(h), 1)  # one number per batch
        return self.head(torch.cat([h, spread], 1)).squeeze(1)
