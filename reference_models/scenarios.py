"""Failure scenarios: real, seeded runs whose metrics show a failure and its fix.

They back the question bank's diagnosis questions (each names the template ids it supports) and
give honest figures for exams. `run_all(out)` writes `<out>/<scenario>/` runs plus `scenarios.json`.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import torch

from . import ar_vae, figures, metrics, train, vae
from .runs import MODELS, best_reconstructed_pair, interpolate, load_dataset, train_reference


def run(name, dataset, out, seed, reuse=None, **settings) -> dict:
    """One reference run through `runs.train_reference`: the same computation as `examkit reference
    train` with these settings, so a scenario run that is a default run is that run (and, given
    `reuse`, a folder of finished runs, is trained only once)."""
    return train_reference(name, dataset, seed=seed, out=out, reuse=reuse, **settings)


def late(history, key, share=0.25) -> list:
    """The logged values of `key` over the last `share` of training (None entries skipped)."""
    values = [h[key] for h in history if h.get(key) is not None]
    return values[int(len(values) * (1 - share)) :]


def _late_mean(history, key, share=0.25):
    return statistics.fmean(late(history, key, share))


def mode_collapse(out: Path, seed: int = 0, reuse=None) -> dict:
    """Vanilla GAN whose discriminator learns 10x slower than G collapses on the 8-Gaussians ring;
    WGAN-GP with the same generator covers every mode."""
    collapsed = run("gan", "gaussians8", out / "vanilla_gan", seed, reuse, lr_d=1e-4)["metrics"]
    fixed = run("wgan_gp", "gaussians8", out / "wgan_gp", seed, reuse)["metrics"]
    keys = ("modes_covered", "high_quality_share", "mode_kl")
    return {
        "claim": "vanilla GAN (D 10x slower than G) covers <= 3 of 8 modes; WGAN-GP covers 8 of 8",
        "passed": collapsed["modes_covered"] <= 3 and fixed["modes_covered"] == 8,
        "metrics": {"vanilla_gan": {k: collapsed[k] for k in keys}, "wgan_gp": {k: fixed[k] for k in keys}},
        "questions": ["gan-mode-collapse", "mode-collapse-qa", "wgan-gp-penalty"],
    }


def discriminator_overpowers(out: Path, seed: int = 0, reuse=None) -> dict:
    """Saturating loss with D learning 10x faster than G: D wins and the gradient reaching G
    vanishes. The non-saturating loss under the same imbalance keeps a strong gradient (the loss
    fix); with balanced learning rates as well (the rate fix) G's samples become digits."""
    runs = {}
    for label, loss, lr_g, lr_d in (
        ("sat", "sat", 1e-4, 1e-3),
        ("ns", "ns", 1e-4, 1e-3),
        ("ns_balanced", "ns", 1e-3, 1e-3),
    ):
        result = run("gan", "digits", out / f"{label}_loss", seed, reuse, epochs=60, loss=loss, lr_g=lr_g, lr_d=lr_d)
        m = result["metrics"]
        runs[label] = {
            "lr_g": lr_g,
            "lr_d": lr_d,
            "d_accuracy": _late_mean(m["history"], "d_accuracy"),
            "d_fake": _late_mean(m["history"], "d_fake"),
            "grad_norm_g": _late_mean(m["history"], "grad_norm_g"),
            "frechet_distance": m["frechet_distance"],
            "frechet_distance_untrained": m["frechet_distance_untrained"],
        }
        figures.loss_curves(
            m["history"],
            ["grad_norm_g"],
            out / f"{label}_loss" / "figures" / "generator_gradient.png",
            title=f"Gradient norm reaching G ({loss} loss, lr G {lr_g:g}, lr D {lr_d:g})",
            ylabel="||∇θ L_G||",
        )
    sat, ns, fixed = runs["sat"], runs["ns"], runs["ns_balanced"]
    return {
        "claim": (
            "saturating loss, D 10x faster: D accuracy > 95 % and G's gradient < 1/5 of the non-saturating loss's; "
            "non-saturating with balanced rates: FD below half the saturating run's"
        ),
        "passed": sat["d_accuracy"] > 0.95
        and sat["grad_norm_g"] < 0.2 * ns["grad_norm_g"]
        and fixed["frechet_distance"] < 0.5 * sat["frechet_distance"],
        "metrics": runs,
        "questions": ["gan-d-overpowers", "gan-saturation-gradients", "gan-ns-gradient-derivation"],
    }


def vae_kl(module, ds, seed, latent=8):
    """A VAE of `module` (vae or ar_vae) with its Config's defaults and a `latent`-d code."""
    train.seed_everything(seed)
    config = module.Config(latent_dim=latent)
    model = module.build(config, ds.x_train[0].numel())
    history = train.train_autoencoder(model, ds.x_train, config, variational=True)
    terms = metrics.vae_terms(model, ds.x_test)
    return {k: terms[k] for k in ("kl", "recon_nll", "active_dims")}, history


def kl_collapse(out: Path, seed: int = 0, reuse=None) -> dict:
    """A decoder that sees the previous pixels (autoregressive) models digits without z: KL -> 0.
    The same encoder with an ordinary decoder keeps an informative code. (Its two VAEs are not
    reference runs, so `reuse` has nothing to share.)"""
    ds = load_dataset("digits28", "01")  # smooth 28x28 digits: the previous pixels predict the next well
    strong, history = vae_kl(ar_vae, ds, seed)
    plain, plain_history = vae_kl(vae, ds, seed)
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


BETAS = (0.5, 1.0, 2.0, 4.0)


def beta_tradeoff(out: Path, seed: int = 0, reuse=None) -> dict:
    """The β sweep on the 28x28 digits with an 8-d code (beta_vae's defaults): each larger β buys a
    smaller KL (rate) with a larger reconstruction error (distortion), and β = 4 still keeps an
    informative code."""
    runs, samples = {}, {}
    z = torch.randn(10, MODELS["beta_vae"].config("digits28").latent_dim, generator=torch.Generator().manual_seed(seed))
    for beta in BETAS:
        r = run("beta_vae", "digits28", out / f"beta_{beta:g}", seed, reuse, beta=beta)
        m = r["metrics"]
        runs[f"beta_{beta:g}"] = {
            "recon_nll": m["test_recon_nll"],
            "kl": m["test_kl"],
            "neg_elbo": m["test_neg_elbo"],
            "active_dims": m["test_active_dims"],
        }
        with torch.no_grad():
            samples[beta] = r["networks"]["model"].decode(z)  # the same codes for every β
    rows = [runs[f"beta_{b:g}"] for b in BETAS]
    monotone = all(a["kl"] > b["kl"] and a["recon_nll"] < b["recon_nll"] for a, b in zip(rows, rows[1:]))
    figures.beta_sweep(BETAS, rows, samples, out / "figures" / "beta_sweep.png")
    return {
        "claim": "beta 0.5 -> 1 -> 2 -> 4: KL falls and reconstruction error rises at every step; beta = 4 keeps KL >= 1 nat",
        "passed": monotone and rows[-1]["kl"] >= 1.0,
        "metrics": runs,
        "questions": ["vae-neg-elbo-beta", "vae-beta-tradeoff"],
    }


def ae_vs_vae_prior(out: Path, seed: int = 0, reuse=None) -> dict:
    """Decoding z ~ N(0, I): a VAE gives digits, a plain AE mostly does not (Fréchet distance)."""
    results, models = {}, {}
    for name in ("ae", "vae"):
        r = run(name, "digits", out / name, seed, reuse)
        results[name] = {"prior_samples_frechet_distance": r["metrics"]["prior_samples_frechet_distance"]}
        models[name] = r["networks"]["model"]
    first, second, x1, x2 = best_reconstructed_pair(models["vae"], load_dataset("digits", "01"), True)
    rows = {
        f"VAE: {first} -> {second}": interpolate(models["vae"], x1, x2, True),
        f"AE: {first} -> {second}": interpolate(models["ae"], x1, x2, False),
    }
    figures.interpolations(rows, out / "figures" / "interpolation_vae_vs_ae.png", "Latent interpolation, VAE vs AE")
    return {
        "claim": "prior samples: VAE Fréchet distance below the AE's",
        "passed": results["vae"]["prior_samples_frechet_distance"] < results["ae"]["prior_samples_frechet_distance"],
        "metrics": results,
        "questions": ["ae-not-generative", "lab-interp-no-kl", "lab-vae-interpolation"],
    }


SCENARIOS = {
    "mode_collapse": mode_collapse,
    "discriminator_overpowers": discriminator_overpowers,
    "kl_collapse": kl_collapse,
    "beta_tradeoff": beta_tradeoff,
    "ae_vs_vae_prior": ae_vs_vae_prior,
}


def run_all(out, seed: int = 0, names=None, progress=None, reuse=None) -> dict:
    """Run the scenarios (all, or `names`) into `<out>/<scenario>/`; `reuse`: see runs.train_reference."""
    out = Path(out)
    summary = {}
    for name in names or SCENARIOS:
        with torch.random.fork_rng():
            summary[name] = SCENARIOS[name](out / name, seed, reuse)
        (out / name).mkdir(parents=True, exist_ok=True)
        (out / name / "metrics.json").write_text(json.dumps(summary[name], indent=2, sort_keys=True) + "\n")
        if progress:
            progress()
    (out / "scenarios.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary
