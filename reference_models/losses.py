"""Every loss of the unit, in one place, in the study guide's notation.

Reductions follow the labs: reconstruction terms and KL are *summed* over pixels/latent dims and
over the batch unless stated; GAN losses are batch *means*. The question bank (issue 1) and the lab
grader (issue 4) call these same functions, so one definition is the ground truth everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

# --- autoencoders ------------------------------------------------------------------------------


def ae_mse(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""L_AE = E_x ||x - \hat x||^2: squared error summed over pixels, averaged over the batch."""
    return (x_hat - x).pow(2).flatten(1).sum(1).mean()


def bernoulli_nll(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""-log p_θ(x|z) for a Bernoulli decoder: -Σ_i [x_i log \hat x_i + (1-x_i) log(1-\hat x_i)].

    Summed over pixels and batch (the lab's BCE with reduction='sum').
    """
    return F.binary_cross_entropy(x_hat.flatten(1), x.flatten(1), reduction="sum")


def gaussian_nll(x_hat: torch.Tensor, x: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    r"""-log N(x | \hat x, σ² I) = ||x - \hat x||² / (2σ²) + (D/2) log(2πσ²), summed over the batch."""
    d = x[0].numel()
    sq = (x_hat - x).pow(2).flatten(1).sum(1)
    return (sq / (2 * sigma**2) + 0.5 * d * math.log(2 * math.pi * sigma**2)).sum()


# --- VAE ---------------------------------------------------------------------------------------


def kl_diag_gaussian(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""D_KL(N(μ, diag σ²) || N(0, I)) = -½ Σ_i (1 + log σ_i² - μ_i² - σ_i²), summed over dims and batch."""
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def negative_elbo(x_hat, x, mu, logvar, beta: float = 1.0, likelihood: str = "bernoulli"):
    r"""-ELBO_β = -E_q[log p_θ(x|z)] + β · D_KL(q_φ(z|x) || p(z)), summed over the batch.

    β = 1 is the VAE loss of Section 4.4; β > 1 is the β-VAE. Returns (loss, reconstruction, kl).
    """
    recon = bernoulli_nll(x_hat, x) if likelihood == "bernoulli" else gaussian_nll(x_hat, x)
    kl = kl_diag_gaussian(mu, logvar)
    return recon + beta * kl, recon, kl


def iwae_log_likelihood(log_px_given_z, log_pz, log_qz):
    r"""log p(x) ≈ log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q (tensors of shape (K, N)).

    The importance-weighted bound: tighter than the ELBO, equal to it at K = 1.
    """
    log_w = log_px_given_z + log_pz - log_qz
    return torch.logsumexp(log_w, dim=0) - math.log(log_w.shape[0])


def log_normal(z, mu=None, logvar=None):
    """log N(z | μ, diag σ²) summed over the last dim (standard normal when μ, logvar are None)."""
    if mu is None:
        return -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(-1)
    return -0.5 * ((z - mu).pow(2) / logvar.exp() + logvar + math.log(2 * math.pi)).sum(-1)


# --- GAN ---------------------------------------------------------------------------------------
_EPS = 1e-12


def discriminator_loss(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    r"""L_D = -E_x[log D(x)] - E_z[log(1 - D(G(z)))] = -V(D, G), on probabilities."""
    return -(torch.log(d_real.clamp_min(_EPS)).mean() + torch.log((1 - d_fake).clamp_min(_EPS)).mean())


def discriminator_loss_logits(real_logits, fake_logits, real_label: float = 1.0):
    """The same loss from logits (numerically stable); `real_label` < 1 is one-sided label smoothing."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def generator_loss_saturating(d_fake: torch.Tensor) -> torch.Tensor:
    r"""L_G^sat = E_z[log(1 - D(G(z)))] (minimized by G): gradients vanish when D(G(z)) ≈ 0."""
    return torch.log((1 - d_fake).clamp_min(_EPS)).mean()


def generator_loss_nonsaturating(d_fake: torch.Tensor) -> torch.Tensor:
    r"""L_G^ns = -E_z[log D(G(z))]: same fixed point, strong gradients early in training."""
    return -torch.log(d_fake.clamp_min(_EPS)).mean()


def generator_loss_saturating_logits(fake_logits):
    """log(1 - σ(a)) = -softplus(a), averaged."""
    return -F.softplus(fake_logits).mean()


def generator_loss_nonsaturating_logits(fake_logits):
    """-log σ(a) = softplus(-a), averaged."""
    return F.softplus(-fake_logits).mean()


def lsgan_discriminator_loss(d_real, d_fake, a: float = 0.0, b: float = 1.0):
    """LSGAN: ½ E[(D(x) - b)²] + ½ E[(D(G(z)) - a)²]."""
    return 0.5 * (d_real - b).pow(2).mean() + 0.5 * (d_fake - a).pow(2).mean()


def lsgan_generator_loss(d_fake, c: float = 1.0):
    """LSGAN: ½ E[(D(G(z)) - c)²]."""
    return 0.5 * (d_fake - c).pow(2).mean()


def wgan_critic_loss(critic_real, critic_fake):
    """Critic loss E[D(G(z))] - E[D(x)] (the negative Wasserstein estimate)."""
    return critic_fake.mean() - critic_real.mean()


def wgan_generator_loss(critic_fake):
    """Generator loss -E[D(G(z))]: raise the critic's score of the samples."""
    return -critic_fake.mean()


def gradient_penalty(critic, real, fake, weight: float = 10.0, labels=None):
    r"""λ E[(||∇_{\hat x} D(\hat x)||₂ - 1)²] at random interpolates \hat x of real and fake."""
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    out = critic(mixed) if labels is None else critic(mixed, labels)
    (grad,) = torch.autograd.grad(out.sum(), mixed, create_graph=True)
    return weight * (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    r"""D*(x) = p_data(x) / (p_data(x) + p_G(x))."""
    return p_data / (p_data + p_g)


def js_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """JS(p || q) = ½ KL(p || m) + ½ KL(q || m), m = (p + q)/2, for discrete distributions (nats)."""
    m = (p + q) / 2

    def kl(a, b):
        mask = a > 0
        return (a[mask] * (a[mask] / b[mask]).log()).sum()

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def gan_value_at_optimum(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    r"""V(D*, G) = Σ_x p_data log D* + p_G log(1 - D*) = -log 4 + 2 JS(p_data || p_G)."""
    d = optimal_discriminator(p_data, p_g)
    real = torch.where(p_data > 0, p_data * torch.log(d.clamp_min(_EPS)), torch.zeros_like(d))
    fake = torch.where(p_g > 0, p_g * torch.log((1 - d).clamp_min(_EPS)), torch.zeros_like(d))
    return real.sum() + fake.sum()


# --- which losses a GAN trains with ---------------------------------------------------------------
@dataclass(frozen=True)
class GanObjective:
    """A GAN's pair of losses on D's raw outputs. `logits`: D outputs the logit of a probability
    (training reports σ of it); `penalty`: the critic's loss adds the gradient penalty."""

    discriminator: Callable  # (d_real, d_fake, real_label) -> loss
    generator: Callable  # d_fake -> loss
    logits: bool
    penalty: bool = False


GAN_OBJECTIVES = {  # a model Config's `loss`
    "ns": GanObjective(discriminator_loss_logits, generator_loss_nonsaturating_logits, logits=True),
    "sat": GanObjective(discriminator_loss_logits, generator_loss_saturating_logits, logits=True),
    "ls": GanObjective(lambda r, f, _: lsgan_discriminator_loss(r, f), lsgan_generator_loss, logits=False),
    "wgan-gp": GanObjective(lambda r, f, _: wgan_critic_loss(r, f), wgan_generator_loss, logits=False, penalty=True),
}


# --- the bank's exact formulas computed by these losses -------------------------------------------
def _kl_from_sigma(mu, sigma):
    return kl_diag_gaussian(mu, 2 * sigma.log())


BANK_FORMULAS = {  # examkit/bank/functions.py name -> the loss here that computes the same number
    "kl_diag_gaussian_logvar": kl_diag_gaussian,  # (μ, log σ²): the VAE lab's form
    "kl_diag_gaussian": _kl_from_sigma,  # (μ, σ): the exam's form
    "js_discrete": js_divergence,
    "gan_value_at_optimum": gan_value_at_optimum,
}
