"""Reference losses match closed forms and hand-computed values."""

import math

import pytest
import torch

from reference_models import losses


def close(a, b, tol=1e-6):
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))


def test_ae_mse_and_gaussian_nll():
    x = torch.tensor([[0.2, 0.8, 0.5, 0.1]])
    x_hat = torch.tensor([[0.4, 0.5, 0.5, 0.3]])
    sse = 0.2**2 + 0.3**2 + 0 + 0.2**2
    assert close(losses.ae_mse(x_hat, x), sse)
    assert close(losses.gaussian_nll(x_hat, x, sigma=0.5), sse / (2 * 0.25) + 2 * math.log(2 * math.pi * 0.25))


def test_bernoulli_nll_by_hand():
    x = torch.tensor([[1.0, 0.0, 1.0]])
    p = torch.tensor([[0.9, 0.2, 0.6]])
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.6))
    assert close(losses.bernoulli_nll(p, x), expected)


def test_kl_closed_form_and_properties():
    mu = torch.tensor([[0.5, -1.0]])
    sigma = torch.tensor([[0.8, 1.5]])
    logvar = torch.log(sigma**2)
    expected = sum(-0.5 * (1 + math.log(s**2) - m**2 - s**2) for m, s in [(0.5, 0.8), (-1.0, 1.5)])
    assert close(losses.kl_diag_gaussian(mu, logvar), expected)
    assert close(losses.kl_diag_gaussian(torch.zeros(3, 4), torch.zeros(3, 4)), 0.0)
    # Monte Carlo check of the closed form
    torch.manual_seed(0)
    z = mu + sigma * torch.randn(200_000, 2)
    mc = (losses.log_normal(z, mu, logvar) - losses.log_normal(z)).mean()
    assert abs(float(mc) - expected) < 0.02


def test_negative_elbo_with_beta():
    x = torch.tensor([[1.0, 0.0]])
    x_hat = torch.tensor([[0.7, 0.4]])
    mu, logvar = torch.tensor([[1.0]]), torch.tensor([[0.0]])
    loss, recon, kl = losses.negative_elbo(x_hat, x, mu, logvar, beta=4.0)
    assert close(recon, -(math.log(0.7) + math.log(0.6)))
    assert close(kl, 0.5)
    assert close(loss, recon + 4 * 0.5)


def test_iwae_equals_log_mean_weight_and_bounds_elbo():
    log_px = torch.tensor([[-2.0], [-3.0]])
    log_pz = torch.tensor([[-1.0], [-1.0]])
    log_qz = torch.tensor([[-0.5], [-1.5]])
    w = torch.exp(log_px + log_pz - log_qz)
    assert close(losses.iwae_log_likelihood(log_px, log_pz, log_qz)[0], math.log(w.mean()))
    elbo = (log_px + log_pz - log_qz).mean()
    assert float(losses.iwae_log_likelihood(log_px, log_pz, log_qz)[0]) >= float(elbo)


def test_gan_losses_by_hand():
    d_real = torch.tensor([0.9, 0.8])
    d_fake = torch.tensor([0.1, 0.3])
    v = (math.log(0.9) + math.log(0.8)) / 2 + (math.log(0.9) + math.log(0.7)) / 2
    assert close(losses.discriminator_loss(d_real, d_fake), -v)
    assert close(losses.generator_loss_nonsaturating(d_fake), -(math.log(0.1) + math.log(0.3)) / 2)
    assert close(losses.generator_loss_saturating(d_fake), (math.log(0.9) + math.log(0.7)) / 2)
    logits = torch.log(d_fake / (1 - d_fake))
    assert close(losses.generator_loss_nonsaturating_logits(logits), losses.generator_loss_nonsaturating(d_fake))
    assert close(losses.generator_loss_saturating_logits(logits), losses.generator_loss_saturating(d_fake))
    real_logits = torch.log(d_real / (1 - d_real))
    assert close(losses.discriminator_loss_logits(real_logits, logits), -v)


def test_saturating_gradient_vanishes_when_d_wins():
    a = torch.tensor([-6.0], requires_grad=True)  # D(G(z)) = sigmoid(-6) ~ 0.0025
    losses.generator_loss_saturating_logits(a).backward()
    sat = a.grad.abs().item()
    b = torch.tensor([-6.0], requires_grad=True)
    losses.generator_loss_nonsaturating_logits(b).backward()
    assert close(sat, torch.sigmoid(torch.tensor(-6.0)), 1e-5)
    assert close(b.grad.abs().item(), 1 - torch.sigmoid(torch.tensor(-6.0)), 1e-5)


def test_lsgan_and_wgan_losses():
    d_real, d_fake = torch.tensor([0.8, 1.2]), torch.tensor([0.1, -0.3])
    assert close(losses.lsgan_discriminator_loss(d_real, d_fake), 0.5 * (0.04 + 0.04) / 2 + 0.5 * (0.01 + 0.09) / 2)
    assert close(losses.lsgan_generator_loss(d_fake), 0.5 * (0.81 + 1.69) / 2)
    assert close(losses.wgan_critic_loss(d_real, d_fake), -0.1 - 1.0)


def test_gradient_penalty_of_a_linear_critic():
    w = torch.tensor([3.0, 4.0])  # ||grad|| = 5 everywhere
    critic = lambda x: x @ w  # noqa: E731
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    assert close(losses.gradient_penalty(critic, real, fake, weight=10.0), 10 * (5 - 1) ** 2)


def test_optimal_discriminator_and_js_identity():
    p = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    q = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64)
    assert torch.allclose(losses.optimal_discriminator(p, q), p / (p + q))
    value = losses.gan_value_at_optimum(p, q)
    assert close(value, -math.log(4) + 2 * losses.js_divergence(p, q), 1e-12)
    assert close(losses.gan_value_at_optimum(p, p), -math.log(4), 1e-12)
    assert close(losses.js_divergence(p, p), 0.0)
    disjoint = losses.js_divergence(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]))
    assert close(disjoint, math.log(2))


def _t(values):
    return torch.tensor([float(v) for v in values], dtype=torch.float64)


# Sample inputs for every pair of losses.BANK_FORMULAS: the bank's exact closed form and the torch
# loss the reference models train with must give one number. Edge cases (a standard normal, disjoint
# supports, a zero density) are where two codings of a formula part ways.
FORMULA_SAMPLES = [
    ("kl_diag_gaussian_logvar", ([0.3, -1.2], [0.5, -0.7])),
    ("kl_diag_gaussian_logvar", ([1], [0])),
    ("kl_diag_gaussian", ([0.5, -2], [0.8, 1.5])),
    ("js_discrete", ([0.5, 0.25, 0.25], [0.1, 0.6, 0.3])),
    ("js_discrete", ([1, 0], [0, 1])),
    ("gan_value_at_optimum", ([0.5, 0.5, 0], [0.2, 0.3, 0.5])),
]


@pytest.mark.parametrize("name,args", FORMULA_SAMPLES)
def test_bank_formulas_agree_with_reference_losses(name, args):
    import sympy as sp

    from examkit.bank import functions

    exact = getattr(functions, name)(*[[sp.nsimplify(v) for v in arg] for arg in args])
    assert close(float(exact), losses.BANK_FORMULAS[name](*map(_t, args)), 1e-9), name


def test_every_bank_loss_formula_has_its_torch_twin_and_a_sample():
    """A divergence or GAN value added to the bank must be paired with its loss and sampled above."""
    from examkit.bank import functions

    losses_in_bank = {n for n in functions.FUNCTIONS if n.startswith(("kl_diag", "js_", "gan_"))}
    assert set(losses.BANK_FORMULAS) == losses_in_bank
    assert {name for name, _ in FORMULA_SAMPLES} == losses_in_bank


def test_every_gan_config_trains_with_a_loss_of_the_table():
    """train_gan picks a GAN's losses from losses.GAN_OBJECTIVES only: every model's loss is there,
    and the logit losses report D as a probability."""
    from reference_models import cgan, dcgan, gan, lsgan, stylegan_mini, wgan_gp

    for model in (gan, dcgan, cgan, lsgan, wgan_gp, stylegan_mini):
        assert model.Config().loss in losses.GAN_OBJECTIVES, model.__name__
    assert {k for k, o in losses.GAN_OBJECTIVES.items() if o.logits} == {"ns", "sat"}
    assert [k for k, o in losses.GAN_OBJECTIVES.items() if o.penalty] == ["wgan-gp"]
    d_real, d_fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, 3.0])
    assert close(losses.GAN_OBJECTIVES["wgan-gp"].discriminator(d_real, d_fake, 1.0), 1.25)
    assert close(losses.GAN_OBJECTIVES["wgan-gp"].generator(d_fake), -1.75)
