"""A typical student's complete solution of each lab, in the fc1 / fc_mu / BCELoss style most
submissions share: the text the buggy and styled variants edit (lab_variants.py, lab_styles.py).
The package's own solution notebooks are built from reference_models' source instead."""

from examkit.labs.gan.notebook import SOLUTION_FUNCTIONS as GAN_FUNCTIONS
from examkit.labs.gan.notebook import TRAIN as GAN_TRAIN
from examkit.labs.notebook import DATA, SETUP
from examkit.labs.vae.notebook import TRAIN as VAE_TRAIN

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


def solution_cells(lab: str) -> list[str]:
    if lab == "vae":
        return [SETUP, DATA, VAE_MODEL, VAE_FUNCTIONS, VAE_TRAIN]
    return [SETUP, DATA, GAN_MODELS, GAN_FUNCTIONS, GAN_TRAIN]
