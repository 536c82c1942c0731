"""Evaluation: ELBO terms and IWAE for VAEs, VEEGAN mode counts on mixtures, and for images the
Fréchet distance, an Inception-style score and within-class diversity on a feature net matched to
the data (`classifier.net_for`).

Every number says what it is measured against: each Fréchet distance comes with the real-vs-real
floor (held-out real images against the same reference) and its spread over evaluation z draws.
Image batches carry their value range explicitly ("01" or "pm1"); nothing is guessed from pixels.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import torch
from scipy import linalg

from . import losses
from .classifier import FeatureUnavailable, digits_net, net_for

ACTIVE_DIM_NATS = 0.1  # a latent dimension is "active" when its KL exceeds this (nats per image)
Z_DRAWS = 5  # evaluation draws behind the FD spread
MAX_EVAL = 2000  # images per FD: the held-out set's size, at most this


@torch.no_grad()
def vae_terms(model, x, beta: float = 1.0) -> dict:
    """Per-image −ELBO (β = 1, the bound on −log p(x)), the training objective (β-weighted),
    reconstruction NLL and KL on `x` (one posterior sample, seeded by the caller)."""
    x_hat, mu, logvar = model(x)
    _, recon, kl = losses.negative_elbo(x_hat, x, mu, logvar)
    n = len(x)
    per_dim = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).mean(0).tolist()
    return {
        "neg_elbo": (recon + kl).item() / n,
        "objective": (recon + beta * kl).item() / n,
        "recon_nll": recon.item() / n,
        "kl": kl.item() / n,
        "kl_per_dim": per_dim,
        "active_dims": sum(k > ACTIVE_DIM_NATS for k in per_dim),
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
def mode_coverage(samples: torch.Tensor, centers: torch.Tensor, std: float, radius_in_std: float = 3.0) -> dict:
    """VEEGAN's measures on a Gaussian mixture.

    A sample is high quality when it lies within `radius_in_std` standard deviations of its nearest
    mode; a mode is covered when at least one high-quality sample is its own. `mode_kl` is PacGAN's
    KL(covered-mode histogram of high-quality samples || uniform): 0 when every mode gets its share
    (None when no sample is of high quality).
    """
    dist = torch.cdist(samples.float(), centers.float())
    nearest = dist.min(1)
    good = nearest.values <= radius_in_std * std
    counts = torch.bincount(nearest.indices[good], minlength=len(centers))
    shares = counts.double() / max(1, int(counts.sum()))
    kl = float((shares[shares > 0] * (shares[shares > 0] * len(centers)).log()).sum()) if counts.sum() else None
    return {
        "modes_covered": int((counts > 0).sum()),
        "modes_total": len(centers),
        "high_quality_share": good.float().mean().item(),
        "mode_kl": kl,
        "counts": counts.tolist(),
    }


def frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray) -> float:
    """||μ_a - μ_b||² + tr(Σ_a + Σ_b - 2 (Σ_a Σ_b)^{1/2}), the FID formula on feature-net features."""
    mu_a, mu_b = feats_a.mean(0), feats_b.mean(0)
    eye = np.eye(feats_a.shape[1]) * 1e-6  # ReLU features can leave the covariances singular
    cov_a, cov_b = np.cov(feats_a, rowvar=False) + eye, np.cov(feats_b, rowvar=False) + eye
    covmean = linalg.sqrtm(cov_a @ cov_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean))


@torch.no_grad()
def digits_features(images: torch.Tensor, value_range: str) -> np.ndarray:
    """Features of the bundled digits' feature net (what the lab grader's Fréchet distances use)."""
    return digits_net().embed(images, value_range).double().numpy()


def inception_score(probs: np.ndarray) -> float:
    """exp E_x KL(p(y|x) || p(y)): high when each image is confidently one class and classes vary."""
    marginal = probs.mean(0, keepdims=True)
    kl = (probs * (np.log(probs + 1e-12) - np.log(marginal + 1e-12))).sum(1)
    return float(math.exp(kl.mean()))


def _mean_pairwise(feats: np.ndarray) -> float:
    sq = (feats**2).sum(1)
    d = np.sqrt(np.maximum(sq[:, None] - 2 * feats @ feats.T + sq[None, :], 0))
    n = len(feats)
    return float(d.sum() / (n * (n - 1)))


def within_class_diversity(feats, classes, real_feats, real_classes, n_classes: int = 10) -> float:
    """Mean over classes of (mean pairwise feature distance of generated images of the class) /
    (the same for real images of the class); a class with fewer than two generated images counts 0.
    1 = as varied as the data; a generator that draws one image per class scores near 0."""
    ratios = []
    for c in range(n_classes):
        real = real_feats[real_classes == c]
        if len(real) < 2:
            continue
        gen = feats[classes == c]
        ratios.append(_mean_pairwise(gen) / _mean_pairwise(real) if len(gen) >= 2 else 0.0)
    return float(np.mean(ratios)) if ratios else float("nan")


class ImageEvaluator:
    """Scores generated images of one data set against its training images (the reference), with
    the held-out real images as the floor any generator is compared with."""

    def __init__(self, ds):
        self.net = net_for(ds)  # raises FeatureUnavailable for unlabelled IDX data
        self.value_range = ds.value_range
        self.n = min(MAX_EVAL, len(ds.x_test))
        self.reference, _ = self._features(ds.x_train)
        self.reference_classes = ds.y_train.numpy()
        held_out, _ = self._features(ds.x_test[: self.n])
        self.floor = frechet_distance(held_out, self.reference)

    @torch.no_grad()
    def _features(self, images, value_range=None):
        feats, probs = [], []
        for start in range(0, len(images), 1000):
            f = self.net.embed(images[start : start + 1000], value_range or self.value_range)
            feats.append(f)
            probs.append(torch.softmax(self.net.head(f), 1))
        return torch.cat(feats).double().numpy(), torch.cat(probs).double().numpy()

    def frechet(self, images, value_range=None) -> float:
        return frechet_distance(self._features(images, value_range)[0], self.reference)

    def scores(self, draw, labels=None) -> dict:
        """`draw(n)` returns n generated images (a fresh z each call); `labels`: their conditioning
        labels (cGAN), else each image's class is the feature net's guess."""
        first = draw(self.n)
        feats, probs = self._features(first)
        fds = [frechet_distance(feats, self.reference)] + [self.frechet(draw(self.n)) for _ in range(Z_DRAWS - 1)]
        classes = labels[: self.n].numpy() if labels is not None else probs.argmax(1)
        return {
            "frechet_distance": statistics.fmean(fds),
            "frechet_distance_sd_over_z": statistics.stdev(fds),
            "frechet_distance_real_floor": self.floor,
            "inception_score": inception_score(probs),
            "within_class_diversity": within_class_diversity(feats, classes, self.reference, self.reference_classes),
            "classes_generated": int(len(set(probs.argmax(1).tolist()))),
            "feature_net_accuracy": self.net.held_out_accuracy,
        }

    @torch.no_grad()
    def label_accuracy(self, images, labels) -> float:
        """Share of images the feature net assigns to their conditioning label."""
        return (self.net(images, self.value_range).argmax(1) == labels).float().mean().item()


def image_evaluator(ds):
    """An ImageEvaluator, or None with the reason when no feature net matches the data."""
    try:
        return ImageEvaluator(ds), None
    except FeatureUnavailable as exc:
        return None, str(exc)
