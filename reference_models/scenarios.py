"""Failure scenarios: real, seeded runs whose metrics show a failure and its fix.

They back the question bank's diagnosis questions (each names the template ids it supports) and
give honest figures for exams. `run_all(out)` writes `<out>/<scenario>/` runs plus `scenarios.json`.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import torch

from . import figures, metrics, train
from .ar_vae import ARDecoderVAE
from .runs import MODELS, build_gan, interpolate, load_dataset, run_autoencoder, run_gan
from .vae import VAE


def _gan_run(name, dataset, epochs, out, seed, **changes):
    ds = load_dataset(dataset, "pm1")
    train.seed_everything(seed)
    setup = build_gan(name, ds, changes.pop("loss", None))
    for key, value in changes.items():
        setattr(setup, key, value)
    return run_gan(MODELS[name], ds, epochs, out, setup=setup)


def _late_mean(history, key, share=0.25):
    values = [h[key] for h in history if h.get(key) is not None]
    tail = values[int(len(values) * (1 - share)) :]
    return statistics.fmean(tail)


def mode_collapse(out: Path, seed: int = 0) -> dict:
    """Vanilla GAN whose discriminator learns 10x slower than G collapses on the 8-Gaussians ring;
    WGAN-GP with the same generator covers every mode."""
    collapsed = _gan_run("gan", "gaussians8", 32, out / "vanilla_gan", seed, lr_d=1e-4)["metrics"]
    fixed = _gan_run("wgan_gp", "gaussians8", 32, out / "wgan_gp", seed)["metrics"]
    keys = ("modes_covered", "high_quality_share", "sample_spread")
    return {
        "claim": "vanilla GAN covers <= 3 of 8 modes; WGAN-GP covers 8 of 8",
        "passed": collapsed["modes_covered"] <= 3 and fixed["modes_covered"] == 8,
        "metrics": {"vanilla_gan": {k: collapsed[k] for k in keys}, "wgan_gp": {k: fixed[k] for k in keys}},
        "questions": ["gan-mode-collapse", "mode-collapse-qa", "wgan-gp-penalty"],
    }


def discriminator_overpowers(out: Path, seed: int = 0) -> dict:
    """Saturating loss with D learning 10x faster: D wins and the gradient reaching G vanishes.
    The non-saturating loss under the same imbalance keeps a strong gradient."""
    runs = {}
    for loss in ("sat", "ns"):
        result = _gan_run("gan", "digits", 60, out / f"{loss}_loss", seed, loss=loss, lr_g=1e-4, lr_d=1e-3)
        m = result["metrics"]
        runs[loss] = {
            "d_accuracy": _late_mean(m["history"], "d_accuracy"),
            "d_fake": _late_mean(m["history"], "d_fake"),
            "grad_norm_g": _late_mean(m["history"], "grad_norm_g"),
            "frechet_distance": m["frechet_distance"],
            "frechet_distance_untrained": m["frechet_distance_untrained"],
        }
        figures.loss_curves(
            m["history"],
            ["grad_norm_g"],
            out / f"{loss}_loss" / "figures" / "generator_gradient.png",
            title=f"Gradient norm reaching G ({loss} loss)",
        )
    return {
        "claim": "saturating loss: D accuracy > 95 % and the gradient reaching G < 1/5 of the non-saturating loss's",
        "passed": runs["sat"]["d_accuracy"] > 0.95 and runs["sat"]["grad_norm_g"] < 0.2 * runs["ns"]["grad_norm_g"],
        "metrics": runs,
        "questions": ["gan-d-overpowers", "gan-saturation-gradients", "gan-ns-gradient-derivation"],
    }


ACTIVE_DIM_NATS = 0.1  # a latent dimension is "active" when its KL exceeds this


def _vae_kl(model_cls, ds, epochs, seed, anneal_epochs=0, latent=8):
    train.seed_everything(seed)
    model = model_cls(x_dim=ds.x_train[0].numel(), hidden=128, latent_dim=latent)
    history = train.train_autoencoder(model, ds.x_train, epochs, variational=True, anneal_epochs=anneal_epochs)
    terms = metrics.vae_terms(model, ds.x_test)
    active = sum(k > ACTIVE_DIM_NATS for k in terms["kl_per_dim"])
    return {"kl": terms["kl"], "recon_nll": terms["recon_nll"], "active_dims": active}, history


def kl_collapse(out: Path, seed: int = 0) -> dict:
    """A decoder that sees the previous pixels (autoregressive) models digits without z: KL -> 0.
    The same encoder with an ordinary decoder keeps an informative code."""
    ds = load_dataset("digits", "01")
    strong, history = _vae_kl(ARDecoderVAE, ds, 60, seed)
    plain, plain_history = _vae_kl(VAE, ds, 60, seed)
    out.mkdir(parents=True, exist_ok=True)
    merged = [
        {"epoch": a["epoch"], "kl (autoregressive decoder)": a["kl"], "kl (plain decoder)": b["kl"]}
        for a, b in zip(history, plain_history)
    ]
    figures.loss_curves(
        merged,
        ["kl (autoregressive decoder)", "kl (plain decoder)"],
        out / "figures" / "kl.png",
        title="KL per image during training",
        xkey="epoch",
    )
    return {
        "claim": "autoregressive decoder: KL below a quarter of the plain decoder's, with fewer active dimensions",
        "passed": strong["kl"] < 0.25 * plain["kl"] and strong["active_dims"] < plain["active_dims"],
        "metrics": {"autoregressive_decoder": strong, "plain_decoder": plain},
        "questions": ["vae-kl-collapse", "vae-issues"],
    }


def beta_tradeoff(out: Path, seed: int = 0) -> dict:
    """β = 4 buys a smaller KL with a larger reconstruction error than β = 1."""
    ds = load_dataset("digits", "01")
    runs = {}
    for beta in (1.0, 4.0):
        train.seed_everything(seed)
        m = run_autoencoder(MODELS["vae"], ds, 60, out / f"beta_{beta:g}", beta=beta)["metrics"]
        runs[f"beta_{beta:g}"] = {"recon_nll": m["test_recon_nll"], "kl": m["test_kl"]}
    b1, b4 = runs["beta_1"], runs["beta_4"]
    return {
        "claim": "beta = 4: larger reconstruction error and smaller KL than beta = 1",
        "passed": b4["recon_nll"] > b1["recon_nll"] and b4["kl"] < b1["kl"],
        "metrics": runs,
        "questions": ["vae-neg-elbo-beta", "vae-beta-tradeoff"],
    }


def ae_vs_vae_prior(out: Path, seed: int = 0) -> dict:
    """Decoding z ~ N(0, I): a VAE gives digits, a plain AE mostly does not (Fréchet distance)."""
    ds = load_dataset("digits", "01")
    results = {}
    models = {}
    for name in ("ae", "vae"):
        train.seed_everything(seed)
        r = run_autoencoder(MODELS[name], ds, 60, out / name)
        results[name] = {"prior_samples_frechet_distance": r["metrics"]["prior_samples_frechet_distance"]}
        models[name] = r["model"]
    rows = {
        f"VAE: {i}->{j}": interpolate(models["vae"], ds.x_test[a], ds.x_test[b], True)
        for (i, j, a, b) in _digit_pair(ds)
    }
    rows.update(
        {
            f"AE: {i}->{j}": interpolate(models["ae"], ds.x_test[a], ds.x_test[b], False)
            for (i, j, a, b) in _digit_pair(ds)
        }
    )
    figures.interpolations(rows, out / "figures" / "interpolation_vae_vs_ae.png", "Latent interpolation, VAE vs AE")
    return {
        "claim": "prior samples: VAE Fréchet distance below the AE's",
        "passed": results["vae"]["prior_samples_frechet_distance"] < results["ae"]["prior_samples_frechet_distance"],
        "metrics": results,
        "questions": ["ae-not-generative", "lab-interp-no-kl", "lab-vae-interpolation"],
    }


def _digit_pair(ds, first=0, second=7):
    a = int((ds.y_test == first).nonzero()[0])
    b = int((ds.y_test == second).nonzero()[0])
    return [(first, second, a, b)]


SCENARIOS = {
    "mode_collapse": mode_collapse,
    "discriminator_overpowers": discriminator_overpowers,
    "kl_collapse": kl_collapse,
    "beta_tradeoff": beta_tradeoff,
    "ae_vs_vae_prior": ae_vs_vae_prior,
}


def run_all(out, seed: int = 0, names=None, progress=None) -> dict:
    out = Path(out)
    summary = {}
    for name in names or SCENARIOS:
        with torch.random.fork_rng():
            summary[name] = SCENARIOS[name](out / name, seed)
        (out / name).mkdir(parents=True, exist_ok=True)
        (out / name / "metrics.json").write_text(json.dumps(summary[name], indent=2, sort_keys=True) + "\n")
        if progress:
            progress()
    (out / "scenarios.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary
