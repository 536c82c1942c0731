"""Reference runs: build a model, train it with a seed, measure it, draw its figures.

`train_reference(name, dataset, epochs, seed, out)` writes `metrics.json`, `model.pt` (a
state_dict) and `figures/*.png`. Same seed, same machine: identical metrics.json.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from . import data, figures, metrics, train
from .ae import AE
from .beta_vae import BetaVAE
from .cgan import ConditionalDiscriminator, ConditionalGenerator
from .conv_ae import ConvAE
from .conv_vae import ConvVAE
from .dcgan import Discriminator as DCDiscriminator
from .dcgan import Generator as DCGenerator
from .dcgan import weights_init
from .gan import Discriminator, Generator
from .lsgan import build as build_lsgan
from .stylegan_mini import MiniStyleGenerator
from .vae import VAE
from .wgan_gp import Critic

MIXTURE_STD = 0.05
MIXTURE_POINTS = 20000


@dataclass
class Dataset:
    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    kind: str  # "images" or "points"
    centers: torch.Tensor | None = None
    std: float = 0.0


def load_dataset(name: str, value_range: str = "01") -> Dataset:
    if name in ("digits", "digits28"):
        size = 8 if name == "digits" else 28
        x, y = data.digits(size, value_range, "train")
        xt, yt = data.digits(size, value_range, "test")
        return Dataset(name, x, y, xt, yt, "images")
    if name in ("gaussians8", "gaussians25"):
        make = data.gaussians8 if name == "gaussians8" else data.gaussians25
        centers = data.ring_centers(8) if name == "gaussians8" else data.grid_centers(5)
        x, y = make(MIXTURE_POINTS, seed=0, std=MIXTURE_STD)
        xt, yt = make(2500, seed=1, std=MIXTURE_STD)
        return Dataset(name, x, y, xt, yt, "points", centers, MIXTURE_STD)
    if name.startswith("mnist:"):
        folder = name.split(":", 1)[1]
        x, y = data.mnist(folder, "train", value_range)
        try:
            xt, yt = data.mnist(folder, "test", value_range)
        except data.IDXError:
            x, y, xt, yt = x[:-1000], y[:-1000], x[-1000:], y[-1000:]
        return Dataset(name, x, y, xt, yt, "images")
    raise ValueError(f"unknown dataset {name!r}: use digits, digits28, gaussians8, gaussians25 or mnist:PATH")


@dataclass
class ModelSpec:
    name: str
    family: str  # "autoencoder" or "gan"
    description: str
    default_dataset: str
    datasets: tuple
    default_epochs: int


MODELS = {
    m.name: m
    for m in [
        ModelSpec("ae", "autoencoder", "MLP autoencoder", "digits", ("digits", "digits28", "mnist"), 60),
        ModelSpec("conv_ae", "autoencoder", "convolutional autoencoder (28x28)", "digits28", ("digits28", "mnist"), 15),
        ModelSpec("vae", "autoencoder", "MLP VAE (Bernoulli decoder)", "digits", ("digits", "digits28", "mnist"), 60),
        ModelSpec("conv_vae", "autoencoder", "convolutional VAE (28x28)", "digits28", ("digits28", "mnist"), 15),
        ModelSpec("beta_vae", "autoencoder", "beta-VAE (beta = 4)", "digits", ("digits", "digits28", "mnist"), 60),
        ModelSpec(
            "gan", "gan", "MLP GAN, non-saturating loss", "gaussians8", ("gaussians8", "gaussians25", "digits"), 32
        ),
        ModelSpec("dcgan", "gan", "DCGAN for 28x28", "digits28", ("digits28", "mnist"), 25),
        ModelSpec("cgan", "gan", "conditional GAN (label in G and D)", "digits", ("digits",), 150),
        ModelSpec(
            "wgan_gp",
            "gan",
            "WGAN-GP (critic + gradient penalty)",
            "gaussians8",
            ("gaussians8", "gaussians25", "digits"),
            32,
        ),
        ModelSpec("lsgan", "gan", "least-squares GAN", "gaussians8", ("gaussians8", "gaussians25", "digits"), 32),
        ModelSpec(
            "stylegan_mini",
            "gan",
            "toy style-based generator (mapping network + modulation)",
            "digits",
            ("digits",),
            150,
        ),
    ]
}


def _x_dim(ds: Dataset) -> int:
    return ds.x_train[0].numel()


# --- autoencoder family -------------------------------------------------------------------------
def build_autoencoder(name: str, ds: Dataset, latent_dim: int | None = None):
    x_dim = _x_dim(ds)
    if name == "ae":
        return AE(x_dim, 256 if x_dim > 100 else 128, latent_dim or 2)
    if name == "vae":
        return VAE(latent_dim=latent_dim or 2, x_dim=x_dim, hidden=256 if x_dim > 100 else 128)
    if name == "beta_vae":
        return BetaVAE(x_dim, 256 if x_dim > 100 else 128, latent_dim or 2, beta=4.0)
    if name == "conv_ae":
        return ConvAE(latent_dim or 16)
    if name == "conv_vae":
        return ConvVAE(latent_dim or 16)
    raise ValueError(name)


def run_autoencoder(
    spec: ModelSpec,
    ds: Dataset,
    epochs: int,
    out: Path,
    progress=None,
    *,
    latent_dim=None,
    beta=None,
    anneal_epochs: int = 0,
    lr: float = 1e-3,
) -> dict:
    model = build_autoencoder(spec.name, ds, latent_dim)
    variational = spec.name in ("vae", "conv_vae", "beta_vae")
    beta = model.beta if beta is None and variational else (beta or 1.0)
    history = train.train_autoencoder(
        model,
        ds.x_train,
        epochs,
        variational=variational,
        beta=beta,
        lr=lr,
        anneal_epochs=anneal_epochs,
        progress=progress,
    )
    result = {"history": history}
    with torch.no_grad():
        if variational:
            result.update({f"test_{k}": v for k, v in metrics.vae_terms(model, ds.x_test, beta).items()})
            result["test_iwae_log_likelihood"] = metrics.iwae_log_likelihood(model, ds.x_test, k=100)
            recon, mu, _ = model(ds.x_test)
            codes = mu
        else:
            recon, codes = model(ds.x_test)
            result["test_recon_mse"] = ((recon - ds.x_test) ** 2).flatten(1).sum(1).mean().item()
        prior = model.decode(torch.randn(1000, model.latent_dim)).view(-1, *ds.x_test.shape[1:])
        result.update({f"prior_samples_{k}": v for k, v in metrics.image_scores(prior, ds.x_test).items()})
    figs = out / "figures"
    figures.sample_grid(prior[:64], figs / "prior_samples.png", f"{spec.name}: decoded z ~ N(0, I)")
    figures.reconstructions(ds.x_test, recon, figs / "reconstructions.png")
    figures.loss_curves(
        history, ["loss", "recon", "kl"] if variational else ["loss"], figs / "loss_curves.png", xkey="epoch"
    )
    if model.latent_dim == 2:
        figures.latent_scatter(codes, ds.y_test, figs / "latent_scatter.png")
    figures.interpolations(
        {spec.name: interpolate(model, ds.x_test[0], ds.x_test[1], variational)}, figs / "interpolation.png"
    )
    return {"model": model, "metrics": result}


@torch.no_grad()
def interpolate(model, x1, x2, variational: bool, steps: int = 10):
    """Decode `steps` points on the line between the codes (encoder means) of x1 and x2, endpoints included."""
    codes = model.encode(torch.stack([x1, x2]))
    z = codes[0] if variational else codes
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return model.decode((1 - t) * z[0] + t * z[1])


# --- GAN family ---------------------------------------------------------------------------------
@dataclass
class GanSetup:
    generator: torch.nn.Module
    discriminator: torch.nn.Module
    loss: str
    lr_g: float
    lr_d: float
    betas: tuple
    n_critic: int = 1
    batch_size: int = 64
    conditional: bool = False
    threads: int = 1


def build_gan(name: str, ds: Dataset, loss: str | None = None) -> GanSetup:
    x_dim = _x_dim(ds)
    images = ds.kind == "images"
    out = "tanh" if images else "linear"
    hidden = 256 if images else 64
    z_dim = 16 if images else 2
    if name == "gan":
        return GanSetup(
            Generator(z_dim, hidden, x_dim, out),
            Discriminator(x_dim, hidden),
            loss or "ns",
            1e-3,
            1e-3,
            (0.5, 0.999),
            batch_size=256 if not images else 64,
        )
    if name == "lsgan":
        g, d = build_lsgan(z_dim, x_dim, hidden, out)
        return GanSetup(g, d, "ls", 1e-3, 1e-3, (0.5, 0.999), batch_size=256 if not images else 64)
    if name == "wgan_gp":
        return GanSetup(
            Generator(z_dim, hidden, x_dim, out),
            Critic(x_dim, hidden),
            "wgan-gp",
            3e-4,  # the paper's 1e-4 needs far more than our 512 generator steps; 1e-3 diverges on some seeds
            3e-4,
            (0.0, 0.9),
            n_critic=5,
            batch_size=256 if not images else 64,
        )
    if name == "dcgan":
        g, d = DCGenerator(nz=32, ngf=32), DCDiscriminator(ndf=32)
        g.apply(weights_init)
        d.apply(weights_init)
        return GanSetup(g, d, loss or "ns", 2e-4, 2e-4, (0.5, 0.999), batch_size=64, threads=2)
    if name == "cgan":
        return GanSetup(
            ConditionalGenerator(16, 10, 256, x_dim),
            ConditionalDiscriminator(x_dim, 10, 256),
            loss or "ns",
            2e-4,
            2e-4,
            (0.5, 0.999),
            batch_size=64,
            conditional=True,
        )
    if name == "stylegan_mini":
        return GanSetup(
            MiniStyleGenerator(16, 64, 256, x_dim),
            Discriminator(x_dim, 256),
            loss or "ns",
            1e-3,
            1e-3,
            (0.5, 0.99),
            batch_size=64,
        )
    raise ValueError(name)


def run_gan(
    spec: ModelSpec, ds: Dataset, epochs: int, out: Path, progress=None, *, setup: GanSetup, lr_g=None, lr_d=None
) -> dict:
    if lr_g:
        setup.lr_g = lr_g
    if lr_d:
        setup.lr_d = lr_d
    torch.set_num_threads(setup.threads)
    x_train, y_train = ds.x_train, ds.y_train
    flat = ds.kind == "images" and spec.name not in ("dcgan",)
    if flat:
        x_train = x_train.flatten(1)

    def sample_real(n):
        idx = torch.randint(len(x_train), (n,))
        return x_train[idx], y_train[idx]

    steps = max(1, epochs * len(x_train) // setup.batch_size)
    untrained = copy.deepcopy(setup.generator).eval()  # the baseline a trained generator must beat
    snapshots = {}
    z_dim = setup.generator.z_dim

    def snapshot(step):
        with torch.no_grad():
            snapshots[step] = setup.generator(torch.randn(500, z_dim))

    history = train.train_gan(
        setup.generator,
        setup.discriminator,
        sample_real,
        steps,
        loss=setup.loss,
        batch_size=setup.batch_size,
        lr_g=setup.lr_g,
        lr_d=setup.lr_d,
        betas=setup.betas,
        n_critic=setup.n_critic,
        conditional=setup.conditional,
        log_every=max(1, steps // 200),
        snapshot=snapshot if ds.kind == "points" else None,
        snapshot_every=max(1, steps // 4),
        progress=progress,
    )
    result = {"history": history, "steps": steps}
    figs = out / "figures"
    figures.loss_curves(history, ["loss_d", "loss_g"], figs / "loss_curves.png")
    g = setup.generator
    with torch.no_grad():
        if ds.kind == "points":
            samples = g(torch.randn(2500, z_dim))
            result.update(metrics.mode_coverage(samples, ds.centers, ds.std))
            figures.mixture_over_training(ds.x_test, snapshots, figs / "samples_over_training.png")
        else:
            labels = torch.arange(1000) % 10
            samples = g(torch.randn(1000, z_dim), labels) if setup.conditional else g(torch.randn(1000, z_dim))
            samples = samples.view(-1, *ds.x_test.shape[1:])
            result.update(metrics.image_scores(samples, ds.x_test))
            z = torch.randn(1000, z_dim)
            baseline = untrained(z, labels) if setup.conditional else untrained(z)
            result["frechet_distance_untrained"] = metrics.image_scores(
                baseline.view(-1, *ds.x_test.shape[1:]), ds.x_test
            )["frechet_distance"]
            noise = torch.rand(1000, *ds.x_test.shape[1:]) * 2 - 1
            result["frechet_distance_noise"] = metrics.image_scores(noise, ds.x_test)["frechet_distance"]
            if setup.conditional:
                result["label_accuracy"] = metrics.label_accuracy(samples, labels)
                grid = g(torch.randn(80, z_dim), torch.arange(80) % 10).view(-1, *ds.x_test.shape[1:])
                figures.sample_grid(grid, figs / "samples.png", "cGAN samples (column = label)", cols=10)
            else:
                figures.sample_grid(samples[:64], figs / "samples.png", f"{spec.name} samples")
            if setup.loss in ("ns", "sat"):
                real = ds.x_test.flatten(1) if flat else ds.x_test
                d = setup.discriminator
                d_real = torch.sigmoid(d(real, ds.y_test) if setup.conditional else d(real))
                fake = samples[: len(real)].flatten(1) if flat else samples[: len(real)]
                d_fake = torch.sigmoid(d(fake, labels[: len(real)]) if setup.conditional else d(fake))
                figures.d_histogram(d_real, d_fake, figs / "d_histogram.png")
    return {"model": setup.generator, "discriminator": setup.discriminator, "metrics": result}


def train_reference(
    name: str,
    dataset: str | None = None,
    epochs: int | None = None,
    seed: int = 0,
    out=".",
    progress_factory=None,
    **options,
) -> dict:
    """Train one reference model; write metrics.json, model.pt and figures under `out`."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    spec = MODELS[name]
    dataset = dataset or spec.default_dataset
    base = "mnist" if dataset.startswith("mnist:") else dataset
    if base not in spec.datasets:
        raise ValueError(f"{name} trains on {', '.join(spec.datasets)}, not {dataset}")
    epochs = epochs or spec.default_epochs
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ds = load_dataset(dataset, "01" if spec.family == "autoencoder" else "pm1")  # tanh generators: [-1, 1]
    train.seed_everything(seed)
    started = time.perf_counter()
    if spec.family == "autoencoder":
        progress = progress_factory(epochs, f"train {name}") if progress_factory else None
        result = run_autoencoder(spec, ds, epochs, out, progress, **options)
    else:
        setup = build_gan(name, ds, options.pop("loss", None))
        steps = max(1, epochs * len(ds.x_train) // setup.batch_size)
        progress = progress_factory(steps, f"train {name}") if progress_factory else None
        result = run_gan(spec, ds, epochs, out, progress, setup=setup, **options)
    seconds = time.perf_counter() - started
    summary = {"model": name, "dataset": dataset, "epochs": epochs, "seed": seed, **result["metrics"]}
    (out / "metrics.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    torch.save(result["model"].state_dict(), out / "model.pt")
    return {"metrics": summary, "seconds": seconds, "model": result["model"], "out": out}
