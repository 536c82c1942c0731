"""Run the corpus notebooks top to bottom in a real Jupyter kernel, offline, and check each one.

    .venv/bin/python tests/corpus/labs/verify_notebooks.py [--site DIR] [--jobs N] [FILE.ipynb ...]

Not part of the test suite (nothing imports it; pytest does not collect it). Each notebook runs in
a fresh IPython kernel (nbclient, the venv's python) in a temporary working folder, with
`_jupyter_shim/` on PYTHONPATH in place of torchvision (64 random MNIST-shaped images, so that a
student's `for epoch in range(20)` finishes in seconds) and pip pointed at no index (a `!pip
install` fails as it does offline and installs nothing). `--site DIR` adds a folder of extra
packages the students had (tqdm: `pip install --target DIR tqdm`).

A check cell is appended in memory (never saved): it calls the lab contract's names in the
notebook's own kernel and compares their values with the formulas, computed here independently of
examkit. MANIFEST.json says what each notebook should give: a correct one passes every check, a
buggy one fails the checks named in its `failing_checks` (substrings of the grader's check names,
which the checks below reuse) and passes the others. The training checks of the grader are not
repeated here. The only cells allowed to fail are the offline ones (`from google.colab import
drive`). Exit status 0 when every notebook behaves as its manifest entry says.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SHIM = HERE / "_jupyter_shim"
MARKER = "__CORPUS_CHECK__"
OFFLINE_SOURCES = ("google.colab", "drive.mount")  # a cell mentioning these may fail outside Colab

COMMON = r"""
def __corpus_check(lab):
    import json, math
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    ns = globals()
    results = {}
    torch.manual_seed(1234)

    def check(name):
        def wrap(fn):
            try:
                ok, msg = fn()
            except Exception as exc:  # the student's code raised: the check fails
                ok, msg = False, f"{type(exc).__name__}: {str(exc)[:200]}"
            results[name] = [bool(ok), str(msg)[:300]]
            return fn
        return wrap

    def close(a, b, rtol=1e-4, atol=1e-5):
        a = torch.as_tensor(a).detach().double().cpu()
        b = torch.as_tensor(b).detach().double().cpu()
        return a.shape == b.shape and bool(torch.isfinite(a).all()) and torch.allclose(a, b, rtol=rtol, atol=atol)

    def scalar(v):
        return float(torch.as_tensor(v).detach().double().cpu().reshape(()))
"""

VAE_CHECKS = r"""
    if lab == "vae":
        VAE = ns["VAE"]
        model = VAE(latent_dim=20)

        def encode(m, x):
            try:
                return m.encode(x)
            except Exception:
                return m.encode(x.reshape(x.shape[0], 784))

        def kl_closed(mu, logvar):
            mu, logvar = mu.double(), logvar.double()
            return float(0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum())

        @check("VAE.encode: returns (mu, logvar) of shape (N, latent_dim)")
        def _():
            mu, logvar = encode(model, torch.rand(4, 1, 28, 28))
            return tuple(mu.shape) == (4, 20) and tuple(logvar.shape) == (4, 20), (tuple(mu.shape), tuple(logvar.shape))

        @check("VAE.decode: images in [0, 1]")
        def _():
            out = model.decode(torch.randn(5, 20) * 3)
            shape_ok = tuple(out.shape) in ((5, 784), (5, 1, 28, 28))
            return shape_ok and 0 <= float(out.min()) and float(out.max()) <= 1, (tuple(out.shape), float(out.min()), float(out.max()))

        @check("VAE.forward: returns (x_hat, mu, logvar)")
        def _():
            r = model(torch.rand(3, 1, 28, 28))
            ok = isinstance(r, tuple) and len(r) == 3 and tuple(r[0].shape) in ((3, 784), (3, 1, 28, 28))
            return ok and tuple(r[1].shape) == (3, 20) and tuple(r[2].shape) == (3, 20), [tuple(t.shape) for t in r]

        @check("kl_divergence: closed-form KL summed over batch and latent dims")
        def _():
            mu, logvar = torch.randn(6, 20), torch.randn(6, 20)
            got, want = scalar(ns["kl_divergence"](mu, logvar)), kl_closed(mu, logvar)
            return math.isclose(got, want, rel_tol=1e-4), (got, want)

        mu = torch.randn(4000, 20)
        logvar = torch.rand(4000, 20) * 2 - 1.5
        mu_g, logvar_g = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
        z = model.reparameterize(mu_g, logvar_g)

        @check("VAE.reparameterize: adds noise")
        def _():
            z2 = model.reparameterize(mu, logvar)
            return not torch.allclose(z.detach(), mu) and not torch.allclose(z.detach(), z2), "z differs from mu and between calls"

        @check("VAE.reparameterize: sigma = exp(logvar / 2)")
        def _():
            eps = (z.detach() - mu) / torch.exp(0.5 * logvar)
            return abs(float(eps.std()) - 1) < 0.03 and abs(float(eps.mean())) < 0.03, (float(eps.mean()), float(eps.std()))

        @check("VAE.reparameterize: gradients reach mu and logvar")
        def _():
            z.sum().backward()  # the values of dz/dlogvar are the sigma check's business: here, that they flow
            reach = logvar_g.grad is not None and bool(logvar_g.grad.abs().sum() > 0)
            return mu_g.grad is not None and close(mu_g.grad, torch.ones_like(mu)) and reach, "dz/dmu = 1, dz/dlogvar nonzero"

        x_img = torch.rand(3, 1, 28, 28)
        x_hat_flat = torch.rand(3, 784) * 0.9 + 0.05
        out_shape = tuple(model(x_img)[0].shape)  # the student's own x_hat shape
        x_hat = x_hat_flat.view(out_shape)
        lmu, llogvar = torch.randn(3, 20), torch.randn(3, 20) * 0.5
        bce = float(F.binary_cross_entropy(x_hat_flat.double(), x_img.double().view(3, 784), reduction="sum"))
        kl = kl_closed(lmu, llogvar)

        @check("vae_loss: summed BCE plus KL")
        def _():
            got = scalar(ns["vae_loss"](x_hat, x_img, lmu, llogvar))
            return math.isclose(got, bce + kl, rel_tol=1e-4), (got, bce, kl)

        @check("vae_loss: beta weights the KL term")
        def _():
            three = scalar(ns["vae_loss"](x_hat, x_img, lmu, llogvar, beta=3.0))
            zero = scalar(ns["vae_loss"](x_hat, x_img, lmu, llogvar, beta=0.0))
            one = scalar(ns["vae_loss"](x_hat, x_img, lmu, llogvar, beta=1.0))
            # beta scales exactly the KL part of the student's own loss, whatever its reduction
            return math.isclose(three - zero, 3 * (one - zero), rel_tol=1e-3) and math.isclose(one - zero, kl, rel_tol=1e-3) or math.isclose(three, bce + 3 * kl, rel_tol=1e-4), (zero, one, three)

        @check("sample: n images from z ~ N(0, I)")
        def _():
            m = VAE(latent_dim=20)
            m.train()
            seen = []
            for layer in m.modules():
                if isinstance(layer, (nn.Dropout, nn.BatchNorm1d, nn.BatchNorm2d)):
                    layer.register_forward_pre_hook(lambda mod, inp: seen.append(mod.training))
            s = ns["sample"](m, 6)
            flat = s.detach().reshape(6, -1)
            ok = tuple(s.shape) in ((6, 784), (6, 1, 28, 28)) and 0 <= float(s.min()) and float(s.max()) <= 1
            ok = ok and not torch.allclose(flat[0], flat[1])
            return ok and not any(seen), (tuple(s.shape), "layers in training mode while sampling" if any(seen) else "eval")

        @check("interpolate: endpoints are the decoded encoder means")
        def _():
            m = VAE(latent_dim=20)
            m.eval()
            x1, x2 = torch.rand(1, 28, 28), torch.rand(1, 28, 28)  # dataset items, as train_set[i][0]
            frames = ns["interpolate"](m, x1, x2, steps=7)
            with torch.no_grad():
                mu1 = encode(m, x1.unsqueeze(0))[0]
                mu2 = encode(m, x2.unsqueeze(0))[0]
                t = torch.linspace(0, 1, 7).view(7, 1)
                want = m.decode((1 - t) * mu1 + t * mu2).reshape(7, -1)
            if frames.shape[0] != 7:
                return False, f"{frames.shape[0]} frames for steps=7"
            default = ns["interpolate"](m, x1, x2)
            got = frames.detach().reshape(7, -1)
            ok = close(got, want, 1e-3, 1e-4) and default.shape[0] == 10
            ends = close(got[[0, -1]], want[[0, -1]], 1e-3, 1e-4)
            return ok, "every frame decodes (1 - t) mu1 + t mu2" if ok else f"endpoints match: {ends}; frames along the latent line: False"
"""

GAN_CHECKS = r"""
    if lab == "gan":
        Generator, Discriminator = ns["Generator"], ns["Discriminator"]

        @check("Generator: (N, 1, 28, 28) images in [-1, 1]")
        def _():
            msgs = []
            for ngf in (64, 16):
                g = Generator(nz=100, ngf=ngf)
                g.eval()
                z = torch.randn(4, 100)
                with torch.no_grad():
                    a, b, c = g(z), g(z.view(4, 100, 1, 1)), g(z * 100)
                if tuple(a.shape) != (4, 1, 28, 28) or not close(a, b):
                    return False, (tuple(a.shape), tuple(b.shape))
                lo, hi = float(torch.min(a.min(), c.min())), float(torch.max(a.max(), c.max()))
                if lo < -1 or hi > 1:
                    return False, f"range [{lo:.3g}, {hi:.3g}]"
                msgs.append(ngf)
            return True, f"ngf {msgs}: (4, 1, 28, 28) in [-1, 1], both noise shapes"

        column = [False]

        @check("Discriminator: probabilities in (0, 1)")
        def _():
            for ndf in (64, 16):
                d = Discriminator(ndf=ndf)
                d.eval()
                x = torch.rand(5, 1, 28, 28) * 2 - 1
                with torch.no_grad():
                    out, large = d(x), d(x * 100)
                if tuple(out.shape) not in ((5,), (5, 1)):
                    return False, tuple(out.shape)
                column[0] = tuple(out.shape) == (5, 1)
                if float(torch.min(out.min(), large.min())) < 0 or float(torch.max(out.max(), large.max())) > 1:
                    return False, "outside [0, 1]: logits"
            return True, f"shape {tuple(out.shape)}"

        @check("weights_init: DCGAN initialization")
        def _():
            probe = nn.Sequential(nn.Conv2d(16, 32, 3), nn.ConvTranspose2d(32, 16, 3), nn.BatchNorm2d(4096))
            probe.apply(ns["weights_init"])
            conv, deconv, bn = probe
            for name, w in (("conv", conv.weight), ("deconv", deconv.weight)):
                if abs(float(w.std()) - 0.02) > 0.003 or abs(float(w.mean())) > 0.003:
                    return False, f"{name} std {float(w.std()):.4f}"
            if abs(float(bn.weight.mean()) - 1) > 0.005 or abs(float(bn.weight.std()) - 0.02) > 0.004 or bool(bn.bias.any()):
                return False, "batch norm"
            g = Generator(nz=100, ngf=64)
            g.apply(ns["weights_init"])
            convs = [m for m in g.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
            if not convs or any(abs(float(m.weight.std()) - 0.02) > 0.004 for m in convs):
                return False, "the student's own Generator's conv layers"
            return True, "N(0, 0.02) conv and transposed conv, N(1, 0.02) batch norm, zero bias"

        shape = (6, 1) if column[0] else (6,)
        d_real, d_fake = (torch.rand(6) * 0.8 + 0.1).view(shape), (torch.rand(6) * 0.8 + 0.1).view(shape)

        @check("discriminator_loss: -mean log D(x) - mean log(1 - D(G(z)))")
        def _():
            want = float(-(d_real.double().log().mean() + (1 - d_fake.double()).log().mean()))
            got = scalar(ns["discriminator_loss"](d_real.clone(), d_fake.clone()))
            return math.isclose(got, want, rel_tol=1e-4), (got, want)

        @check("generator_loss: non-saturating -mean log D(G(z))")
        def _():
            want = float(-d_fake.double().log().mean())
            got = scalar(ns["generator_loss"](d_fake.clone()))
            return math.isclose(got, want, rel_tol=1e-4), (got, want)

        class TinyG(nn.Module):  # dark images whatever z is; only the bias learns
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(100, 784)
                with torch.no_grad():
                    self.fc.weight.zero_()
                    self.fc.bias.fill_(-1.0)
                self.fc.weight.requires_grad_(False)

            def forward(self, z):
                return torch.tanh(self.fc(z.reshape(z.shape[0], -1))).view(-1, 1, 28, 28)

        class TinyD(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 1)

            def forward(self, x):
                out = torch.sigmoid(self.fc(x.reshape(x.shape[0], -1)))
                return out if column[0] else out.view(-1)

        def grad_norm(m):
            return sum(float(p.grad.double().pow(2).sum()) for p in m.parameters() if p.grad is not None) ** 0.5

        tg, td = TinyG(), TinyD()
        real = 0.6 + 0.3 * torch.rand(8, 1, 28, 28)
        z_fixed = torch.randn(8, 100)
        log = []

        def state():
            with torch.no_grad():
                return {"real": float(td(real).mean()), "fake": float(td(tg(z_fixed)).mean()), "g": grad_norm(tg), "d": grad_norm(td)}

        def watched(params, label, lr):
            class SGD(torch.optim.SGD):
                def step(self, closure=None):
                    before = state()
                    out = super().step(closure)
                    log.append((label, before, state()))
                    return out
            return SGD(params, lr=lr)

        opt_g, opt_d = watched(tg.parameters(), "G", 0.5), watched(td.parameters(), "D", 1e-3)
        first = ns["train_step"](tg, td, opt_g, opt_d, real, 100)
        first_log = list(log)
        for p in list(tg.parameters()) + list(td.parameters()):
            p.grad = torch.full_like(p, 1e4)
        log.clear()
        second = ns["train_step"](tg, td, opt_g, opt_d, real, 100)
        d1 = next((e for e in first_log if e[0] == "D"), None)
        g1 = next((e for e in first_log if e[0] == "G"), None)

        @check("train_step: returns (loss_D, loss_G)")
        def _():
            vals = [float(v) for v in list(first)[:2]] + [float(v) for v in list(second)[:2]]
            order = [e[0] for e in first_log]
            return len(first) == 2 and all(math.isfinite(v) for v in vals) and order == ["D", "G"], (vals, order)

        @check("train_step: fakes detached in the D step")
        def _():
            return d1 is not None and d1[1]["g"] == 0, d1 and d1[1]["g"]

        @check("train_step: gradients zeroed every step")
        def _():
            steps = {e[0]: e for e in log}
            return len(steps) == 2 and steps["D"][1]["d"] < 1e3 and steps["G"][1]["g"] < 1e3, {k: (v[1]["d"], v[1]["g"]) for k, v in steps.items()}

        @check("train_step: D step pushes real up and fake down")
        def _():
            return d1 is not None and d1[2]["real"] > d1[1]["real"] and d1[2]["fake"] < d1[1]["fake"], d1 and (d1[1], d1[2])

        @check("train_step: G step fools D")
        def _():
            return g1 is not None and g1[2]["fake"] > g1[1]["fake"], g1 and (g1[1]["fake"], g1[2]["fake"])
"""

TAIL = r"""
    print("__CORPUS_CHECK__" + json.dumps(results))


__corpus_check(LAB)
del __corpus_check
"""


def check_source(lab: str) -> str:
    return (COMMON + VAE_CHECKS + GAN_CHECKS + TAIL).replace("LAB", repr(lab))


def kernel_env(site: str | None = None) -> dict:
    env = dict(os.environ)
    paths = [str(SHIM)] + ([site] if site else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update({"PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    for key in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL", "MPLBACKEND"):
        env.pop(key, None)
    env.setdefault("OMP_NUM_THREADS", "2")
    return env


def execute(nb, lab: str, site: str | None = None, timeout: int = 900):
    """Run `nb` (not modified) in a fresh kernel; returns (executed notebook without the check cell,
    errors [(cell index, ename, evalue, first line)], check results {name: [ok, message]})."""
    from nbclient import NotebookClient

    run = copy.deepcopy(nb)
    run.cells.append(nbformat.v4.new_code_cell(check_source(lab)))
    with tempfile.TemporaryDirectory(prefix="corpus-run-") as work:
        client = NotebookClient(
            run,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            record_timing=False,
            resources={"metadata": {"path": work}},
        )
        client.execute(env=kernel_env(site), cwd=work)
    check_cell = run.cells.pop()
    results = None
    for out in check_cell.get("outputs", []):
        text = out.get("text", "")
        for line in text.splitlines():
            if line.startswith(MARKER):
                results = json.loads(line[len(MARKER) :])
        if out.get("output_type") == "error":
            results = {"check cell": [False, f"{out['ename']}: {out['evalue']}"]}
    errors = []
    for index, cell in enumerate(run.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                first = next((line for line in cell.source.splitlines() if line.strip()), "")
                errors.append((index, out["ename"], out["evalue"][:200], first[:80]))
    return run, errors, results or {"check cell": [False, "no result printed"]}


def offline_only(nb, errors) -> list:
    """The errors that are not the offline cells' (google.colab outside Colab)."""
    return [e for e in errors if not any(s in nb.cells[e[0]].source for s in OFFLINE_SOURCES)]


def judge(entry: dict, nb, errors, results) -> list[str]:
    """Problems with one notebook against its manifest entry (empty: as expected)."""
    problems = [f"cell {e[0]} ({e[3]!r}) raised {e[1]}: {e[2]}" for e in offline_only(nb, errors)]
    expected_fail = entry.get("failing_checks", []) if entry["expected"] == "bug" else []
    for name, (ok, msg) in results.items():
        should_fail = any(s in name for s in expected_fail)
        if ok and should_fail:
            problems.append(f"check {name!r} passed but the bug should fail it ({msg})")
        elif not ok and not should_fail:
            problems.append(f"check {name!r} failed: {msg}")
    checked = [s for s in expected_fail if any(s in name for name in results)]
    if entry["expected"] == "bug" and not checked and not any("training" in s for s in expected_fail):
        problems.append("no check here covers the bug")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help="notebooks relative to this folder (default: all in MANIFEST.json)")
    parser.add_argument("--site", help="a folder of extra packages for the kernel (tqdm)")
    parser.add_argument("--jobs", type=int, default=6)
    args = parser.parse_args(argv)
    manifest = {e["file"]: e for e in json.loads((HERE / "MANIFEST.json").read_text())}
    files = args.files or list(manifest)

    def one(name):
        entry = manifest[name]
        nb = nbformat.read(HERE / name, as_version=4)
        nbformat.validate(nb)
        _, errors, results = execute(nb, entry["lab"], args.site)
        return name, judge(entry, nb, errors, results), errors, results

    bad = 0
    with ThreadPoolExecutor(args.jobs) as pool:
        for name, problems, errors, results in pool.map(one, files):
            failed = sorted(k for k, (ok, _) in results.items() if not ok)
            status = "ok  " if not problems else "FAIL"
            bad += bool(problems)
            print(
                f"{status} {name}: {manifest[name]['expected']}; failed checks {failed}; errors in cells {[e[0] for e in errors]}"
            )
            for p in problems:
                print(f"       {p}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
