"""The checks of each lab, judged outside the jail against the reference formulas.

Inputs are regenerated here from the same seed and in the same order as `harness/harness.py`
draws them (keep the two in step). Each check names the contract item it checks, gives points,
and for each known pitfall a specific message.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from reference_models import losses


@dataclass
class Check:
    name: str  # "contract: what is checked"
    probe: str
    points: float
    judge: Callable  # (ProbeResult, seed) -> (fraction, message)


def _seeded(seed) -> torch.Generator:
    """The harness's draws, reproduced without touching the global RNG (checks run in threads)."""
    return torch.Generator().manual_seed(seed)


_REFERENCE_LOCK = threading.Lock()  # reference runs use the global RNG; one at a time


def _close(a, b, rtol=1e-4, atol=1e-5):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.isfinite(a))) and np.allclose(a, b, rtol=rtol, atol=atol)


def _scalar(value) -> float:
    value = np.asarray(value, dtype=np.float64)
    if value.size != 1:
        raise ValueError(f"expected a scalar, got shape {value.shape}")
    return float(value.reshape(()))


def _image_shape_ok(arr, n) -> bool:
    return arr.shape in ((n, 784), (n, 1, 28, 28))


# --- VAE ---------------------------------------------------------------------------------------
def kl_inputs(seed):
    g = _seeded(seed)
    return torch.randn(4, 5, generator=g), torch.randn(4, 5, generator=g)


def judge_encode(r, seed):
    mu, logvar = r.arrays["mu"], r.arrays["logvar"]
    if mu.shape != (4, 20) or logvar.shape != (4, 20):
        return (
            0,
            f"encode(x) should give mu and logvar of shape (N, latent_dim) = (4, 20); got {mu.shape}, {logvar.shape}",
        )
    return 1, f"mu and logvar have shape (4, 20) (input accepted as {r.values.get('input_form')})"


def judge_decode(r, seed):
    out = r.arrays["out"]
    if not _image_shape_ok(out, 5):
        return 0, f"decode(z) should give (N, 784) or (N, 1, 28, 28); got {out.shape}"
    if not np.all(np.isfinite(out)) or out.min() < 0 or out.max() > 1:
        return (
            0,
            f"decoder outputs must lie in [0, 1] (Bernoulli means; end with a sigmoid); got range [{out.min():.3g}, {out.max():.3g}]",
        )
    return 1, "decoded images have the right shape and lie in [0, 1]"


def judge_forward(r, seed):
    x_hat, mu, logvar = r.arrays["x_hat"], r.arrays["mu"], r.arrays["logvar"]
    if not _image_shape_ok(x_hat, 3) or mu.shape != (3, 20) or logvar.shape != (3, 20):
        return (
            0,
            f"forward(x) should return x_hat (N, 784 or 1x28x28), mu and logvar (N, 20); got {x_hat.shape}, {mu.shape}, {logvar.shape}",
        )
    return 1, "forward returns (x_hat, mu, logvar) with the right shapes"


def judge_kl(r, seed):
    mu, logvar = kl_inputs(seed)
    expected = float(losses.kl_diag_gaussian(mu.double(), logvar.double()))
    got = _scalar(r.arrays["kl"])
    if np.isclose(got, expected, rtol=1e-4):
        return 1, f"KL = {got:.6g}, as expected"
    var = logvar.double()
    pitfalls = {
        "wrong sign: KL(q||p) = -1/2 sum(1 + log sigma^2 - mu^2 - sigma^2) is never negative": -expected,
        "mean over the batch instead of the sum over batch and latent dims": expected / 4,
        "mean over all elements instead of the sum": expected / 20,
        "logvar used as the standard deviation": float(
            -0.5 * torch.sum(1 + torch.log(var**2) - mu.double() ** 2 - var**2)
        ),
        "missing the factor 1/2": 2 * expected,
    }
    for message, value in pitfalls.items():
        if np.isclose(got, value, rtol=1e-4):
            return 0, f"kl_divergence returned {got:.6g}, expected {expected:.6g}: {message}"
    return (
        0,
        f"kl_divergence returned {got:.6g}, expected {expected:.6g} (sum over batch and latent dims of the closed form)",
    )


def judge_noise(r, seed):
    z1, z2 = r.arrays["z1"], r.arrays["z2"]
    mu = torch.randn(2000, 4, generator=_seeded(seed)).double().numpy()
    if z1.shape != mu.shape:
        return 0, f"reparameterize should return z with the shape of mu {mu.shape}; got {z1.shape}"
    if np.allclose(z1, mu) or np.allclose(z1, z2):
        return 0, "no noise: z must be mu + sigma * eps with fresh eps ~ N(0, I) on every call"
    return 1, "z is random around mu"


def judge_sigma(r, seed):
    g = _seeded(seed)
    mu = torch.randn(2000, 4, generator=g).double().numpy()
    logvar = (torch.rand(2000, 4, generator=g) * 2 - 1.5).double().numpy()
    z = r.arrays["z2"]
    if z.shape != mu.shape:
        return 0, "cannot judge the noise scale: wrong output shape"
    ratios = {"exp(logvar/2)": np.exp(0.5 * logvar), "logvar": logvar, "exp(logvar)": np.exp(logvar)}
    stds = {k: float(np.std((z - mu) / v)) for k, v in ratios.items()}
    if abs(stds["exp(logvar/2)"] - 1) < 0.08:
        return 1, "the noise is scaled by sigma = exp(logvar / 2)"
    if abs(stds["logvar"] - 1) < 0.08:
        return 0, "logvar used as the standard deviation: scale eps by exp(0.5 * logvar)"
    if abs(stds["exp(logvar)"] - 1) < 0.08:
        return 0, "logvar used as the variance (exp(logvar) is sigma^2): scale eps by exp(0.5 * logvar)"
    return 0, f"(z - mu) / sigma should be N(0, 1); its standard deviation is {stds['exp(logvar/2)']:.3g}"


def judge_reparam_grad(r, seed):
    g_mu, g_lv = r.arrays.get("grad_mu"), r.arrays.get("grad_logvar")
    if g_mu is None or g_lv is None or g_mu.size == 0 or g_lv.size == 0 or not np.any(g_lv):
        return 0, (
            "sampling blocks gradients: z must be computed from mu and logvar with differentiable "
            "operations (mu + std * eps), not torch.normal / .sample() / detached tensors"
        )
    if not np.allclose(g_mu, 1.0):
        return 0, "dz/dmu should be 1 (z = mu + sigma * eps)"
    return 1, "gradients reach mu and logvar"


def _loss_inputs(seed):
    g = _seeded(seed)
    x = torch.rand(3, 784, generator=g)
    x_hat = torch.rand(3, 784, generator=g) * 0.9 + 0.05
    mu, logvar = torch.randn(3, 6, generator=g), torch.randn(3, 6, generator=g) * 0.5
    bce = float(losses.bernoulli_nll(x_hat.double(), x.double()))
    kl = float(losses.kl_diag_gaussian(mu.double(), logvar.double()))
    return bce, kl


def judge_vae_loss(r, seed):
    bce, kl = _loss_inputs(seed)
    got = _scalar(r.arrays["beta1"])
    expected = bce + kl
    if np.isclose(got, expected, rtol=1e-4):
        return 1, f"loss = BCE (summed) + KL = {got:.6g}"
    pitfalls = {
        "mean instead of sum reduction: sum the BCE over pixels and batch (reduction='sum')": [
            bce / 3 + kl / 3,
            (bce + kl) / 3,
        ],
        "mixed reductions: the BCE is averaged but the KL summed (or the other way round); sum both": [
            bce / (3 * 784) + kl,
            bce / 3 + kl,
            bce + kl / 3,
            bce + kl / 6,
            bce + kl / 18,
            bce / (3 * 784) + kl / 3,
            bce / 784 + kl,
        ],
        "KL subtracted: the loss is -ELBO = reconstruction + KL": [bce - kl],
        "KL term missing": [bce],
    }
    for message, values in pitfalls.items():
        if any(np.isclose(got, v, rtol=1e-4) for v in values):
            return 0, f"vae_loss returned {got:.6g}, expected {expected:.6g}: {message}"
    return 0, f"vae_loss returned {got:.6g}, expected BCE {bce:.6g} + KL {kl:.6g} = {expected:.6g}"


REDUCTIONS = (1, 1 / 3, 1 / 6, 1 / 18, 1 / 784, 1 / 2352)  # sum; mean over the batch, latent dims, elements


def judge_beta(r, seed):
    """Judged on the student's own loss, whatever its reduction (vae_loss judges that): beta must
    scale exactly the KL part, L(beta) = R + beta * K with K the KL of this batch, as reduced."""
    bce, kl = _loss_inputs(seed)
    one, three = _scalar(r.arrays["beta1"]), _scalar(r.arrays["beta3"])
    if not (np.isfinite(one) and np.isfinite(three)):
        return 0, "vae_loss returned NaN or inf"
    if np.isclose(three, bce + 3 * kl, rtol=1e-4):
        return 1, "beta multiplies the KL term"
    if np.isclose(three, one, rtol=1e-6):
        return 0, "beta is ignored: vae_loss(..., beta=3) equals beta=1"
    zero = _scalar(r.arrays["beta0"]) if "beta0" in r.arrays else None
    if zero is not None and np.isfinite(zero):
        # The losses are float32 sums of about 2000: differences carry their rounding (a few 1e-4).
        noise = 8 * np.finfo(np.float32).eps * max(abs(zero), abs(one), abs(three))
        near = lambda a, b, rtol: abs(a - b) <= max(rtol * abs(b), noise)  # noqa: E731
        weighted = one - zero  # what beta multiplies, in the student's own reduction
        if near(three - zero, 3 * weighted, 1e-4):
            if any(near(weighted, kl * c, 1e-3) for c in REDUCTIONS):
                return 1, "beta multiplies the KL term (of your loss's reduction)"
            if any(near(weighted, bce * c, 1e-3) for c in REDUCTIONS):
                return 0, "beta is on the wrong term: it weights the KL, not the reconstruction"
    if np.isclose(three, 3 * bce + kl, rtol=1e-4):
        return 0, "beta is on the wrong term: it weights the KL, not the reconstruction"
    return 0, f"with beta = 3 expected BCE + 3 KL = {bce + 3 * kl:.6g}, got {three:.6g}"


def judge_sample(r, seed):
    s = r.arrays["samples"]
    if not _image_shape_ok(s, 6):
        return 0, f"sample(model, 6) should give 6 images (6, 784) or (6, 1, 28, 28); got {s.shape}"
    if not np.all(np.isfinite(s)) or s.min() < 0 or s.max() > 1:
        return 0, "samples should be decoder outputs in [0, 1]"
    if np.allclose(s.reshape(6, -1)[0], s.reshape(6, -1)[1:]):
        return 0, "all samples are identical: draw z ~ N(0, I) for each"
    if r.values.get("mode_layers_in_training", 0):
        return 0, "sample() decodes with dropout / batch norm in training mode: call model.eval() before decoding"
    return 1, "6 distinct samples in [0, 1]"


def judge_interpolate(r, seed):
    frames, start, end = r.arrays["frames"], r.arrays["start"], r.arrays["end"]
    if frames.shape[0] != 7:
        return 0, f"interpolate(..., steps=7) should return 7 images; got {frames.shape[0]}"
    first, last = frames[0].reshape(-1), frames[-1].reshape(-1)
    if not (_close(first, start.reshape(-1), 1e-3, 1e-4) and _close(last, end.reshape(-1), 1e-3, 1e-4)):
        return 0, (
            "interpolation endpoints wrong: the first and last images must decode the encoder means of x1 "
            "and x2 (t = 0 and t = 1 included, e.g. torch.linspace(0, 1, steps))"
        )
    return 1, "7 frames from decode(mu(x1)) to decode(mu(x2))"


@functools.lru_cache(maxsize=4)
def reference_vae_run(seed: int) -> dict:
    """The reference VAE trained exactly as the harness trains the student's: its held-out -ELBO
    drop (the bar for the training check), and its reconstructions, samples and interpolation
    (shown beside the student's on the feedback page)."""
    from reference_models.vae import VAE

    with _REFERENCE_LOCK, torch.random.fork_rng():
        torch.manual_seed(seed)
        model = VAE(784, 400, 20)
        data = _digits28()
        train, held = data[:448], data[448:]
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        before = _neg_elbo(*model(held), held)
        for _ in range(150):
            x = train[torch.randint(0, len(train), (64,))]
            opt.zero_grad()
            x_hat, mu, logvar = model(x)
            loss, _, _ = losses.negative_elbo(x_hat, x, mu, logvar)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            x_hat, mu, logvar = model(held)
            after = _neg_elbo(x_hat, mu, logvar, held)
            samples = model.decode(torch.randn(8, 20))
            ends = model.encode(held[[0, 3]].reshape(2, -1))[0]
            frames = model.decode(torch.stack([(1 - t) * ends[0] + t * ends[1] for t in torch.linspace(0, 1, 7)]))
    return {
        "improvement": before - after,
        "reconstructions": x_hat[:8].numpy(),
        "samples": samples.numpy(),
        "frames": frames.numpy(),
        "originals": held[:8].numpy(),
    }


def _digits28(n=512):
    """The first n bundled digits at 28x28, exactly as the harness loads them."""
    from sklearn.datasets import load_digits

    images = torch.tensor(load_digits().images[:n], dtype=torch.float32).unsqueeze(1) / 16.0
    return torch.nn.functional.interpolate(images, size=(28, 28), mode="bilinear", align_corners=False).clamp(0, 1)


def _neg_elbo(x_hat, mu, logvar, x):
    with torch.no_grad():
        x_hat = torch.as_tensor(x_hat, dtype=torch.float64).reshape(len(x), -1).clamp(1e-6, 1 - 1e-6)
        loss, _, _ = losses.negative_elbo(
            x_hat,
            x.double().reshape(len(x), -1),
            torch.as_tensor(mu, dtype=torch.float64),
            torch.as_tensor(logvar, dtype=torch.float64),
        )
    return float(loss) / len(x)


def judge_vae_training(r, seed):
    held = _digits28()[448:]
    try:
        before = _neg_elbo(r.arrays["before_x_hat"], r.arrays["before_mu"], r.arrays["before_logvar"], held)
        after = _neg_elbo(r.arrays["after_x_hat"], r.arrays["after_mu"], r.arrays["after_logvar"], held)
    except (RuntimeError, ValueError) as exc:
        return 0, f"could not evaluate the trained model's outputs: {exc}"
    reference = reference_vae_run(0)["improvement"]  # a property of the reference: computed once per process
    improvement = before - after
    if (
        not (np.isfinite(before) and np.isfinite(after)) or improvement < 0.25 * reference
    ):  # real learning; the loss checks judge the loss
        return 0, (
            f"after 150 steps on digits your VAE's held-out -ELBO went from {before:.1f} to {after:.1f} nats; "
            f"the reference improves by {reference:.1f}. Check the loss (sum reduction, KL sign) and the optimizer step"
        )
    return 1, f"held-out -ELBO improved {before:.1f} -> {after:.1f} nats (reference improvement {reference:.1f})"


VAE_CHECKS = [
    Check("VAE.encode: returns (mu, logvar) of shape (N, latent_dim)", "vae_encode", 1, judge_encode),
    Check("VAE.decode: images in [0, 1]", "vae_decode", 1, judge_decode),
    Check("VAE.forward: returns (x_hat, mu, logvar)", "vae_forward", 1, judge_forward),
    Check("kl_divergence: closed-form KL summed over batch and latent dims", "kl", 2, judge_kl),
    Check("VAE.reparameterize: adds noise", "reparam", 1, judge_noise),
    Check("VAE.reparameterize: sigma = exp(logvar / 2)", "reparam", 2, judge_sigma),
    Check("VAE.reparameterize: gradients reach mu and logvar", "reparam", 1, judge_reparam_grad),
    Check("vae_loss: summed BCE plus KL", "vae_loss", 2, judge_vae_loss),
    Check("vae_loss: beta weights the KL term", "vae_loss", 1, judge_beta),
    Check("sample: n images from z ~ N(0, I)", "sample", 1, judge_sample),
    Check("interpolate: endpoints are the decoded encoder means", "interpolate", 2, judge_interpolate),
    Check("VAE training: held-out -ELBO improves like the reference", "vae_train", 2, judge_vae_training),
]


# --- GAN ---------------------------------------------------------------------------------------
def judge_generator(r, seed):
    flat, spatial = r.arrays["flat"], r.arrays["spatial"]
    if flat.shape != (4, 1, 28, 28):
        return (
            0,
            f"Generator output should be (N, 1, 28, 28); got {flat.shape} (check the transposed-convolution sizes)",
        )
    large = r.arrays.get("large", flat)
    if not (np.all(np.isfinite(flat)) and np.all(np.isfinite(large))):
        return 0, "Generator output contains NaN or inf"
    if min(flat.min(), large.min()) < -1 or max(flat.max(), large.max()) > 1:
        return 0, (
            f"Generator output should lie in [-1, 1] (end with Tanh); got values in "
            f"[{min(flat.min(), large.min()):.3g}, {max(flat.max(), large.max()):.3g}]"
        )
    if not _close(flat, spatial):
        return 0, "Generator should accept noise as (N, nz) and (N, nz, 1, 1) and give the same images"
    return 1, "(N, 1, 28, 28) in [-1, 1] for both noise shapes"


def judge_discriminator(r, seed):
    out = r.arrays["out"]
    if out.shape not in ((5,), (5, 1)):
        return 0, f"Discriminator output should be (N,) or (N, 1); got {out.shape}"
    large = r.arrays.get("large", out)
    if not (np.all(np.isfinite(out)) and np.all(np.isfinite(large))):
        return 0, "Discriminator output contains NaN or inf"
    if min(out.min(), large.min()) < 0 or max(out.max(), large.max()) > 1:
        return 0, "Discriminator returns logits, not probabilities: end with a Sigmoid (or apply torch.sigmoid)"
    return 1, "probabilities in (0, 1)"


def judge_weights_init(r, seed):
    a = r.arrays
    for key, layer in (("conv_w", "Conv2d"), ("deconv_w", "ConvTranspose2d")):
        w = a[key]
        if not np.all(np.isfinite(w)) or abs(w.std() - 0.02) > 0.003 or abs(w.mean()) > 0.003:
            return 0, f"{layer} weights should be N(0, 0.02); got mean {w.mean():.4f}, std {w.std():.4f}"
    if abs(a["bn_w"].mean() - 1) > 0.005 or abs(a["bn_w"].std() - 0.02) > 0.004:
        return 0, f"BatchNorm weights should be N(1, 0.02); got mean {a['bn_w'].mean():.4f}, std {a['bn_w'].std():.4f}"
    if np.any(a["bn_b"]):
        return 0, "BatchNorm biases should be 0"
    return 1, "conv N(0, 0.02), BatchNorm N(1, 0.02), biases 0"


def _gan_inputs(seed):
    g = _seeded(seed)
    return (torch.rand(6, generator=g) * 0.8 + 0.1).double(), (torch.rand(6, generator=g) * 0.8 + 0.1).double()


def _loss_value(r, key, expected) -> float:
    """The student's loss for (N,) inputs, or for (N, 1) ones when that is the form it is right
    for (a discriminator that returns (N, 1)); raises when neither form gave a number."""
    got = [_scalar(r.arrays[k]) for k in (key, key + "_col") if k in r.arrays and np.size(r.arrays[k]) == 1]
    if not got:
        raise ValueError(r.values.get(key + "_error") or r.values.get(key + "_col_error") or "no value")
    return next((g for g in got if np.isclose(g, expected, rtol=1e-4)), got[0])


def judge_d_loss(r, seed):
    d_real, d_fake = _gan_inputs(seed)
    expected = float(losses.discriminator_loss(d_real, d_fake))
    got = _loss_value(r, "loss_d", expected)
    if np.isclose(got, expected, rtol=1e-4):
        return 1, f"loss_D = {got:.6g}"
    swapped = float(losses.discriminator_loss(1 - d_real, 1 - d_fake))
    if np.isclose(got, swapped, rtol=1e-4):
        return 0, "labels swapped: real images have target 1 (log D(x)), fakes target 0 (log(1 - D(G(z))))"
    if np.isclose(got, -expected, rtol=1e-4):
        return 0, "sign flipped: the loss is -mean log D(x) - mean log(1 - D(G(z))), which is positive"
    if np.isclose(got, expected / 2, rtol=1e-4):
        return 0, "halved: the loss is the sum of the real and fake terms, not their average"
    return 0, f"discriminator_loss returned {got:.6g}, expected {expected:.6g}"


def judge_g_loss(r, seed):
    _, d_fake = _gan_inputs(seed)
    expected = float(losses.generator_loss_nonsaturating(d_fake))
    got = _loss_value(r, "loss_g", expected)
    if np.isclose(got, expected, rtol=1e-4):
        return 1, "non-saturating loss -mean log D(G(z))"
    if np.isclose(got, float(losses.generator_loss_saturating(d_fake)), rtol=1e-4):
        return 0, "saturating loss mean log(1 - D(G(z))): use the non-saturating -mean log D(G(z))"
    if np.isclose(got, -expected, rtol=1e-4):
        return 0, "sign flipped: minimizing mean log D(G(z)) teaches G to look fake; use -mean log D(G(z))"
    return 0, f"generator_loss returned {got:.6g}, expected -mean log D(G(z)) = {expected:.6g}"


def _steps(r):
    log = r.values.get("log", [])
    first, second, marker = [], [], False
    for entry in log if isinstance(log, list) else []:
        if not isinstance(entry, dict):
            continue
        if entry.get("marker"):
            marker = True
            continue
        (second if marker else first).append(entry)
    return first, second


def judge_detach(r, seed):
    first, _ = _steps(r)
    d_steps = [e for e in first if e.get("opt") == "D"]
    if not d_steps:
        return 0, "train_step never called opt_D.step()"
    if not np.isfinite(d_steps[0].get("g_grad", 0)) or d_steps[0].get("g_grad", 0) > 1e-9:
        return 0, "fakes not detached in the D step: gradients of the D loss reach G (use fake.detach())"
    return 1, "the D step does not send gradients into G"


def judge_zero_grad(r, seed):
    _, second = _steps(r)
    steps = {e.get("opt"): e for e in second if e.get("opt") in ("D", "G")}
    if len(steps) < 2:
        return 0, "train_step should call opt_D.step() and opt_G.step() once each"
    if steps["D"].get("d_grad", 0) > 1e3 or steps["G"].get("g_grad", 0) > 1e3:
        which = "opt_D" if steps["D"].get("d_grad", 0) > 1e3 else "opt_G"
        return 0, f"missing {which}.zero_grad(): gradients accumulate across steps"
    return 1, "gradients are zeroed before each backward pass"


def judge_d_direction(r, seed):
    first, _ = _steps(r)
    d_step = next((e for e in first if e.get("opt") == "D"), None)
    if d_step is None:
        return 0, "train_step never called opt_D.step()"
    real_up = d_step["after"]["d_real"] > d_step["d_real"]
    fake_down = d_step["after"]["d_fake"] < d_step["d_fake"]
    if real_up and fake_down:
        return 1, "the D step raises D(x) and lowers D(G(z))"
    if not real_up and not fake_down:
        return 0, "labels swapped in the D step: D(x) went down and D(G(z)) up; real should be 1, fake 0"
    return 0, "the D step should raise D on real images and lower it on fakes"


def judge_g_direction(r, seed):
    first, _ = _steps(r)
    g_step = next((e for e in first if e.get("opt") == "G"), None)
    if g_step is None:
        return 0, "train_step never called opt_G.step()"
    if not g_step.get("g_grad", 0) > 1e-12:
        return 0, "G received no gradient in the G step: compute its loss on D(fake) without detaching the fakes"
    if g_step["after"]["d_fake"] > g_step["d_fake"]:
        return 1, "the G step raises D(G(z)): G learns to fool D"
    return 0, "the G step lowered D(G(z)): the generator loss has the wrong sign or target"


@functools.lru_cache(maxsize=4)
def reference_gan_run(seed: int) -> dict:
    """The reference DCGAN trained as the harness trains the student's: the Fréchet-distance ratio
    after/before (the bar for the training check) and its samples (for the feedback page)."""
    from reference_models.dcgan import Discriminator, Generator
    from reference_models.metrics import classifier_features, frechet_distance

    with _REFERENCE_LOCK, torch.random.fork_rng():
        torch.manual_seed(seed)
        g, d = Generator(100, 16), Discriminator(16)  # default init, as the harness trains the student's
        data = _digits28(1024) * 2 - 1
        opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        z = torch.randn(200, 100)
        g.eval()
        with torch.no_grad():
            before = g(z)
        g.train()
        for _ in range(60):
            real = data[torch.randint(0, len(data), (32,))]
            fake = g(torch.randn(32, 100))
            opt_d.zero_grad()
            losses.discriminator_loss_logits(d(real), d(fake.detach())).backward()
            opt_d.step()
            opt_g.zero_grad()
            losses.generator_loss_nonsaturating_logits(d(fake)).backward()
            opt_g.step()
        g.eval()
        with torch.no_grad():
            after = g(z)
    ref = classifier_features(data[:400])[0]
    ratio = frechet_distance(classifier_features(after)[0], ref) / frechet_distance(classifier_features(before)[0], ref)
    return {"ratio": ratio, "samples": after[:8].numpy()}


def judge_gan_training(r, seed):
    from reference_models.metrics import classifier_features, frechet_distance

    before, after = r.arrays["before"], r.arrays["after"]
    if before.shape != (200, 1, 28, 28) or after.shape != before.shape or not np.all(np.isfinite(after)):
        return 0, "training produced no usable samples"
    ref = classifier_features(_digits28(1024)[:400] * 2 - 1)[0]
    fd_before = frechet_distance(classifier_features(torch.as_tensor(before, dtype=torch.float32))[0], ref)
    fd_after = frechet_distance(classifier_features(torch.as_tensor(after, dtype=torch.float32))[0], ref)
    ratio = fd_after / fd_before
    if not r.values.get("moved", 0) > 0:
        return 0, (
            "after 60 calls of train_step no parameter of G has changed: is opt_G.step() called, and does G's "
            "loss reach G (fakes not detached in the G step)?"
        )
    if "control" in r.arrays and np.all(np.isfinite(r.arrays["control"])):
        control = frechet_distance(
            classifier_features(torch.as_tensor(r.arrays["control"], dtype=torch.float32))[0], ref
        )
        if ratio > control / fd_before - 0.01:
            return 0, (
                f"after 60 training steps the Fréchet distance went {fd_before:.0f} -> {fd_after:.0f}, no better than "
                f"running G without any update ({control:.0f}): G is not learning from D"
            )
    reference = reference_gan_run(0)["ratio"]  # a property of the reference: computed once per process
    needed = 1 - 0.25 * (1 - reference)  # real learning, a quarter of the reference's progress at least
    if ratio <= needed:
        return 1, f"Fréchet distance to digits fell {fd_before:.0f} -> {fd_after:.0f} (reference ratio {reference:.2f})"
    return 0, (
        f"after 60 training steps the Fréchet distance went {fd_before:.0f} -> {fd_after:.0f} (ratio {ratio:.2f}); "
        f"the reference reaches {reference:.2f}"
    )


GAN_CHECKS = [
    Check("Generator: (N, 1, 28, 28) images in [-1, 1]", "generator", 2, judge_generator),
    Check("Discriminator: probabilities in (0, 1)", "discriminator", 1, judge_discriminator),
    Check("weights_init: DCGAN initialization", "weights_init", 1, judge_weights_init),
    Check("discriminator_loss: -mean log D(x) - mean log(1 - D(G(z)))", "gan_losses", 2, judge_d_loss),
    Check("generator_loss: non-saturating -mean log D(G(z))", "gan_losses", 2, judge_g_loss),
    Check("train_step: fakes detached in the D step", "train_step", 1, judge_detach),
    Check("train_step: gradients zeroed every step", "train_step", 1, judge_zero_grad),
    Check("train_step: D step pushes real up and fake down", "train_step", 1, judge_d_direction),
    Check("train_step: G step fools D", "train_step", 1, judge_g_direction),
    Check("GAN training: samples move toward the digits like the reference", "gan_train", 2, judge_gan_training),
]

LABS = {"vae": ("lab11.2_VAE", VAE_CHECKS), "gan": ("lab11.1_GAN", GAN_CHECKS)}
CONTRACT = {
    "vae": {"VAE", "kl_divergence", "vae_loss", "sample", "interpolate"},
    "gan": {"Generator", "Discriminator", "weights_init", "discriminator_loss", "generator_loss", "train_step"},
}
PROBE_TIMEOUTS = {"vae_train": 30, "gan_train": 40}
