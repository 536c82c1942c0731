"""Reference models: shapes, reproducibility, the CLI and data sources (quality bars and scenarios:
test_reference_quality.py)."""

import json
import math

import numpy as np
import pytest
import torch

from conftest import run_cli
from reference_models import dcgan, runs
from test_data import write_idx


def test_dcgan_shapes_and_init():
    g, d = dcgan.Generator(nz=100, ngf=8), dcgan.Discriminator(ndf=8)
    g.apply(dcgan.weights_init)
    for z in (torch.randn(3, 100), torch.randn(3, 100, 1, 1)):
        x = g(z)
        assert x.shape == (3, 1, 28, 28) and float(x.detach().abs().max()) <= 1
    assert d(x).shape == (3,)
    conv = g.net[0].weight.detach()
    assert abs(float(conv.std()) - 0.02) < 0.005 and abs(float(g.net[1].weight.detach().mean()) - 1) < 0.05


@pytest.fixture(scope="module")
def one_epoch_runs(tmp_path_factory):
    """Every reference model trained for one epoch at seed 7, shared by the tests below."""
    root = tmp_path_factory.mktemp("runs")
    return {name: runs.train_reference(name, epochs=1, seed=7, out=root / name) for name in runs.MODELS}


def test_every_model_builds_and_runs_a_step(one_epoch_runs):
    for name, result in one_epoch_runs.items():
        out = result["out"]
        metrics = json.loads((out / "metrics.json").read_text())
        assert metrics["model"] == name and (out / "model.pt").exists()
        assert list((out / "figures").glob("*.png")), name
        saved = torch.load(out / "model.pt", weights_only=True)
        live = result["model"].state_dict()
        assert saved.keys() == live.keys() and all(torch.equal(saved[k], live[k]) for k in saved), name
        numbers = [v for v in metrics.values() if isinstance(v, float)]
        assert numbers and all(math.isfinite(v) for v in numbers), (name, metrics)


@pytest.mark.parametrize("model", ["vae", "gan", pytest.param("dcgan", marks=pytest.mark.slow)])
def test_same_seed_gives_identical_metrics_and_figures(tmp_path, one_epoch_runs, model):
    first = one_epoch_runs[model]["out"]
    runs.train_reference(model, epochs=1, seed=7, out=tmp_path / "again")
    assert (first / "metrics.json").read_bytes() == (tmp_path / "again" / "metrics.json").read_bytes()
    figures = list((first / "figures").glob("*.png"))
    assert figures
    for fig in figures:
        assert fig.read_bytes() == (tmp_path / "again" / "figures" / fig.name).read_bytes(), fig.name


@pytest.mark.parametrize("model", ["vae", "gan"])
def test_another_seed_gives_other_metrics(tmp_path, one_epoch_runs, model):
    runs.train_reference(model, epochs=1, seed=8, out=tmp_path / "other")
    assert (one_epoch_runs[model]["out"] / "metrics.json").read_bytes() != (
        tmp_path / "other" / "metrics.json"
    ).read_bytes()


def test_cli_reference_list_train_and_errors(tmp_path):
    listed = json.loads(run_cli("reference", "list", "--json").stdout)
    assert {m["name"] for m in listed} >= {
        "ae",
        "conv_ae",
        "vae",
        "conv_vae",
        "beta_vae",
        "gan",
        "dcgan",
        "cgan",
        "wgan_gp",
        "lsgan",
        "stylegan_mini",
    }
    out = tmp_path / "run"
    result = run_cli("reference", "train", "vae", "--epochs", "2", "--seed", "1", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["test_neg_elbo"] > 0 and (out / "metrics.json").exists()
    bad = run_cli("reference", "train", "vae9", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "unknown model" in bad.stderr
    wrong = run_cli("reference", "train", "cgan", "--dataset", "gaussians8", "--out", str(tmp_path / "y"))
    assert wrong.returncode == 2 and "trains on" in wrong.stderr


def test_train_on_local_mnist_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 64), ("t10k", 16)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n, dtype=np.uint8))
    result = run_cli(
        "reference",
        "train",
        "conv_vae",
        "--dataset",
        f"mnist:{tmp_path}",
        "--epochs",
        "1",
        "--out",
        str(tmp_path / "out"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["dataset"] == f"mnist:{tmp_path}"
    missing = run_cli(
        "reference", "train", "conv_vae", "--dataset", f"mnist:{tmp_path / 'nope'}", "--out", str(tmp_path / "o2")
    )
    assert missing.returncode == 2 and "nope" in missing.stderr and "No such file" in missing.stderr
