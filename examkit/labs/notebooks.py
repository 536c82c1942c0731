"""Starter and solution notebooks of the two labs (nbformat). The solutions implement the lab
contract with the same architectures and losses as `reference_models` (dcgan.py, vae.py, losses.py),
and keep the parts of a real notebook the grader must skip: installs, magics, downloads, training."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SETUP = """!pip install -q torch torchvision matplotlib
%matplotlib inline
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt
import torchvision
from torchvision import datasets, transforms"""

DATA = """transform = transforms.ToTensor()
train_set = datasets.MNIST('./data', train=True, download=True, transform=transform)
loader = torch.utils.data.DataLoader(train_set, batch_size=128, shuffle=True)"""

VAE_MODEL = '''class VAE(nn.Module):
    """Encoder -> (mu, logvar); z = mu + sigma * eps; Bernoulli decoder (reference_models/vae.py)."""

    def __init__(self, latent_dim=20):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc_mu = nn.Linear(400, latent_dim)
        self.fc_logvar = nn.Linear(400, latent_dim)
        self.fc3 = nn.Linear(latent_dim, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h = F.relu(self.fc1(x.view(-1, 784)))
        return self.fc_mu(h), self.fc_logvar(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + std * torch.randn_like(std)

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar'''

VAE_FUNCTIONS = '''def kl_divergence(mu, logvar):
    """KL(q || N(0, I)) = -1/2 sum(1 + log sigma^2 - mu^2 - sigma^2), summed over batch and dims."""
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    bce = F.binary_cross_entropy(x_hat.view(-1, 784), x.view(-1, 784), reduction="sum")
    return bce + beta * kl_divergence(mu, logvar)


def sample(model, n):
    with torch.no_grad():
        return model.decode(torch.randn(n, model.fc_mu.out_features))


def interpolate(model, x1, x2, steps=10):
    with torch.no_grad():
        mu1, _ = model.encode(x1.view(1, 784))
        mu2, _ = model.encode(x2.view(1, 784))
        t = torch.linspace(0, 1, steps).unsqueeze(1)
        return model.decode((1 - t) * mu1 + t * mu2)'''

VAE_TRAIN = """model = VAE()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    for x, _ in loader:
        optimizer.zero_grad()
        x_hat, mu, logvar = model(x)
        loss = vae_loss(x_hat, x, mu, logvar)
        loss.backward()
        optimizer.step()
    print(epoch, loss.item())
plt.imshow(sample(model, 1).view(28, 28).numpy(), cmap='gray')"""

GAN_MODELS = '''class Generator(nn.Module):
    """z -> 7x7 -> 14x14 -> 28x28 with transposed convolutions, Tanh output (reference_models/dcgan.py)."""

    def __init__(self, nz=100, ngf=64):
        super().__init__()
        self.nz = nz
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.net(z.view(z.shape[0], self.nz, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, ndf=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, x):
        return self.net(x).view(-1)


def weights_init(m):
    name = m.__class__.__name__
    if name.find('Conv') != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif name.find('BatchNorm') != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)'''

GAN_FUNCTIONS = """criterion = nn.BCELoss()


def discriminator_loss(d_real, d_fake):
    return criterion(d_real, torch.ones_like(d_real)) + criterion(d_fake, torch.zeros_like(d_fake))


def generator_loss(d_fake):
    return criterion(d_fake, torch.ones_like(d_fake))


def train_step(G, D, opt_G, opt_D, real, nz):
    z = torch.randn(real.shape[0], nz, 1, 1)
    fake = G(z)
    opt_D.zero_grad()
    loss_D = discriminator_loss(D(real), D(fake.detach()))
    loss_D.backward()
    opt_D.step()
    opt_G.zero_grad()
    loss_G = generator_loss(D(fake))
    loss_G.backward()
    opt_G.step()
    return loss_D.item(), loss_G.item()"""

GAN_TRAIN = """G, D = Generator(), Discriminator()
G.apply(weights_init); D.apply(weights_init)
opt_G = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
for epoch in range(25):
    for real, _ in loader:
        loss_D, loss_G = train_step(G, D, opt_G, opt_D, real * 2 - 1, 100)
    print(epoch, loss_D, loss_G)"""

STARTER_TODO = {
    "vae": (
        """class VAE(nn.Module):
    def __init__(self, latent_dim=20):
        super().__init__()
        # TODO: encoder layers producing mu and logvar, decoder layers producing 784 values in [0, 1]

    def encode(self, x):
        # TODO: return mu, logvar (x is (N, 1, 28, 28) or (N, 784))
        raise NotImplementedError

    def reparameterize(self, mu, logvar):
        # TODO: z = mu + sigma * eps with eps ~ N(0, I); keep it differentiable
        raise NotImplementedError

    def decode(self, z):
        raise NotImplementedError

    def forward(self, x):
        # TODO: return x_hat, mu, logvar
        raise NotImplementedError""",
        """def kl_divergence(mu, logvar):
    # TODO: closed-form KL(q || N(0, I)), summed over batch and latent dimensions
    raise NotImplementedError


def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    # TODO: BCE summed over pixels and batch, plus beta * KL
    raise NotImplementedError


def sample(model, n):
    # TODO: decode n codes drawn from the prior N(0, I)
    raise NotImplementedError


def interpolate(model, x1, x2, steps=10):
    # TODO: decode `steps` points on the line between the encoder means of x1 and x2 (endpoints included)
    raise NotImplementedError""",
    ),
    "gan": (
        """class Generator(nn.Module):
    def __init__(self, nz=100, ngf=64):
        super().__init__()
        # TODO: transposed convolutions 1x1 -> 7x7 -> 14x14 -> 28x28, BatchNorm + ReLU, Tanh output

    def forward(self, z):
        # TODO: accept z as (N, nz) or (N, nz, 1, 1); return (N, 1, 28, 28) in [-1, 1]
        raise NotImplementedError


class Discriminator(nn.Module):
    def __init__(self, ndf=64):
        super().__init__()
        # TODO: strided convolutions 28 -> 14 -> 7 -> 1, LeakyReLU(0.2), output a probability

    def forward(self, x):
        raise NotImplementedError


def weights_init(m):
    # TODO: conv weights N(0, 0.02); BatchNorm weights N(1, 0.02), biases 0
    pass""",
        """def discriminator_loss(d_real, d_fake):
    # TODO: -mean log D(x) - mean log(1 - D(G(z)))
    raise NotImplementedError


def generator_loss(d_fake):
    # TODO: non-saturating -mean log D(G(z))
    raise NotImplementedError


def train_step(G, D, opt_G, opt_D, real, nz):
    # TODO: one D update on real and detached fakes, then one G update; return (loss_D, loss_G)
    raise NotImplementedError""",
    ),
}

TITLES = {"vae": "Lab 11.2: Variational autoencoder (lab11.2_VAE)", "gan": "Lab 11.1: DCGAN (lab11.1_GAN)"}
FILENAMES = {"vae": "lab11.2_VAE.ipynb", "gan": "lab11.1_GAN.ipynb"}


def solution_cells(lab: str) -> list[str]:
    if lab == "vae":
        return [SETUP, DATA, VAE_MODEL, VAE_FUNCTIONS, VAE_TRAIN]
    return [SETUP, DATA, GAN_MODELS, GAN_FUNCTIONS, GAN_TRAIN]


def notebook(lab: str, solution: bool) -> nbformat.NotebookNode:
    if lab not in TITLES:
        raise ValueError(f"unknown lab {lab!r}: choose vae or gan")
    intro = (
        f"# {TITLES[lab]}\n\nImplement the functions below; the autograder checks each name listed "
        "in the lab contract. Keep the names and signatures."
    )
    if solution:
        cells = solution_cells(lab)
    else:
        model, functions = STARTER_TODO[lab]
        cells = [SETUP, DATA, model, functions, VAE_TRAIN if lab == "vae" else GAN_TRAIN]
    nb = new_notebook(cells=[new_markdown_cell(intro)] + [new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_notebook(lab: str, solution: bool, path) -> str:
    nb = notebook(lab, solution)
    nbformat.write(nb, str(path))
    return str(path)
