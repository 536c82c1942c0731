"""The VAE lab's probe inputs and the training probe's network, all drawn from the assignment's
seed: probes.py hands these tensors to the student's code in the jail, judges.py computes the
expected values from the same ones."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT = 20
# The training probe: the student's vae_loss trains TrainVAE (784-128-20; the reference loss takes its
# held-out -ELBO from about 552 to 334 nats in 60 steps, a wrong KL sign diverges, a loss that trains
# nothing stays). The last 64 digits are held out.
TRAIN = {"steps": 60, "batch": 64, "lr": 3e-3, "digits": 512, "train": 448, "hidden": 128}


def _rng(seed: int) -> torch.Generator:
    """A stream of the inputs' own: the probes seed torch's global RNG with `seed` for the student's
    code, whose noise must not repeat the inputs (randn_like drawing the very numbers of mu)."""
    return torch.Generator().manual_seed(seed + 7919)


def encode(seed):
    return torch.rand(4, 1, 28, 28, generator=_rng(seed))


def decode(seed):
    return torch.randn(5, LATENT, generator=_rng(seed)) * 3


def forward(seed):
    return torch.rand(3, 1, 28, 28, generator=_rng(seed))


def kl(seed):
    g = _rng(seed)
    return torch.randn(4, 5, generator=g), torch.randn(4, 5, generator=g)


def reparam(seed):
    """Many draws of codes the model itself makes (N, LATENT), so the noise scale can be measured;
    log-variances around -0.5."""
    g = _rng(seed)
    return torch.randn(2000, LATENT, generator=g), torch.rand(2000, LATENT, generator=g) * 2 - 1.5


def _loss_draws(seed):
    g = _rng(seed)
    x = torch.rand(3, 784, generator=g)
    x_hat = torch.rand(3, 784, generator=g) * 0.9 + 0.05
    mu, logvar = torch.randn(3, 6, generator=g), torch.randn(3, 6, generator=g) * 0.5
    return x_hat, x, mu, logvar, torch.randn(3, 784, generator=g) * 3


def loss(seed):
    """(x_hat, x, mu, logvar): reconstructions away from 0 and 1, so the BCE is finite (and
    legal input for a with-logits loss too)."""
    return _loss_draws(seed)[:4]


def loss_logits(seed):
    """(logits, x, mu, logvar): loss()'s batch with decoder logits in place of x_hat, most of them
    outside [0, 1]. A with-logits loss is finite on them; a BCE on probabilities raises or gives NaN."""
    x_hat, x, mu, logvar, logits = _loss_draws(seed)
    return logits, x, mu, logvar


# the loss probe's batch (3 x 784 pixels, 6 latent dims): a sum, or a mean over the batch, the latent
# dims, both, the pixels or every element
REDUCTIONS = (1, 1 / 3, 1 / 6, 1 / 18, 1 / 784, 1 / 2352)


def reads_logits(on_probs: float, on_logits: float, seed) -> bool:
    """Whether a vae_loss treats x_hat as logits (BCE with logits), in whatever reduction, from its
    values on loss()'s batch and on loss_logits()'s (same x, mu and logvar, so the KL, right or
    wrong, cancels in the difference, which must be the BCE-with-logits difference times one of the
    reductions). A BCE on probabilities raises or gives NaN on logits (or, clamped, another number).
    The one rule: the training probe picks its network's form by it, the judges the pair's."""
    if not (math.isfinite(on_probs) and math.isfinite(on_logits)):
        return False
    x_hat, x, _, _, logits = (t.double() for t in _loss_draws(seed))
    bce = F.binary_cross_entropy_with_logits
    diff = float(bce(logits, x, reduction="sum") - bce(x_hat, x, reduction="sum"))
    noise = 8 * torch.finfo(torch.float32).eps * max(abs(on_probs), abs(on_logits))  # float32 sums' rounding
    return any(abs(on_logits - on_probs - diff * c) <= max(1e-3 * abs(diff * c), noise) for c in REDUCTIONS)


INTERPOLATION_STEPS = 7


def interpolate(seed):
    g = _rng(seed)
    return torch.rand(1, 28, 28, generator=g), torch.rand(1, 28, 28, generator=g)


def training_batches(seed):
    """The minibatch indices of the training probe (and of the reference run it is measured against)."""
    g = _rng(seed)
    return [torch.randint(0, TRAIN["train"], (TRAIN["batch"],), generator=g) for _ in range(TRAIN["steps"])]


class TrainVAE(nn.Module):
    """The VAE the training probe trains with the student's vae_loss. Only its parameters leave
    the jail: the judge rebuilds it and measures the held-out -ELBO outside. Its decoder returns
    Bernoulli means, or logits when the student's loss reads x_hat as logits (both are the contract's)."""

    def __init__(self, logits=False):
        super().__init__()
        hidden = TRAIN["hidden"]
        self.enc, self.mu, self.logvar = nn.Linear(784, hidden), nn.Linear(hidden, LATENT), nn.Linear(hidden, LATENT)
        self.dec1, self.dec2 = nn.Linear(LATENT, hidden), nn.Linear(hidden, 784)
        self.logits = logits

    def encode(self, x):
        h = F.relu(self.enc(x.reshape(x.shape[0], 784)))
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        out = self.dec2(F.relu(self.dec1(z)))
        return out if self.logits else torch.sigmoid(out)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)), mu, logvar
