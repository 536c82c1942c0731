"""Evaluation: ELBO terms and IWAE for VAEs, mode coverage on mixtures, Fréchet distance and an
Inception-style score with the in-package digits classifier."""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import linalg

from . import losses
from .classifier import trained_classifier


@torch.no_grad()
def vae_terms(model, x, beta: float = 1.0) -> dict:
    """Per-image negative ELBO, reconstruction NLL and KL on `x` (one posterior sample, seeded by caller)."""
    x_hat, mu, logvar = model(x)
    loss, recon, kl = losses.negative_elbo(x_hat, x, mu, logvar, beta)
    n = len(x)
    return {
        "neg_elbo": loss.item() / n,
        "recon_nll": recon.item() / n,
        "kl": kl.item() / n,
        "kl_per_dim": (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).mean(0).tolist(),
    }


@torch.no_grad()
def iwae_log_likelihood(model, x, k: int = 100, chunk: int = 256) -> float:
    """Mean IWAE estimate of log p(x) (nats per image) with k importance samples."""
    total = 0.0
    for start in range(0, len(x), chunk):
        xb = x[start : start + chunk]
        mu, logvar = model.encode(xb)
        z = mu + torch.exp(0.5 * logvar) * torch.randn(k, *mu.shape)
        x_hat = model.decode(z.flatten(0, 1)).view(k, len(xb), -1).clamp(1e-6, 1 - 1e-6)
        target = xb.flatten(1).unsqueeze(0)
        log_px = (target * x_hat.log() + (1 - target) * (1 - x_hat).log()).sum(-1)
        estimate = losses.iwae_log_likelihood(log_px, losses.log_normal(z), losses.log_normal(z, mu, logvar))
        total += estimate.sum().item()
    return total / len(x)


@torch.no_grad()
def mode_coverage(
    samples: torch.Tensor, centers: torch.Tensor, std: float, radius_in_std: float = 3.0, min_share: float = 0.008
) -> dict:
    """Modes covered and share of high-quality samples on a Gaussian mixture.

    A sample is high quality when it lies within `radius_in_std` standard deviations of its nearest
    mode (VEEGAN's rule); a mode is covered when at least `min_share` of all samples are high-quality
    samples of that mode (PacGAN's rule: a mode is lost with fewer than 20 of 2,500 samples).
    """
    dist = torch.cdist(samples.float(), centers.float())
    nearest = dist.min(1)
    good = nearest.values <= radius_in_std * std
    counts = torch.bincount(nearest.indices[good], minlength=len(centers))
    covered = int((counts >= min_share * len(samples)).sum())
    spread = (samples - samples.mean(0)).norm(dim=1).mean().item()
    return {
        "modes_covered": covered,
        "modes_total": len(centers),
        "high_quality_share": good.float().mean().item(),
        "counts": counts.tolist(),
        "sample_spread": spread,
    }


@torch.no_grad()
def classifier_features(images: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    model = trained_classifier()
    feats = model.embed(images)
    probs = torch.softmax(model.head(feats), 1)
    return feats.double().numpy(), probs.double().numpy()


def frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray) -> float:
    """||μ_a - μ_b||² + tr(Σ_a + Σ_b - 2 (Σ_a Σ_b)^{1/2}), the FID formula on classifier features."""
    mu_a, mu_b = feats_a.mean(0), feats_b.mean(0)
    eye = np.eye(feats_a.shape[1]) * 1e-6  # ReLU features can leave the covariances singular
    cov_a, cov_b = np.cov(feats_a, rowvar=False) + eye, np.cov(feats_b, rowvar=False) + eye
    covmean = linalg.sqrtm(cov_a @ cov_b)
    covmean = covmean.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean))


def inception_score(probs: np.ndarray) -> float:
    """exp E_x KL(p(y|x) || p(y)): high when each image is confidently one class and classes vary."""
    marginal = probs.mean(0, keepdims=True)
    kl = (probs * (np.log(probs + 1e-12) - np.log(marginal + 1e-12))).sum(1)
    return float(math.exp(kl.mean()))


def image_scores(generated: torch.Tensor, reference: torch.Tensor) -> dict:
    """Fréchet distance to `reference` images and Inception-style score of `generated`."""
    fg, pg = classifier_features(generated)
    fr, _ = classifier_features(reference)
    return {"frechet_distance": frechet_distance(fg, fr), "inception_score": inception_score(pg)}


@torch.no_grad()
def label_accuracy(images: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of images the classifier assigns to their conditioning label."""
    return (trained_classifier()(images).argmax(1) == labels).float().mean().item()
