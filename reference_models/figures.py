"""Matplotlib figures of reference runs: sample grids, reconstructions, interpolations, latent
scatter plots, loss curves, D(x) histograms and mixture samples over training.

Figures are written with fixed metadata so that the same run gives byte-identical PNG files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

_META = {"Software": "examkit reference_models"}


def _save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(
        path,
        dpi=100,
        bbox_inches="tight",  # axis labels and titles are never clipped
        pad_inches=0.05,
        metadata=_META if path.suffix == ".png" else {"Creator": _META["Software"], "CreationDate": None},
    )
    plt.close(fig)
    return path


def _as_images(x: torch.Tensor, value_range: str = "01") -> torch.Tensor:
    """(N, D) or (N, 1, H, W) in `value_range` ("01" or "pm1") -> (N, H, W) in [0, 1]."""
    x = x.detach().float()
    if x.dim() == 2:
        side = int(round(x.shape[1] ** 0.5))
        x = x.view(-1, side, side)
    else:
        x = x.view(x.shape[0], x.shape[-2], x.shape[-1])
    if value_range == "pm1":
        x = (x + 1) / 2
    return x.clamp(0, 1)


def _grid(ax, images, cols, value_range="01"):
    images = _as_images(images, value_range)
    n, h, w = images.shape
    rows = (n + cols - 1) // cols
    canvas = torch.ones(rows * (h + 1) + 1, cols * (w + 1) + 1)
    for i in range(n):
        r, c = divmod(i, cols)
        canvas[1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + c * (w + 1) : 1 + c * (w + 1) + w] = images[i]
    ax.imshow(canvas.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")


def sample_grid(images, path, title="Samples", cols=8, value_range="01"):
    fig, ax = plt.subplots(figsize=(cols * 0.6 + 0.4, (len(images) + cols - 1) // cols * 0.6 + 0.6))
    _grid(ax, images, cols, value_range)
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def style_mixing(coarse, fine, mixed, path, crossover: int = 1):
    """First column: the codes giving the coarse styles; first row: the codes giving the fine
    styles; cell (i, j): coarse from row i, fine from column j."""
    n = len(coarse)
    blank = torch.ones_like(coarse[:1])  # white, like the gaps of the grid
    images = torch.cat([blank, fine] + [torch.cat([coarse[i : i + 1], mixed[i]]) for i in range(n)])
    fig, ax = plt.subplots(figsize=((n + 1) * 0.6 + 0.4, (n + 1) * 0.6 + 0.8))
    _grid(ax, images, n + 1, "pm1")
    first = "layer 1" if crossover == 1 else f"layers 1-{crossover}"
    ax.set_title(f"Style mixing: {first} from the row's code, the rest from the column's", fontsize=8)
    return _save(fig, path)


def reconstructions(originals, recon, path, title="Reconstructions (top: input, bottom: output)"):
    n = min(len(originals), 10)
    both = torch.cat([_as_images(originals[:n]), _as_images(recon[:n])])
    fig, ax = plt.subplots(figsize=(n * 0.6 + 0.4, 1.8))
    _grid(ax, both, n)
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def interpolations(rows: dict, path, title="Latent interpolation"):
    """rows: label -> images along the path (e.g. {'VAE': ..., 'AE': ...}), drawn one row each."""
    steps = max(len(v) for v in rows.values())
    fig, axes = plt.subplots(len(rows), 1, figsize=(steps * 0.6 + 1.2, 0.9 * len(rows) + 0.5))
    axes = axes if len(rows) > 1 else [axes]
    for ax, (label, images) in zip(axes, rows.items()):
        _grid(ax, images, steps)
        ax.set_title(label, fontsize=8, loc="left")
    fig.suptitle(title, fontsize=9)
    return _save(fig, path)


def latent_scatter(z, labels, path, title="Latent codes by class"):
    z = z.detach()
    fig, ax = plt.subplots(figsize=(4.2, 4))
    points = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap="tab10", s=6, vmin=-0.5, vmax=9.5)
    fig.colorbar(points, ax=ax, ticks=range(10))
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    return _save(fig, path)


def loss_curves(history, keys, path, title="Training curves", xkey="step", ylabel=""):
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for key in keys:
        points = [(h[xkey], h[key]) for h in history if h.get(key) is not None]
        if points:
            ax.plot(*zip(*points), label=key, linewidth=1.2)
    ax.set_xlabel({"step": "generator step", "epoch": "epoch"}.get(xkey, xkey))
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def d_histogram(d_real, d_fake, path, title="Discriminator outputs D(x)"):
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.hist(d_real.detach().numpy(), bins=30, range=(0, 1), alpha=0.6, label="real")
    ax.hist(d_fake.detach().numpy(), bins=30, range=(0, 1), alpha=0.6, label="generated")
    ax.set_xlabel("D(x) (train mode, as in training)")
    ax.set_ylabel("images")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def mixture_over_training(real, snapshots: dict, path, title="Generator samples over training"):
    """snapshots: step -> (N, 2) samples; one panel per snapshot over the real data."""
    steps = list(snapshots)
    fig, axes = plt.subplots(1, len(steps), figsize=(2.4 * len(steps), 2.6), squeeze=False)
    lim = float(real.abs().max()) * 1.3
    for ax, step in zip(axes[0], steps):
        ax.scatter(real[:, 0], real[:, 1], s=2, alpha=0.3, color="tab:blue")
        s = snapshots[step]
        ax.scatter(s[:, 0], s[:, 1], s=2, alpha=0.5, color="tab:orange")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"step {step}", fontsize=8)
    fig.suptitle(title, fontsize=9)
    return _save(fig, path)


def beta_sweep(betas, rows, samples, path):
    """Left: the rate-distortion trade-off (KL vs reconstruction, one point per β); right: decoded
    prior samples, one row per β."""
    fig = plt.figure(figsize=(8.2, 3.4))
    left = fig.add_axes([0.08, 0.16, 0.38, 0.72])
    kl = [r["kl"] for r in rows]
    recon = [r["recon_nll"] for r in rows]
    left.plot(kl, recon, "o-", color="tab:blue")
    for b, x, y in zip(betas, kl, recon):
        left.annotate(f"β = {b:g}", (x, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
    left.set_xlabel("KL (rate), nats per image")
    left.set_ylabel("reconstruction NLL, nats per image")
    left.grid(alpha=0.3)
    left.set_title("β-VAE: rate against distortion", fontsize=9)
    right = fig.add_axes([0.56, 0.1, 0.43, 0.8])
    side = int(round(samples[betas[0]][0].numel() ** 0.5))
    _grid(right, torch.cat([samples[b].view(-1, side, side) for b in betas]), len(samples[betas[0]]))
    for row, b in enumerate(betas):
        right.text(-2, 1 + row * (side + 1) + side / 2, f"β = {b:g}", ha="right", va="center", fontsize=8)
    right.set_title("the same 10 codes z ~ N(0, I), decoded at each β", fontsize=9)
    return _save(fig, path)
