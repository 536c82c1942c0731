"""Reference runs: build a model from its Config, train it with a seed, measure it, judge its
health, draw its figures.

`train_reference(name, dataset, seed=..., out=..., **settings)` writes `metrics.json` (settings,
metrics, health checks), `model.pt` (every network's state_dict and the config) and
`figures/*.png`. Same seed, same machine: identical metrics.json. With `reuse=FOLDER` a run
already finished there (run_store.py) is copied instead of trained again.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import torch

from . import (
    ae,
    beta_vae,
    cgan,
    conv_ae,
    conv_vae,
    data,
    dcgan,
    figures,
    gan,
    health,
    losses,
    lsgan,
    metrics,
    run_store,
    stylegan_mini,
    train,
    vae,
    wgan_gp,
)

MIXTURE_STD = 0.05
MIXTURE_POINTS = 20000
BINARIZE_SEED = 0  # static binarization and the binarized test set: one fixed draw


@dataclass
class Dataset:
    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    kind: str  # "images" or "points"
    value_range: str = "01"  # images: "01" or "pm1"
    centers: torch.Tensor | None = None
    std: float = 0.0


def load_dataset(name: str, value_range: str = "01", binarize: str = "none") -> Dataset:
    if name in ("digits", "digits28"):
        size = 8 if name == "digits" else 28
        x, y = data.digits(size, value_range, "train")
        xt, yt = data.digits(size, value_range, "test")
        ds = Dataset(name, x, y, xt, yt, "images", value_range)
    elif name in ("gaussians8", "gaussians25"):
        make = data.gaussians8 if name == "gaussians8" else data.gaussians25
        centers = data.ring_centers(8) if name == "gaussians8" else data.grid_centers(5)
        x, y = make(MIXTURE_POINTS, seed=0, std=MIXTURE_STD)
        xt, yt = make(2500, seed=1, std=MIXTURE_STD)
        return Dataset(name, x, y, xt, yt, "points", centers=centers, std=MIXTURE_STD)
    elif name.startswith("mnist:"):
        folder = name.split(":", 1)[1]
        x, y = data.mnist(folder, "train", value_range)
        try:
            xt, yt = data.mnist(folder, "test", value_range)
        except data.IDXError:
            x, y, xt, yt = x[:-1000], y[:-1000], x[-1000:], y[-1000:]
        ds = Dataset(name, x, y, xt, yt, "images", value_range)
    else:
        raise ValueError(f"unknown dataset {name!r}: use digits, digits28, gaussians8, gaussians25 or mnist:PATH")
    if binarize != "none":  # the test set is always one fixed draw, so test losses compare across runs
        ds.x_test = data.binarize(ds.x_test, BINARIZE_SEED + 1)
        if binarize == "static":
            ds.x_train = data.binarize(ds.x_train, BINARIZE_SEED)
    return ds


@dataclass
class ModelSpec:
    name: str
    family: str  # "autoencoder" or "gan"
    description: str
    datasets: tuple  # the first is the default
    module: ModuleType  # holds Config (with for_dataset), build(config, x_dim) and optionally PRESETS
    variational: bool = False
    conditional: bool = False
    convolutional: bool = False  # GANs: players read and write (N, 1, H, W) images, not flat vectors

    @property
    def default_dataset(self) -> str:
        return self.datasets[0]

    @property
    def presets(self) -> dict:
        return getattr(self.module, "PRESETS", {})

    def config(self, dataset: str | None = None, preset: str | None = None, **settings):
        """The model's Config for `dataset` (or a named preset), with `settings` (None = keep) applied."""
        if preset is not None:
            if preset not in self.presets:
                known = ", ".join(self.presets) or "none"
                raise ValueError(f"{self.name} has no preset {preset!r} (its presets: {known})")
            config = self.presets[preset]
        else:
            config = self.module.Config.for_dataset(_base(dataset or self.default_dataset))
        settings = {k: v for k, v in settings.items() if v is not None}
        fields = {f.name for f in dataclasses.fields(config)}
        if "lr" in settings and "lr" not in fields:  # a GAN: one rate for both players
            settings["lr_g"] = settings["lr_d"] = settings.pop("lr")
        unknown = sorted(set(settings) - fields)
        if unknown:
            raise ValueError(
                f"{self.name} has no setting {', '.join(unknown)} (its settings: {', '.join(sorted(fields))})"
            )
        config = dataclasses.replace(config, **settings)
        _check(self.name, config)
        return config


def _check(name: str, config) -> None:
    for key in ("latent_dim", "hidden", "layers_d", "batch_size", "epochs", "channels", "ngf", "ndf", "n_critic"):
        value = getattr(config, key, 1)
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: {key} must be a whole number of at least 1, not {value!r}")
    for key in ("lr", "lr_g", "lr_d"):
        value = getattr(config, key, 1.0)
        if not value > 0:
            raise ValueError(f"{name}: {key} must be positive, not {value!r}")
    if not getattr(config, "beta", 0.0) >= 0:
        raise ValueError(f"{name}: beta must be 0 or more, not {config.beta!r}")
    if getattr(config, "binarize", "none") not in ("none", "static", "dynamic"):
        raise ValueError(f"{name}: binarize must be static or dynamic, not {config.binarize!r}")


def _base(dataset: str) -> str:
    return "mnist" if dataset.startswith("mnist:") else dataset


MODELS = {
    m.name: m
    for m in [
        ModelSpec("ae", "autoencoder", "MLP autoencoder", ("digits", "digits28", "mnist"), ae),
        ModelSpec("conv_ae", "autoencoder", "convolutional autoencoder (28x28)", ("digits28", "mnist"), conv_ae),
        ModelSpec("vae", "autoencoder", "MLP VAE (Bernoulli decoder)", ("digits", "digits28", "mnist"), vae, True),
        ModelSpec("conv_vae", "autoencoder", "convolutional VAE (28x28)", ("digits28", "mnist"), conv_vae, True),
        ModelSpec(
            "beta_vae", "autoencoder", "beta-VAE (beta = 4, 8-d code)", ("digits28", "digits", "mnist"), beta_vae, True
        ),
        ModelSpec("gan", "gan", "MLP GAN, non-saturating loss", ("gaussians8", "gaussians25", "digits"), gan),
        ModelSpec("dcgan", "gan", "DCGAN for 28x28", ("digits28", "mnist"), dcgan, convolutional=True),
        ModelSpec(
            "cgan",
            "gan",
            "conditional DCGAN (label in G and D)",
            ("digits28", "mnist"),
            cgan,
            conditional=True,
            convolutional=True,
        ),
        ModelSpec(
            "wgan_gp", "gan", "WGAN-GP (critic + gradient penalty)", ("gaussians8", "gaussians25", "digits"), wgan_gp
        ),
        ModelSpec("lsgan", "gan", "least-squares GAN", ("gaussians8", "gaussians25", "digits"), lsgan),
        ModelSpec(
            "stylegan_mini",
            "gan",
            "style-modulated MLP generator (StyleGAN's mapping network, AdaIN styles, minibatch-stddev D; no noise inputs)",
            ("digits",),
            stylegan_mini,
        ),
    ]
}


def _x_dim(ds: Dataset) -> int:
    return ds.x_train[0].numel()


def build_networks(spec: ModelSpec, config, ds: Dataset) -> dict:
    """The run's untrained networks by the names model.pt keeps them under: "model" (autoencoders)
    or "generator" and "discriminator" (GANs)."""
    built = spec.module.build(config, _x_dim(ds))
    return {"model": built} if spec.family == "autoencoder" else dict(zip(("generator", "discriminator"), built))


# --- autoencoder family -------------------------------------------------------------------------
def run_autoencoder(spec: ModelSpec, ds: Dataset, config, out: Path, progress=None) -> dict:
    networks = build_networks(spec, config, ds)
    model = networks["model"]
    history = train.train_autoencoder(model, ds.x_train, config, variational=spec.variational, progress=progress)
    result = {"history": history}
    with torch.no_grad():
        if spec.variational:
            result.update({f"test_{k}": v for k, v in metrics.vae_terms(model, ds.x_test, config.beta).items()})
            result["test_iwae_log_likelihood"] = metrics.iwae_log_likelihood(model, ds.x_test, k=100)
            recon, codes, _ = model(ds.x_test)
        else:
            recon, codes = model(ds.x_test)
            result["test_recon_mse"] = losses.ae_mse(recon, ds.x_test).item()
            result["test_recon_mse_mean_image"] = losses.ae_mse(ds.x_train.mean(0, keepdim=True), ds.x_test).item()
        prior = model.decode(torch.randn(1000, model.latent_dim)).view(-1, *ds.x_test.shape[1:])
        evaluator, why = metrics.image_evaluator(ds)
        if evaluator:
            fd = evaluator.frechet(prior)
            result["prior_samples_frechet_distance"] = fd
            result["frechet_distance_real_floor"] = evaluator.floor
        else:
            result["frechet_distance_refused"] = why
    figs = out / "figures"
    figures.sample_grid(prior[:64], figs / "prior_samples.png", f"{spec.name}: decoded z ~ N(0, I)")
    figures.reconstructions(ds.x_test, recon, figs / "reconstructions.png")
    figures.loss_curves(
        history,
        ["loss", "recon", "kl"] if spec.variational else ["loss"],
        figs / "loss_curves.png",
        xkey="epoch",
        ylabel="nats per image" if spec.variational else "squared error per image",
    )
    if model.latent_dim == 2:
        figures.latent_scatter(codes, ds.y_test, figs / "latent_scatter.png")
    if (ds.y_test >= 0).all():
        pair = best_reconstructed_pair(model, ds, spec.variational)
        figures.interpolations(
            {f"{spec.name}: {pair[0]} -> {pair[1]}": interpolate(model, *pair[2:], spec.variational)},
            figs / "interpolation.png",
        )
    return {"networks": networks, "metrics": result}


@torch.no_grad()
def best_reconstructed_pair(model, ds: Dataset, variational: bool, first: int = 1, second: int = 9):
    """(first, second, x1, x2): of each class, the held-out image the model reconstructs best, so the
    path's endpoints are clean digits (the study guide's 1 -> 9 interpolation; other classes when the
    held-out set lacks a 1 or a 9)."""
    present = list(dict.fromkeys(ds.y_test.tolist()))
    if first not in present or second not in present:
        first, second = (present * 2)[:2]
    chosen = []
    for label in (first, second):
        x = ds.x_test[ds.y_test == label]
        recon = model.decode(model.encode(x)[0] if variational else model.encode(x)).view_as(x)
        chosen.append(x[(recon - x).pow(2).flatten(1).sum(1).argmin()])
    return first, second, chosen[0], chosen[1]


@torch.no_grad()
def interpolate(model, x1, x2, variational: bool, steps: int = 10):
    """Decode `steps` points on the line between the codes (encoder means) of x1 and x2, endpoints included."""
    codes = model.encode(torch.stack([x1, x2]))
    z = codes[0] if variational else codes
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return model.decode((1 - t) * z[0] + t * z[1])


# --- GAN family ---------------------------------------------------------------------------------
def run_gan(spec: ModelSpec, ds: Dataset, config, out: Path, progress=None) -> dict:
    networks = build_networks(spec, config, ds)
    g, d = networks["generator"], networks["discriminator"]
    x_train, y_train = ds.x_train, ds.y_train
    if ds.kind == "images" and not spec.convolutional:
        x_train = x_train.flatten(1)  # MLP players: real images as the flat vectors G makes

    def sample_real(n):
        idx = torch.randint(len(x_train), (n,))
        return x_train[idx], y_train[idx]

    steps = gan_steps(config, ds)
    untrained = copy.deepcopy(g).eval()  # the baseline a trained generator must beat
    snapshots = {}

    def snapshot(step):
        with torch.no_grad():
            snapshots[step] = g(torch.randn(500, config.latent_dim))

    history = train.train_gan(
        g,
        d,
        sample_real,
        steps,
        config,
        conditional=spec.conditional,
        log_every=max(1, steps // 200),
        snapshot=snapshot if ds.kind == "points" else None,
        snapshot_every=max(1, steps // 4),
        progress=progress,
    )
    result = {"history": history, "steps": steps}
    figs = out / "figures"
    figures.loss_curves(history, ["loss_d", "loss_g"], figs / "loss_curves.png", ylabel="loss")
    shape = ds.x_test.shape[1:]

    def draw(n, generator=g, labels=None):
        z = torch.randn(n, config.latent_dim)
        x = generator(z, labels[:n]) if spec.conditional else generator(z)
        return x.view(-1, *shape)

    with torch.no_grad():
        if ds.kind == "points":
            result.update(metrics.mode_coverage(g(torch.randn(2500, config.latent_dim)), ds.centers, ds.std))
            figures.mixture_over_training(ds.x_test, snapshots, figs / "samples_over_training.png")
            return {"networks": networks, "metrics": result, "snapshots": snapshots}
        labels = torch.arange(10 * len(ds.x_test)) % 10
        samples = draw(1000, labels=labels)
        evaluator, why = metrics.image_evaluator(ds)
        if evaluator:
            result.update(evaluator.scores(lambda n: draw(n, labels=labels), labels if spec.conditional else None))
            result["frechet_distance_untrained"] = evaluator.frechet(draw(evaluator.n, untrained, labels))
            noise = torch.rand(evaluator.n, *shape) * 2 - 1
            result["frechet_distance_noise"] = evaluator.frechet(noise, "pm1")
            if spec.conditional:
                result["label_accuracy"] = evaluator.label_accuracy(samples, labels[:1000])
        else:
            result["frechet_distance_refused"] = why
        if spec.conditional:
            grid = g(torch.randn(80, config.latent_dim), torch.arange(80) % 10).view(-1, *shape)
            figures.sample_grid(grid, figs / "samples.png", "cGAN samples (column = label)", cols=10, value_range="pm1")
        else:
            figures.sample_grid(samples[:64], figs / "samples.png", f"{spec.name} samples", value_range="pm1")
        if hasattr(g, "style_mixing"):
            z_coarse, z_fine = torch.randn(6, config.latent_dim), torch.randn(6, config.latent_dim)
            mixed = [g.style_mixing(z_coarse[i : i + 1].expand(6, -1), z_fine).view(-1, *shape) for i in range(6)]
            figures.style_mixing(
                g(z_coarse).view(-1, *shape), g(z_fine).view(-1, *shape), mixed, figs / "style_mixing.png"
            )
        if losses.GAN_OBJECTIVES[config.loss].logits:
            d_real, d_fake = discriminator_outputs(d, ds, samples, labels, spec.conditional)
            figures.d_histogram(d_real, d_fake, figs / "d_histogram.png")
    return {"networks": networks, "metrics": result}


def gan_steps(config, ds: Dataset) -> int:
    return max(1, config.epochs * len(ds.x_train) // config.batch_size)


@torch.no_grad()
def discriminator_outputs(d, ds, samples, labels, conditional, batch: int = 64):
    """D(x) on real and generated batches as training sees them: train mode (BatchNorm on batch
    statistics), real and fake in separate batches; on a copy, so no running statistic moves."""
    d = copy.deepcopy(d).train()
    real, fake = ds.x_test, samples[: len(ds.x_test)]  # MLP discriminators flatten for themselves
    outs = []
    for x, y in ((real, ds.y_test), (fake, labels[: len(real)])):
        parts = [
            d(x[i : i + batch], y[i : i + batch]) if conditional else d(x[i : i + batch])
            for i in range(0, len(x), batch)
        ]
        outs.append(torch.sigmoid(torch.cat(parts)))
    return outs


def train_reference(
    name: str,
    dataset: str | None = None,
    epochs: int | None = None,
    seed: int = 0,
    out=".",
    progress_factory=None,
    preset: str | None = None,
    reuse=None,
    **settings,
) -> dict:
    """Train one reference model; write metrics.json, model.pt and figures under `out`.

    `settings` override fields of the model's Config (latent_dim, hidden, batch_size, beta, lr,
    binarize, ...; None = the default). The result's "health" says whether the run is trustworthy.
    `reuse`: a folder of finished runs (run_store.py). A run with the same model, data, seed, preset
    and Config, made by the same source, is copied from there instead of trained; a run trained here
    is kept there. Either way the result, the files in `out` and torch's random state afterwards are
    the same; "reused" says which happened."""
    spec, dataset, config = _resolve(name, dataset, preset, epochs, settings)
    ds = load_dataset(dataset, "01" if spec.family == "autoencoder" else "pm1", getattr(config, "binarize", "none"))
    out = Path(out)
    if reuse is None:
        return _train(spec, ds, config, seed, preset, out, progress_factory)
    key = run_store.run_key(
        model=name,
        dataset=dataset,
        data=run_store.tensors_digest(ds.x_train, ds.y_train, ds.x_test, ds.y_test),
        seed=seed,
        preset=preset,
        config=dataclasses.asdict(config),
    )

    def train_and_keep_state(folder):
        result = _train(spec, ds, config, seed, preset, folder, progress_factory)
        return result, {
            "rng": torch.get_rng_state(),
            "seconds": result["seconds"],
            "snapshots": result.get("snapshots"),
        }

    trained, state = run_store.obtain(reuse, key, out, train_and_keep_state)
    if trained is not None:
        return {**trained, "out": out}
    return _reload(spec, ds, config, seed, out, state)


def _resolve(name: str, dataset: str | None, preset: str | None, epochs: int | None, settings: dict):
    """(spec, dataset, config) of a request, or a ValueError that says what is wrong with it."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    spec = MODELS[name]
    dataset = dataset or spec.default_dataset
    if _base(dataset) not in spec.datasets:
        raise ValueError(f"{name} trains on {', '.join(spec.datasets)}, not {dataset}")
    return spec, dataset, spec.config(dataset, preset, epochs=epochs, **settings)


def _start(config, seed: int) -> None:
    """The process state every run starts from: seeded generators, deterministic algorithms and a
    fixed thread count (a GAN's Config may name more than one)."""
    train.seed_everything(seed, getattr(config, "threads", train.THREADS))


def _train(spec: ModelSpec, ds: Dataset, config, seed: int, preset, out: Path, progress_factory) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    _start(config, seed)
    started = time.perf_counter()
    if spec.family == "autoencoder":
        progress = progress_factory(config.epochs, f"train {spec.name}") if progress_factory else None
        result = run_autoencoder(spec, ds, config, out, progress)
    else:
        progress = progress_factory(gan_steps(config, ds), f"train {spec.name}") if progress_factory else None
        result = run_gan(spec, ds, config, out, progress)
    seconds = time.perf_counter() - started
    settings_used = dataclasses.asdict(config)
    summary = {
        "model": spec.name,
        "dataset": ds.name,
        "epochs": config.epochs,
        "seed": seed,
        "preset": preset,
        "config": settings_used,
        **result["metrics"],
    }
    summary["health"] = health.judge(spec, summary)
    text = json.dumps(summary, indent=2, sort_keys=True) + "\n"
    (out / "metrics.json").write_text(text)
    checkpoint = {
        "model": spec.name,
        "config": settings_used,
        "networks": {k: net.state_dict() for k, net in result["networks"].items()},
    }
    torch.save(checkpoint, out / "model.pt")
    extra = {"snapshots": result["snapshots"]} if "snapshots" in result else {}
    return _result(json.loads(text), seconds, result["networks"], out, False, **extra)


def _reload(spec: ModelSpec, ds: Dataset, config, seed: int, out: Path, state: dict) -> dict:
    """A stored run copied into `out`, as training it here would have returned it: its networks
    rebuilt from model.pt, and the process left as training leaves it (torch's generator included)."""
    _start(config, seed)
    networks = build_networks(spec, config, ds)
    saved = torch.load(out / "model.pt", weights_only=True)["networks"]
    for key, net in networks.items():
        net.load_state_dict(saved[key])
        net.eval()  # as the training loops leave them
    torch.set_rng_state(state["rng"])
    extra = {"snapshots": state["snapshots"]} if state["snapshots"] is not None else {}
    metrics = json.loads((out / "metrics.json").read_text())
    return _result(metrics, state["seconds"], networks, out, True, **extra)


def _result(metrics: dict, seconds: float, networks: dict, out: Path, reused: bool, **extra) -> dict:
    """What train_reference returns: the metrics as metrics.json holds them, the main network
    (the autoencoder, or the generator) and every network by name."""
    main = networks["model"] if "model" in networks else networks["generator"]
    return {
        "metrics": metrics,
        "seconds": seconds,
        "model": main,
        "networks": networks,
        "out": out,
        "reused": reused,
        **extra,
    }
