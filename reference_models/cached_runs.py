"""The cached runs behind the bank's diagnosis figures (read by examkit/bank/runs.py).

Each scenario trains a small grid of real, seeded runs and keeps only the runs that show the story
its question tells; a run that does not is reported and left out, never faked. The stem's numbers
and the figure's curves then come from one run that really behaved that way. `cache(out)` writes
`<out>/<scenario>.json`; the bundled bank keeps them in questions/runs/.
"""

from __future__ import annotations

import json
import math
import statistics
import tempfile
from pathlib import Path

import torch

from . import ar_vae, metrics, scenarios, vae
from .metrics import ACTIVE_DIM_NATS
from .runs import MODELS, discriminator_outputs, load_dataset

COMMAND = "examkit reference cache-runs"


def _round(values, digits: int = 4) -> list:
    """Series kept to a few significant digits: the files stay small and diff-able."""
    return [float(f"{v:.{digits}g}") for v in values]


def _gan(dataset, seed, **settings):
    """scenarios.run of the MLP GAN, with its config and data for the numbers and series."""
    with tempfile.TemporaryDirectory() as tmp:  # the run's own files are not wanted here
        result = scenarios.run("gan", dataset, Path(tmp), seed, **settings)
    return result, MODELS["gan"].config(dataset, **settings), load_dataset(dataset, "pm1")


def _loss_series(history) -> dict:
    return {
        "kiter": _round([h["step"] / 1000 for h in history]),
        "d_loss": _round([h["loss_d"] for h in history]),
        "g_loss": _round([h["loss_g"] for h in history]),
    }


def _linear_layers(network) -> int:
    return sum(isinstance(m, torch.nn.Linear) for m in network.modules())


# --- scenarios ------------------------------------------------------------------------------


def d_overpowers(seed: int, ratio: int):
    """Saturating loss, D with twice G's layers and `ratio` times its learning rate, on the 8x8
    digits: D wins outright and G's samples stay noise."""
    lr_d = 1e-3
    result, config, ds = _gan("digits", seed, epochs=60, loss="sat", lr_d=lr_d, lr_g=lr_d / ratio, layers_d=6)
    m, history = result["metrics"], result["metrics"]["history"]
    g, d = result["networks"]["generator"], result["networks"]["discriminator"]
    with torch.no_grad():
        samples = g(torch.randn(len(ds.x_test), config.latent_dim))
    real, fake = discriminator_outputs(d, ds, samples, ds.y_test, False)
    numbers = {
        "ratio": ratio,
        "lrd": lr_d,
        "lrg": lr_d / ratio,
        "epochs": config.epochs,
        "layers_d": _linear_layers(d),
        "layers_g": _linear_layers(g),
        "acc": round(100 * statistics.fmean(scenarios.late(history, "d_accuracy")), 1),
        "fd": round(m["frechet_distance"]),
        "fd_untrained": round(m["frechet_distance_untrained"]),
    }
    story = None
    if numbers["acc"] < 97:
        story = f"D accuracy {numbers['acc']} % is not overpowering (needs >= 97 %)"
    elif m["frechet_distance"] < 0.7 * m["frechet_distance_untrained"]:
        story = f"FD {numbers['fd']} is well below the untrained G's {numbers['fd_untrained']}: samples are not noise"
    series = {**_loss_series(history), "d_real": _round(real.tolist(), 3), "d_fake": _round(fake.tolist(), 3)}
    return f"ratio{ratio}_seed{seed}", numbers, series, story


NEAR_MODE = 0.5  # around a mode centre: a third of the 1.53 between neighbouring modes (10 sd of 0.05)
CLEAR_SHARE = 0.05  # a covered mode the figure shows: at least 5 % of the samples within 3 sd


def visible_modes(samples, centers, std) -> tuple[int, bool]:
    """Modes covered by `metrics.mode_coverage` (the bank's one definition: a mode is covered when
    a sample lies within 3 standard deviations of its centre), and whether a reader counts the same
    from the figure: each covered mode holds at least CLEAR_SHARE of the samples within 3 sd, and
    no uncovered mode has a cluster beside it (2 % of the samples within NEAR_MODE)."""
    counts = torch.tensor(metrics.mode_coverage(samples, centers, std)["counts"], dtype=torch.float)
    share = counts / len(samples)
    near = (torch.cdist(samples, centers) < NEAR_MODE).float().mean(0)
    clear = all(s >= CLEAR_SHARE if s > 0 else n < 0.02 for s, n in zip(share.tolist(), near.tolist()))
    return int((counts > 0).sum()), clear


def mode_collapse(seed: int, lr_d: float):
    """Vanilla GAN on the ring of 8 Gaussians whose D learns slower than G: G's final samples
    cover a few modes (`visible_modes`, the bank's one definition); the checkpoints show how G's
    samples moved on the way there."""
    result, config, ds = _gan("gaussians8", seed, lr_d=lr_d)
    steps = result["metrics"]["steps"]
    snaps = result["snapshots"]
    final = snaps[steps][:300]  # the samples the figure plots are the samples counted
    used, clear = visible_modes(final, ds.centers, ds.std)
    numbers = {"k": len(ds.centers), "used": used, "std": ds.std, "iters": steps, "lrd": lr_d, "lrg": config.lr_g}
    story = None
    if not clear:
        story = "a covered mode holds under 5 % of the samples within 3 sd, or samples cluster beside an uncovered mode: the count would be ambiguous"
    elif not 1 <= used <= 3:
        story = f"{used} modes covered is not a collapse to 1-3 modes"
    real = ds.x_test[:400]
    series = {"real_x": _round(real[:, 0].tolist()), "real_y": _round(real[:, 1].tolist())}
    series["gen_x"], series["gen_y"] = _round(final[:, 0].tolist()), _round(final[:, 1].tolist())
    for i, step in enumerate(sorted(snaps)[:-1], 1):  # the earlier checkpoints
        numbers[f"step{i}"] = step
        series[f"c{i}_x"], series[f"c{i}_y"] = (
            _round(snaps[step][:120, 0].tolist()),
            _round(snaps[step][:120, 1].tolist()),
        )
    return f"lrd{lr_d:g}_seed{seed}", numbers, series, story


def instability(seed: int, lr: float, beta1: float):
    """Both players with a large learning rate and Adam's default beta1: the losses swing without
    settling."""
    result, config, _ = _gan("gaussians8", seed, lr_g=lr, lr_d=lr, betas=(beta1, 0.999))
    history = result["metrics"]["history"]
    g_late = scenarios.late(history, "loss_g", 0.5)
    numbers = {"lr": lr, "beta1": beta1, "iters": result["metrics"]["steps"], "batch": config.batch_size}
    story = None
    peak = max(abs(h[k]) for h in history for k in ("loss_d", "loss_g"))
    if not math.isfinite(peak) or peak > 30:
        story = f"the losses diverge (|loss| reaches {peak:.3g}) instead of oscillating"
    elif statistics.pstdev(g_late) < 0.3:
        story = f"G's loss settles (sd {statistics.pstdev(g_late):.2f} over the second half)"
    return f"lr{lr:g}_beta{beta1:g}_seed{seed}", numbers, _loss_series(history), story


def kl_collapse(seed: int, latent: int):
    """A VAE whose decoder sees the previous pixels (autoregressive) on the 28x28 digits, beside
    the same encoder with a plain MLP decoder: the strong decoder's KL collapses."""
    ds = load_dataset("digits28", "01")
    strong, history = scenarios.vae_kl(ar_vae, ds, seed, latent)
    plain, plain_history = scenarios.vae_kl(vae, ds, seed, latent)
    numbers = {
        "latent": latent,
        "epochs": len(history),
        "kl_end": round(strong["kl"], 2),
        "active": strong["active_dims"],
        "active_nats": ACTIVE_DIM_NATS,
        "recon_end": round(strong["recon_nll"], 1),
        "kl_plain": round(plain["kl"], 1),
        "active_plain": plain["active_dims"],
    }
    story = None
    if strong["kl"] >= 1 or strong["active_dims"] > 2:
        story = f"KL {strong['kl']:.2f} nats with {strong['active_dims']} active dimensions is not a collapse"
    elif plain["kl"] < 5:
        story = f"the plain decoder's KL ({plain['kl']:.2f}) is not clearly larger"
    series = {
        "epoch": [h["epoch"] for h in history],
        "kl": _round([h["kl"] for h in history]),
        "kl_plain": _round([h["kl"] for h in plain_history]),
        "recon": _round([h["recon"] for h in history]),
    }
    return f"latent{latent}_seed{seed}", numbers, series, story


# scenario -> (recipe, the grid of keyword arguments it is run on)
SCENARIOS = {
    "d_overpowers": (d_overpowers, [{"seed": s, "ratio": r} for r in (5, 10, 20) for s in range(4)]),
    "mode_collapse": (mode_collapse, [{"seed": s, "lr_d": lr} for lr in (5e-5, 1e-4, 2e-4) for s in range(8)]),
    "instability": (
        instability,
        [{"seed": 0, "lr": lr, "beta1": b} for lr in (0.005, 0.01, 0.02) for b in (0.9, 0.99)],
    ),
    "kl_collapse": (kl_collapse, [{"seed": s, "latent": n} for n in (16, 32) for s in (0, 1)]),
}


def run_scenario(name: str, progress=None) -> tuple[dict, list[str]]:
    """({run id: record} of the runs that show the story, [why each other run was left out])."""
    recipe, grid = SCENARIOS[name]
    kept, dropped = {}, []
    for kwargs in grid:
        with torch.random.fork_rng():
            run_id, numbers, series, story = recipe(**kwargs)
        if story:
            dropped.append(f"{name}/{run_id}: {story}")
        else:
            kept[run_id] = {"settings": kwargs, "numbers": numbers, "series": series}
        if progress:
            progress()
    return kept, dropped


def cache(out, names=None, progress=None) -> dict:
    """Write `<out>/<scenario>.json` for each scenario; returns {scenario: [dropped runs]}.
    A scenario none of whose runs shows its story is an error: its question would have no figure."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = {}
    for name in names or SCENARIOS:
        kept, dropped = run_scenario(name, progress)
        if not kept:
            raise RuntimeError(f"{name}: no run shows the scenario's story:\n" + "\n".join(dropped))
        record = {"scenario": name, "command": COMMAND, "torch": torch.__version__, "runs": kept}
        text = json.dumps(record, separators=(",", ":"))
        (out / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        report[name] = dropped
    return report
