"""The VAE lab's cells: the starter's TODOs, and a solution made of reference_models' VAE and losses."""

from reference_models import losses
from reference_models.vae import VAE

from ..notebook import source

TRAIN = """model = VAE()
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

SOLUTION_FUNCTIONS = """kl_divergence = kl_diag_gaussian


def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    \"\"\"-ELBO_beta = summed BCE + beta * KL (reference_models.losses.negative_elbo).\"\"\"
    return bernoulli_nll(x_hat, x) + beta * kl_diag_gaussian(mu, logvar)


def sample(model, n):
    model.eval()
    with torch.no_grad():
        return model.decode(torch.randn(n, model.latent_dim))


def interpolate(model, x1, x2, steps=10):
    model.eval()
    with torch.no_grad():
        mu1, _ = model.encode(x1.reshape(1, -1))
        mu2, _ = model.encode(x2.reshape(1, -1))
        t = torch.linspace(0, 1, steps).unsqueeze(1)
        return model.decode((1 - t) * mu1 + t * mu2)"""

STARTER_MODEL, STARTER_FUNCTIONS = (
    """class VAE(nn.Module):
    def __init__(self, latent_dim=20):
        super().__init__()
        # TODO: encoder layers producing mu and logvar, decoder layers producing 784 values in [0, 1]
        # (or 784 logits, if vae_loss uses F.binary_cross_entropy_with_logits: then sample and
        # interpolate apply torch.sigmoid, so that they still return images in [0, 1])

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
)


def cells(solution: bool) -> list[str]:
    if not solution:
        return [STARTER_MODEL, STARTER_FUNCTIONS, TRAIN]
    model = source(VAE, note="reference_models/vae.py")
    functions = source(losses.bernoulli_nll, losses.kl_diag_gaussian, note="reference_models/losses.py")
    return [model, functions + "\n\n\n" + SOLUTION_FUNCTIONS, TRAIN]
