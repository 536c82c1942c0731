"""The GAN lab's probe inputs and fixed networks, all drawn from the assignment's seed: probes.py
hands them to the student's code in the jail; judges.py recomputes from the same ones (and from
the parameters the student's train_step left) what D and G do. Nothing a check scores is computed
in the student's process: the networks here are the lab's own, so the judge can rebuild them."""

import torch
import torch.nn as nn

NZ = 100
# The probes build the student's DCGAN at a quarter of dcgan.Config's width (64): the same
# architecture, cheaper to run.
WIDTH = 16
# The training probe: the student's train_step trains TrainG and TrainD (an MLP GAN: the reference
# loop takes their samples' Fréchet distance to the digits from about 1820 to 1420 in 60 steps).
TRAIN = {"steps": 60, "batch": 32, "lr": 1e-3, "betas": (0.5, 0.999), "digits": 1024, "samples": 200, "hidden": 128}
# step sizes chosen so one D step moves D(x) by about 0.2 (no saturation) and one G step visibly moves D(G(z))
TINY_LR = {"G": 0.5, "D": 1e-3}
TINY_PIXELS = 784


def _rng(seed: int) -> torch.Generator:
    """A stream of the inputs' own: the probes seed torch's global RNG with `seed` for the student's
    code, whose noise must not repeat the inputs (randn_like drawing the very numbers of mu)."""
    return torch.Generator().manual_seed(seed + 7919)


def generator(seed):
    return torch.randn(4, NZ, generator=_rng(seed))


def discriminator(seed):
    return torch.rand(5, 1, 28, 28, generator=_rng(seed)) * 2 - 1


def losses(seed):
    """(D(x), D(G(z))) probabilities away from 0 and 1."""
    g = _rng(seed)
    return torch.rand(6, generator=g) * 0.8 + 0.1, torch.rand(6, generator=g) * 0.8 + 0.1


def tiny_real(seed):
    """Bright images: far from the tiny generator's dark fakes."""
    return 0.6 + 0.3 * torch.rand(8, 1, 28, 28, generator=_rng(seed))


class TinyG(nn.Module):
    """Dark images (about -0.8) whatever z is: only the bias learns, so what a G step does to
    D(G(z)) does not depend on the z the student's code draws, and the judge can recompute it."""

    def __init__(self, nz=NZ):
        super().__init__()
        self.bias = nn.Parameter(torch.full((TINY_PIXELS,), -1.1))

    def forward(self, z):
        return fake_images(self.bias, z.shape[0])


class TinyD(nn.Module):
    """A logistic regression on pixels, returning (N,) or, like many students' discriminators, (N, 1)."""

    def __init__(self, column=False):
        super().__init__()
        self.fc = nn.Linear(TINY_PIXELS, 1)
        self.column = column

    def forward(self, x):
        out = d_probabilities(self.fc.weight, self.fc.bias, x)
        return out.view(-1, 1) if self.column else out


def fake_images(g_bias, n):
    return torch.tanh(g_bias).expand(n, TINY_PIXELS).reshape(n, 1, 28, 28)


def d_probabilities(weight, bias, x):
    return torch.sigmoid(x.reshape(x.shape[0], -1) @ weight.reshape(-1) + bias.reshape(()))


def unpack(vector):
    """A flat parameter vector [G's bias, D's weight, D's bias] as tensors (the judge's side)."""
    v = torch.as_tensor(vector, dtype=torch.float64)
    return v[:TINY_PIXELS], v[TINY_PIXELS : 2 * TINY_PIXELS], v[2 * TINY_PIXELS]


class TrainG(nn.Module):
    """The generator the training probe trains with the student's train_step. Only its parameters
    leave the jail: the judge rebuilds it and draws its samples outside, from codes the jail never
    sees. Noise may come as (N, nz) or (N, nz, 1, 1), as the contract allows."""

    def __init__(self):
        super().__init__()
        hidden = TRAIN["hidden"]
        self.net = nn.Sequential(nn.Linear(NZ, hidden), nn.ReLU(), nn.Linear(hidden, TINY_PIXELS), nn.Tanh())

    def forward(self, z):
        return self.net(z.reshape(z.shape[0], NZ)).view(-1, 1, 28, 28)


class TrainD(nn.Module):
    """Its discriminator: probabilities, as (N,) or, like many students' discriminators, (N, 1)."""

    def __init__(self, column=False):
        super().__init__()
        hidden = TRAIN["hidden"]
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(TINY_PIXELS, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1), nn.Sigmoid()
        )
        self.column = column

    def forward(self, x):
        out = self.net(x)
        return out if self.column else out.view(-1)


def training_batches(seed):
    """The training probe's minibatch indices (the reference run uses the same)."""
    g = _rng(seed)
    return [torch.randint(0, TRAIN["digits"], (TRAIN["batch"],), generator=g) for _ in range(TRAIN["steps"])]
