"""Reference models: shapes, checkpoints, health checks, reproducibility, the CLI's golden-number
settings and data sources (default-length runs on 5 seeds: test_reference_quality.py)."""

import json
import math
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import torch

from conftest import run_cli
from reference_models import data, dcgan, metrics, runs, vae
from test_data import write_idx


def test_dcgan_shapes_and_init():
    g, d = dcgan.build(dcgan.Config())
    for z in (torch.randn(3, 100), torch.randn(3, 100, 1, 1)):
        x = g(z)
        assert x.shape == (3, 1, 28, 28) and float(x.detach().abs().max()) <= 1
    assert d(x).shape == (3,)
    conv = g.net[0].weight.detach()
    assert abs(float(conv.std()) - 0.02) < 0.005 and abs(float(g.net[1].weight.detach().mean()) - 1) < 0.05


@pytest.fixture(scope="module")
def one_epoch_store(tmp_path_factory):
    """The store of finished runs the one-epoch runs are kept in (empty until they train)."""
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def one_epoch_runs(tmp_path_factory, one_epoch_store):
    """Every reference model trained for one epoch at seed 7 (and kept in `one_epoch_store`),
    shared by the tests below."""
    root = tmp_path_factory.mktemp("runs")
    return {
        name: runs.train_reference(name, epochs=1, seed=7, out=root / name, reuse=one_epoch_store)
        for name in runs.MODELS
    }


def test_every_model_builds_and_runs_a_step(one_epoch_runs):
    for name, result in one_epoch_runs.items():
        out = result["out"]
        m = json.loads((out / "metrics.json").read_text())
        assert m["model"] == name and m["config"]["epochs"] == 1
        assert list((out / "figures").glob("*.png")), name
        numbers = [v for v in m.values() if isinstance(v, float)]
        assert numbers and all(math.isfinite(v) for v in numbers), (name, m)


def test_checkpoints_hold_every_network_and_rebuild_from_their_config(one_epoch_runs):
    for name, result in one_epoch_runs.items():
        saved = torch.load(result["out"] / "model.pt", weights_only=True)
        spec = runs.MODELS[name]
        expected = {"model"} if spec.family == "autoencoder" else {"generator", "discriminator"}
        assert set(saved["networks"]) == expected, name
        config = spec.module.Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved["config"].items()})
        x_dim = 2 if spec.default_dataset.startswith("gaussians") else (64 if spec.default_dataset == "digits" else 784)
        built = spec.module.build(config, x_dim)
        built = {"model": built} if spec.family == "autoencoder" else dict(zip(("generator", "discriminator"), built))
        for key, net in built.items():
            net.load_state_dict(saved["networks"][key])  # raises on any missing or misshapen tensor
            live = result["networks"][key].state_dict()
            assert all(torch.equal(saved["networks"][key][k], live[k]) for k in live), (name, key)


def test_one_epoch_runs_are_judged_unhealthy_with_reasons(one_epoch_runs):
    """One epoch is far too short for a trustworthy GAN: every run says so, check by check."""
    for name in ("gan", "wgan_gp", "lsgan", "dcgan", "cgan", "stylegan_mini"):
        health = json.loads((one_epoch_runs[name]["out"] / "metrics.json").read_text())["health"]
        assert not health["healthy"] and health["failed"], name
        for check in health["checks"]:
            assert {"check", "value", "passed", "needs"} <= set(check)


def _same_run(a: dict, b: dict) -> None:
    """Two train_reference results are one run: the same files in their folders (model.pt's tensors
    compared, not its bytes), metrics, networks (weights and mode) and mixture snapshots."""
    assert (a["out"] / "metrics.json").read_bytes() == (b["out"] / "metrics.json").read_bytes()
    figures = sorted(p.name for p in (a["out"] / "figures").glob("*.png"))
    assert figures and figures == sorted(p.name for p in (b["out"] / "figures").glob("*.png"))
    for name in figures:
        assert (a["out"] / "figures" / name).read_bytes() == (b["out"] / "figures" / name).read_bytes(), name
    saved_a, saved_b = (torch.load(r["out"] / "model.pt", weights_only=True) for r in (a, b))
    assert saved_a["config"] == saved_b["config"] and saved_a["networks"].keys() == saved_b["networks"].keys()
    for key, weights in saved_a["networks"].items():
        assert weights.keys() == saved_b["networks"][key].keys()
        assert all(torch.equal(weights[k], saved_b["networks"][key][k]) for k in weights), key
    assert json.dumps(a["metrics"]) == json.dumps(b["metrics"])  # NaN-safe equality
    assert a["networks"].keys() == b["networks"].keys()
    main = "model" if "model" in a["networks"] else "generator"
    assert a["model"] is a["networks"][main] and b["model"] is b["networks"][main]
    for key, net in a["networks"].items():
        other = b["networks"][key]
        assert net.training == other.training
        state, other_state = net.state_dict(), other.state_dict()
        assert state.keys() == other_state.keys()
        assert all(torch.equal(state[k], other_state[k]) for k in state), key
    assert ("snapshots" in a) == ("snapshots" in b)
    for step, samples in a.get("snapshots", {}).items():
        assert torch.equal(samples, b["snapshots"][step]), step


@pytest.mark.parametrize("model", ["vae", "gan", pytest.param("dcgan", marks=pytest.mark.slow)])
def test_same_seed_gives_the_same_run_trained_again_or_reused(tmp_path, one_epoch_runs, one_epoch_store, model):
    """Trained again without a store: identical metrics, figures and weights. Asked of the store the
    first run was kept in: that run, copied, bit for bit, and torch's generator left where training
    leaves it."""
    first = one_epoch_runs[model]
    again = runs.train_reference(model, epochs=1, seed=7, out=tmp_path / "again")
    after_training = torch.get_rng_state()
    torch.manual_seed(12345)  # the state before a call does not matter: every run seeds itself
    reused = runs.train_reference(model, epochs=1, seed=7, out=tmp_path / "reused", reuse=one_epoch_store)
    assert not first["reused"] and not again["reused"] and reused["reused"]
    assert torch.equal(torch.get_rng_state(), after_training)
    assert reused["seconds"] == first["seconds"]  # the training's own time, kept with the run
    _same_run(first, again)
    _same_run(first, reused)


@pytest.mark.parametrize("model", ["vae", "gan"])
def test_another_seed_gives_other_metrics(tmp_path, one_epoch_runs, one_epoch_store, model):
    other = runs.train_reference(model, epochs=1, seed=8, out=tmp_path / "other", reuse=one_epoch_store)
    assert not other["reused"]  # the store holds seed 7's run, not this one
    assert (one_epoch_runs[model]["out"] / "metrics.json").read_bytes() != (
        tmp_path / "other" / "metrics.json"
    ).read_bytes()


def test_a_run_asked_for_twice_at_once_trains_once(tmp_path, one_epoch_runs):
    """The second caller of a run being trained waits on the store's file lock (fcntl.flock: two
    threads' opens conflict as two processes' do) and copies the first caller's run."""
    store, trainers, first_is_training = tmp_path / "store", [], threading.Event()
    results = {}

    def progress_factory(total, label):
        trainers.append(label)

        def tick():
            if not first_is_training.is_set():
                first_is_training.set()
                time.sleep(3)  # the second caller arrives while this one holds the run

        return tick

    def ask(who):
        results[who] = runs.train_reference(
            "vae", epochs=1, seed=7, out=tmp_path / who, reuse=store, progress_factory=progress_factory
        )

    first = threading.Thread(target=ask, args=("first",))
    first.start()
    assert first_is_training.wait(120)
    second = threading.Thread(target=ask, args=("second",))
    second.start()
    first.join()
    second.join()
    assert len(trainers) == 1 and not results["first"]["reused"] and results["second"]["reused"]
    _same_run(results["first"], results["second"])
    _same_run(one_epoch_runs["vae"], results["second"])


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
    result = run_cli("reference", "train", "vae", "--seed", "1", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["test_neg_elbo"] > 0 and summary["health"]["healthy"] and (out / "metrics.json").exists()
    # a 2-d code at beta = 4 on the 8x8 digits collapses: the run is written, and refused as ground truth
    collapsed = run_cli(
        "reference", "train", "beta_vae", "--dataset", "digits", "--latent", "2", "--out", str(tmp_path / "c")
    )
    assert collapsed.returncode == 1, collapsed.stderr
    assert "unhealthy" in collapsed.stderr and "KL not collapsed" in collapsed.stderr
    assert json.loads((tmp_path / "c" / "metrics.json").read_text())["health"]["healthy"] is False
    bad = run_cli("reference", "train", "vae9", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "unknown model" in bad.stderr
    wrong = run_cli("reference", "train", "cgan", "--dataset", "gaussians8", "--out", str(tmp_path / "y"))
    assert wrong.returncode == 2 and "trains on" in wrong.stderr
    for args, message in (
        (("vae", "--latent", "0"), "latent_dim must be a whole number"),
        (("vae", "--lr", "-1"), "lr must be positive"),
        (("vae", "--beta", "-2"), "beta must be 0 or more"),
        (("dcgan", "--hidden", "64"), "dcgan has no setting hidden"),
        (("gan", "--binarize", "static"), "gan has no setting binarize"),
        (("vae", "--preset", "iwae"), "no preset 'iwae' (its presets: pytorch-examples)"),
    ):
        refused = run_cli("reference", "train", *args, "--out", str(tmp_path / "z"))
        assert refused.returncode == 2 and message in refused.stderr, (args, refused.stderr)


def test_golden_number_settings_reach_the_model_and_the_checkpoint(tmp_path):
    result = run_cli(
        "reference", "train", "vae", "--epochs", "1", "--latent", "5", "--hidden", "32", "--batch-size", "100",
        "--beta", "2", "--lr", "0.002", "--binarize", "dynamic", "--out", str(tmp_path), "--json",
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    config = json.loads(result.stdout)["config"]
    assert config | {"latent_dim": 5, "hidden": 32, "batch_size": 100, "beta": 2.0, "lr": 0.002} == config
    assert config["binarize"] == "dynamic"
    weights = torch.load(tmp_path / "model.pt", weights_only=True)["networks"]["model"]
    assert weights["mu.weight"].shape == (5, 32)
    gan = run_cli(
        "reference", "train", "gan", "--epochs", "1", "--lr", "0.0003", "--out", str(tmp_path / "g"), "--json"
    )
    assert json.loads(gan.stdout)["config"] | {"lr_g": 0.0003, "lr_d": 0.0003} == json.loads(gan.stdout)["config"]


def test_binarized_data_is_one_fixed_draw():
    x, _ = data.digits(8)
    a, b = data.binarize(x, 0), data.binarize(x, 0)
    assert torch.equal(a, b) and set(a.unique().tolist()) == {0.0, 1.0}
    assert abs(float(a.mean()) - float(x.mean())) < 0.01
    ds = runs.load_dataset("digits", "01", "dynamic")
    assert torch.equal(ds.x_train, x) and set(ds.x_test.unique().tolist()) == {0.0, 1.0}


def test_beta_vae_reports_the_true_negative_elbo_beside_its_objective():
    torch.manual_seed(0)
    model = vae.VAE(4, 64, 16)
    x = data.digits(8)[0][:50]
    torch.manual_seed(1)
    terms = metrics.vae_terms(model, x, beta=4.0)
    assert terms["objective"] == pytest.approx(terms["recon_nll"] + 4 * terms["kl"], rel=1e-5)
    assert terms["neg_elbo"] == pytest.approx(terms["recon_nll"] + terms["kl"], rel=1e-5)


def test_veegan_mode_count_needs_one_high_quality_sample_per_mode():
    centers = data.ring_centers(8)
    std = 0.05
    samples = torch.cat([centers[0] + 0.01 * torch.randn(500, 2), centers[1:2], torch.zeros(10, 2)])
    m = metrics.mode_coverage(samples, centers, std)
    assert m["modes_covered"] == 2 and m["counts"][:2] == [500, 1]
    assert m["high_quality_share"] == pytest.approx(501 / 511)
    even = metrics.mode_coverage(data.gaussians8(4000, seed=3, std=std)[0], centers, std)
    assert even["modes_covered"] == 8 and even["mode_kl"] < 0.01


def test_within_class_diversity_is_one_for_data_and_zero_for_one_image_per_class():
    ds = runs.load_dataset("digits", "pm1")
    evaluator = metrics.ImageEvaluator(ds)
    held_out = evaluator.scores(lambda n: ds.x_test[torch.randperm(len(ds.x_test))[:n]])
    assert 0.8 < held_out["within_class_diversity"] < 1.2
    assert held_out["frechet_distance"] == pytest.approx(held_out["frechet_distance_real_floor"], rel=0.05)
    one_each = torch.stack([ds.x_train[(ds.y_train == c).nonzero()[0, 0]] for c in range(10)])
    repeated = evaluator.scores(lambda n: one_each[torch.arange(n) % 10])
    assert repeated["within_class_diversity"] < 0.05
    assert repeated["frechet_distance"] > 3 * held_out["frechet_distance"]


def test_value_range_is_given_not_guessed():
    """Bright [-1, 1] images (none below 0) are the same images as their [0, 1] version."""
    x01, _ = data.digits(8, "01", "test")
    bright = x01 * 0.5 + 0.5  # in [0.5, 1]
    pm1 = bright * 2 - 1  # in [0, 1] numerically, but a [-1, 1] batch
    a = metrics.digits_features(bright, "01")
    b = metrics.digits_features(pm1, "pm1")
    assert np.allclose(a, b, atol=1e-5)
    with pytest.raises(ValueError, match="value_range"):
        metrics.digits_features(bright, "0-255")


def test_feature_net_weights_do_not_depend_on_the_thread_count(tmp_path):
    script = (
        "import sys, torch, hashlib; torch.set_num_threads(int(sys.argv[1])); "
        "from reference_models import classifier; classifier.MIN_STEPS = 60; net = classifier.digits_net(); "
        "print(hashlib.sha256(b''.join(p.numpy().tobytes() for p in net.parameters())).hexdigest())"
    )
    digests = set()
    for threads in ("1", "2"):
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / threads)}  # no cache: train afresh
        done = subprocess.run([sys.executable, "-c", script, threads], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def write_mnist_framed_digits(folder, labels=True):
    """The bundled digits framed as MNIST frames its digits (20x20 in a 28x28 field), as IDX files."""
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, split in (("train", "train"), ("t10k", "test")):
        x, y = data.digits(8, "01", split)
        digit = torch.nn.functional.interpolate(x, size=(20, 20), mode="bilinear", align_corners=False)
        framed = torch.nn.functional.pad(digit, (4, 4, 4, 4)).clamp(0, 1)[:, 0]
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", (framed.numpy() * 255).round().astype(np.uint8))
        if labels:
            write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", y.numpy().astype(np.uint8))
    return folder


def test_mnist_data_gets_a_feature_net_of_its_own_or_no_fd(tmp_path):
    """The 8x8 digits' net reads MNIST-framed digits badly; IDX data gets a net trained on its own
    labelled training split, and without labels the Fréchet distance is refused, not made up."""
    labelled = runs.load_dataset(f"mnist:{write_mnist_framed_digits(tmp_path / 'idx')}", "pm1")
    evaluator = metrics.ImageEvaluator(labelled)
    assert evaluator.net.side == 28 and evaluator.net.held_out_accuracy >= 0.9
    held_out = evaluator.scores(lambda n: labelled.x_test[:n])
    assert held_out["frechet_distance"] == pytest.approx(held_out["frechet_distance_real_floor"], rel=1e-6)
    digits_net = metrics.digits_net()
    assert (digits_net(labelled.x_test, "pm1").argmax(1) == labelled.y_test).float().mean() < 0.6
    images_only = tmp_path / "idx" / "train-images-idx3-ubyte.gz"
    out = tmp_path / "run"
    result = run_cli(
        "reference", "train", "ae", "--dataset", f"mnist:{images_only}", "--epochs", "1", "--out", str(out)
    )
    m = json.loads((out / "metrics.json").read_text())
    assert "prior_samples_frechet_distance" not in m and "no labels" in m["frechet_distance_refused"]
    assert "no labels" in result.stdout + result.stderr


def test_pytorch_examples_preset_matches_its_own_code_on_the_same_data(tmp_path):
    """The preset is pytorch/examples' vae/main.py: the same architecture and per-image test loss as a
    line-by-line port of that script, trained on the same IDX files."""
    folder = write_mnist_framed_digits(tmp_path / "idx")
    out = tmp_path / "ours"
    result = run_cli(
        "reference", "train", "vae", "--preset", "pytorch-examples", "--dataset", f"mnist:{folder}",
        "--out", str(out), "--json",
    )  # fmt: skip
    ours = json.loads(result.stdout)
    assert ours["config"] | {"latent_dim": 20, "hidden": 400, "batch_size": 128, "epochs": 10} == ours["config"]
    weights = torch.load(out / "model.pt", weights_only=True)["networks"]["model"]
    assert weights["body.1.weight"].shape == (400, 784) and weights["mu.weight"].shape == (20, 400)
    assert ours["test_neg_elbo"] == pytest.approx(_pytorch_examples_test_loss(folder), rel=0.03)


def _pytorch_examples_test_loss(folder, epochs=10, seed=1):
    """pytorch/examples vae/main.py (fc1 784-400, fc21/fc22 400-20, fc3 20-400, fc4 400-784; BCE
    summed + KLD; Adam 1e-3, batch 128, 10 epochs), with the IDX files in place of torchvision."""
    import torch.nn.functional as F
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    class Port(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
            self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

        def forward(self, x):
            h1 = F.relu(self.fc1(x.view(-1, 784)))
            mu, logvar = self.fc21(h1), self.fc22(h1)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
        return bce + -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

    torch.manual_seed(seed)
    train_x, train_y = data.mnist(folder, "train")
    test_x, test_y = data.mnist(folder, "test")
    train_loader = DataLoader(TensorDataset(train_x, train_y), batch_size=128, shuffle=True)
    test_loader = DataLoader(TensorDataset(test_x, test_y), batch_size=128)
    model = Port()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        model.train()
        for x, _ in train_loader:
            optimizer.zero_grad()
            recon, mu, logvar = model(x)
            loss_function(recon, x, mu, logvar).backward()
            optimizer.step()
    model.eval()
    test_loss = 0.0
    with torch.no_grad():
        for x, _ in test_loader:
            recon, mu, logvar = model(x)
            test_loss += loss_function(recon, x, mu, logvar).item()
    return test_loss / len(test_loader.dataset)


@pytest.mark.skipif(
    not os.environ.get("EXAMKIT_MNIST"), reason="set EXAMKIT_MNIST to a folder of the real MNIST IDX files"
)
def test_pytorch_examples_preset_reaches_the_published_figure_on_real_mnist(tmp_path):
    """pytorch/examples' VAE prints a test loss of about 105 nats per image after 10 epochs."""
    result = run_cli(
        "reference", "train", "vae", "--preset", "pytorch-examples", "--dataset", f"mnist:{os.environ['EXAMKIT_MNIST']}",
        "--out", str(tmp_path), "--json", timeout=1800,
    )  # fmt: skip
    assert 100 < json.loads(result.stdout)["test_neg_elbo"] < 110


def test_train_on_local_mnist_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 64), ("t10k", 16)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n, dtype=np.uint8))
    result = run_cli(
        "reference", "train", "conv_vae", "--dataset", f"mnist:{tmp_path}", "--epochs", "1",
        "--out", str(tmp_path / "out"), "--json",
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr  # noise data: health may fail, the run is written
    m = json.loads(result.stdout)
    assert m["dataset"] == f"mnist:{tmp_path}"
    assert "frechet_distance_refused" in m  # a net trained on 64 noise images classifies nothing
    missing = run_cli(
        "reference", "train", "conv_vae", "--dataset", f"mnist:{tmp_path / 'nope'}", "--out", str(tmp_path / "o2")
    )
    assert missing.returncode == 2 and "nope" in missing.stderr and "No such file" in missing.stderr
