"""The GAN lab's cells: the starter's TODOs, and a solution made of reference_models' DCGAN."""

from reference_models import dcgan

from ..notebook import source

TRAIN = """G, D = Generator(), Discriminator()
G.apply(weights_init); D.apply(weights_init)
opt_G = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
for epoch in range(25):
    for real, _ in loader:
        loss_D, loss_G = train_step(G, D, opt_G, opt_D, real * 2 - 1, 100)
    print(epoch, loss_D, loss_G)"""

PROBABILITIES = """LogitDiscriminator = Discriminator


class Discriminator(LogitDiscriminator):
    \"\"\"The lab's D(x) is a probability: the reference discriminator's logit through a sigmoid.\"\"\"

    def forward(self, x):
        return torch.sigmoid(super().forward(x))"""

SOLUTION_FUNCTIONS = """criterion = nn.BCELoss()


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

STARTER_MODEL, STARTER_FUNCTIONS = (
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
)


def cells(solution: bool) -> list[str]:
    if not solution:
        return [STARTER_MODEL, STARTER_FUNCTIONS, TRAIN]
    models = source(dcgan.Generator, dcgan.Discriminator, dcgan.weights_init, note="reference_models/dcgan.py")
    return [models + "\n\n\n" + PROBABILITIES, SOLUTION_FUNCTIONS, TRAIN]
