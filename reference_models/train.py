"""Seeded training loops: one for the autoencoder family, one for every GAN variant.

Same seed, same machine: bit-identical weights and metrics (deterministic algorithms, a fixed
thread count, every random draw from torch's seeded generator).
"""

from __future__ import annotations

import random

import numpy as np
import torch

from . import losses

THREADS = 1  # tiny models run fastest on one thread; conv models may pass more


def adam(parameters, **settings) -> torch.optim.Adam:
    """Adam updating all of a network's tensors in one call (`foreach`): on a CPU the same arithmetic
    as the default per-tensor loop, bit for bit, without its Python overhead (a fifth of a small
    GAN's step)."""
    return torch.optim.Adam(parameters, foreach=True, **settings)


def seed_everything(seed: int, threads: int = THREADS):
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)


def _batches(n: int, batch_size: int):
    order = torch.randperm(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def train_autoencoder(model, x_train, config, *, variational: bool, progress=None) -> list[dict]:
    """AE: minimize E||x - x̂||². VAE: minimize -E_q log p(x|z) + β_t KL with β_t warming up linearly
    over `config.anneal_epochs` (0 = no annealing); with `config.binarize == "dynamic"` every batch
    is a fresh Bernoulli draw of the grey levels. Returns per-epoch averages per image."""
    opt = adam(model.parameters(), lr=config.lr)
    history = []
    anneal = getattr(config, "anneal_epochs", 0)
    dynamic = getattr(config, "binarize", "none") == "dynamic"
    for epoch in range(config.epochs):
        model.train()
        weight = config.beta * min(1.0, (epoch + 1) / anneal) if anneal else getattr(config, "beta", 1.0)
        sums = {"loss": 0.0, "recon": 0.0, "kl": 0.0}
        for idx in _batches(len(x_train), config.batch_size):
            x = torch.bernoulli(x_train[idx]) if dynamic else x_train[idx]
            opt.zero_grad()
            if variational:
                x_hat, mu, logvar = model(x)
                loss, recon, kl = losses.negative_elbo(x_hat, x, mu, logvar, weight)
                (loss / len(x)).backward()
                sums["recon"] += recon.item()
                sums["kl"] += kl.item()
            else:
                x_hat, _ = model(x)
                loss = losses.ae_mse(x_hat, x)
                loss.backward()
                loss = loss * len(x)
                sums["recon"] += loss.item()
            opt.step()
            sums["loss"] += loss.item()
        history.append({"epoch": epoch + 1, "beta": weight, **{k: v / len(x_train) for k, v in sums.items()}})
        if progress:
            progress()
    model.eval()
    return history


def train_gan(
    generator,
    discriminator,
    sample_real,
    steps: int,
    config,
    *,
    real_label: float = 1.0,
    conditional: bool = False,
    log_every: int = 10,
    snapshot=None,
    snapshot_every: int = 0,
    progress=None,
) -> list[dict]:
    """Alternate D (or critic) and G updates.

    `config` (a model's Config) gives the loss: "ns" (non-saturating), "sat" (saturating minimax),
    "ls" (least squares) or "wgan-gp"; the learning rates, Adam's betas, batch size and n_critic.
    `sample_real(n)` returns (x, y); with `conditional`, G gets (z, y) and D gets (x, y).
    Logged: D and G losses, mean D(x) and D(G(z)) (probabilities for the logit losses), and the
    norm of the gradient that reaches G's parameters (vanishing gradients show up here).
    """
    objective, batch_size = losses.GAN_OBJECTIVES[config.loss], config.batch_size
    opt_g = adam(generator.parameters(), lr=config.lr_g, betas=tuple(config.betas))
    opt_d = adam(discriminator.parameters(), lr=config.lr_d, betas=tuple(config.betas))
    history = []

    def fake_batch(n, y):
        z = torch.randn(n, generator.z_dim)
        return generator(z, y) if conditional else generator(z)

    def critic(x, y):
        return discriminator(x, y) if conditional else discriminator(x)

    for step in range(1, steps + 1):
        for _ in range(config.n_critic):
            real, y = sample_real(batch_size)
            with torch.no_grad():  # D's step needs no graph through G (the same numbers, less work)
                fake = fake_batch(batch_size, y)
            d_real, d_fake = critic(real, y), critic(fake, y)
            loss_d = objective.discriminator(d_real, d_fake, real_label)
            if objective.penalty:
                loss_d = loss_d + losses.gradient_penalty(
                    discriminator, real, fake, config.gp_weight, y if conditional else None
                )
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        _, y = sample_real(batch_size)
        d_fake_g = critic(fake_batch(batch_size, y), y)
        loss_g = objective.generator(d_fake_g)
        opt_g.zero_grad()
        loss_g.backward()
        logged = step % log_every == 0 or step == steps
        if logged:  # read before the step moves G; only logged steps need it
            grad_norm = torch.sqrt(sum(p.grad.pow(2).sum() for p in generator.parameters() if p.grad is not None))
        opt_g.step()
        if logged:
            logits = objective.logits
            history.append(
                {
                    "step": step,
                    "loss_d": loss_d.item(),
                    "loss_g": loss_g.item(),
                    "d_real": (torch.sigmoid(d_real) if logits else d_real).mean().item(),
                    "d_fake": (torch.sigmoid(d_fake) if logits else d_fake).mean().item(),
                    "d_accuracy": ((d_real > 0).float().mean().item() + (d_fake < 0).float().mean().item()) / 2
                    if logits
                    else None,
                    "grad_norm_g": grad_norm.item(),
                }
            )
        if snapshot and snapshot_every and (step % snapshot_every == 0 or step == steps):
            snapshot(step)
        if progress:
            progress()
    generator.eval()
    discriminator.eval()
    return history
