"""The VAE lab's checks, judged outside the jail against reference_models' formulas, on the
same inputs (inputs.py) the probes gave the student's code. Each check names the contract item,
gives points, and for each known pitfall a specific message."""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

from reference_models import losses

from ..digits import digits28
from ..judging import REFERENCE_LOCK, close, image_shape_ok, scalar, seeded, with_parameters
from ..lab import Check
from . import inputs

STEPS = inputs.TRAIN["steps"]


def judge_encode(r, seed):
    mu, logvar = r.arrays["mu"], r.arrays["logvar"]
    if mu.shape != (4, 20) or logvar.shape != (4, 20):
        return (
            0,
            f"encode(x) should give mu and logvar of shape (N, latent_dim) = (4, 20); got {mu.shape}, {logvar.shape}",
        )
    return 1, f"mu and logvar have shape (4, 20) (input accepted as {r.values.get('input_form')})"


def _outside_unit(a) -> bool:
    return bool(a.size and (a.min() < 0 or a.max() > 1))


def decoder_gives_logits(r) -> bool | None:
    """The decode probe's form: True for logits (finite values outside [0, 1]), False for
    probabilities (all in [0, 1]), None where it cannot tell (the probe failed, NaN or inf)."""
    if r is None or r.status != "ok" or "out" not in r.arrays:
        return None
    out = r.arrays["out"]
    if not out.size or not np.all(np.isfinite(out)):
        return None
    return _outside_unit(out)


def judge_decode(r, seed):
    """Probabilities (in [0, 1]) pass; logits pass only beside a with-logits vae_loss, which treats
    them as logits (the contract's other consistent pair). A logits decoder beside a BCE on
    probabilities costs this check: the decoder is what is missing its sigmoid."""
    out = r.arrays["out"]
    if not image_shape_ok(out, 5):
        return 0, f"decode(z) should give (N, 784) or (N, 1, 28, 28); got {out.shape}"
    if not np.all(np.isfinite(out)):
        return 0, "decoder outputs contain NaN or inf"
    if not _outside_unit(out):
        return 1, "decoded images have the right shape and lie in [0, 1]"
    got = f"got range [{out.min():.3g}, {out.max():.3g}]"
    logits_loss = loss_takes_logits(r.reads.get("vae_loss"), seed)
    if logits_loss:
        return 1, (
            f"the decoder returns logits ({got}) and vae_loss treats x_hat as logits (BCE with logits): "
            "a consistent pair (sample and interpolate must apply torch.sigmoid)"
        )
    why = (
        "vae_loss could not be run, so nothing shows it treats them as logits"
        if logits_loss is None
        else "but vae_loss treats x_hat as probabilities (a BCE on probabilities, not binary_cross_entropy_with_logits)"
    )
    return 0, (
        f"decoder outputs must lie in [0, 1] (Bernoulli means; end with a sigmoid); {got}: logits, {why}. "
        "End the decoder with a sigmoid, or keep the logits and use F.binary_cross_entropy_with_logits in vae_loss"
    )


def judge_forward(r, seed):
    x_hat, mu, logvar = r.arrays["x_hat"], r.arrays["mu"], r.arrays["logvar"]
    if not image_shape_ok(x_hat, 3) or mu.shape != (3, 20) or logvar.shape != (3, 20):
        return (
            0,
            f"forward(x) should return x_hat (N, 784 or 1x28x28), mu and logvar (N, 20); got {x_hat.shape}, {mu.shape}, {logvar.shape}",
        )
    return 1, "forward returns (x_hat, mu, logvar) with the right shapes"


def judge_kl(r, seed):
    mu, logvar = inputs.kl(seed)
    expected = float(losses.kl_diag_gaussian(mu.double(), logvar.double()))
    got = scalar(r.arrays["kl"])
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
    mu = inputs.reparam(seed)[0].double().numpy()
    if z1.shape != mu.shape:
        return 0, f"reparameterize should return z with the shape of mu {mu.shape}; got {z1.shape}"
    if np.allclose(z1, mu) or np.allclose(z1, z2):
        return 0, "no noise: z must be mu + sigma * eps with fresh eps ~ N(0, I) on every call"
    return 1, "z is random around mu"


def _scales(logvar):
    """The noise scales students use, by name: the contract's first, then two known pitfalls."""
    return {"exp(logvar/2)": np.exp(0.5 * logvar), "logvar": logvar, "exp(logvar)": np.exp(logvar)}


def _scale_of(z, mu, logvar) -> str | None:
    """Which scale the draws z around mu were made with (None: none of them)."""
    for name, scale in _scales(logvar).items():
        if abs(float(np.std((z - mu) / scale)) - 1) < 0.08:
            return name
    return None


def judge_sigma(r, seed):
    mu, logvar = (t.double().numpy() for t in inputs.reparam(seed))
    z = r.arrays["z2"]
    if z.shape != mu.shape:
        return 0, "cannot judge the noise scale: wrong output shape"
    scale = _scale_of(z, mu, logvar)
    if scale == "exp(logvar/2)":
        return 1, "the noise is scaled by sigma = exp(logvar / 2)"
    if scale == "logvar":
        return 0, "logvar used as the standard deviation: scale eps by exp(0.5 * logvar)"
    if scale == "exp(logvar)":
        return 0, "logvar used as the variance (exp(logvar) is sigma^2): scale eps by exp(0.5 * logvar)"
    std = float(np.std((z - mu) / _scales(logvar)["exp(logvar/2)"]))
    return 0, f"(z - mu) / sigma should be N(0, 1); its standard deviation is {std:.3g}"


def judge_reparam_grad(r, seed):
    g_mu, g_lv = r.arrays.get("grad_mu"), r.arrays.get("grad_logvar")
    if g_mu is None or g_lv is None or g_mu.size == 0 or g_lv.size == 0 or not np.any(g_lv):
        return 0, (
            "sampling blocks gradients: z must be computed from mu and logvar with differentiable "
            "operations (mu + std * eps), not torch.normal / .sample() / detached tensors"
        )
    if not np.allclose(g_mu, 1.0):
        return 0, "dz/dmu should be 1 (z = mu + sigma * eps)"
    # with the contract's sigma = exp(logvar / 2) the gradient must be the derivative of the student's
    # own draw, dz/dlogvar = sigma * eps / 2 = (z - mu) / 2: made-up gradients do not pass
    mu, logvar = (t.double().numpy() for t in inputs.reparam(seed))
    z = r.arrays.get("z1")
    if z is not None and z.shape == mu.shape and _scale_of(z, mu, logvar) == "exp(logvar/2)":
        if g_lv.shape != z.shape or not np.allclose(g_lv, (z - mu) / 2, rtol=1e-3, atol=1e-4):
            return 0, "the gradient that reaches logvar is not dz/dlogvar of the z reparameterize returned"
    return 1, "gradients reach mu and logvar"


@functools.lru_cache(maxsize=16)
def _loss_terms(seed, form: str = "probabilities"):
    """The reference reconstruction term (summed) and KL of the loss probe's inputs: BCE on x_hat
    as probabilities, or, for form "logits", BCE with logits on x_hat taken as logits."""
    x_hat, x, mu, logvar = (t.double() for t in inputs.loss(seed))
    return _recon(x_hat, x, form), float(losses.kl_diag_gaussian(mu, logvar))


def _recon(x_hat, x, form) -> float:
    if form == "logits":
        return float(F.binary_cross_entropy_with_logits(x_hat.flatten(1), x.flatten(1), reduction="sum"))
    return float(losses.bernoulli_nll(x_hat, x))


def loss_takes_logits(r, seed) -> bool | None:
    """Whether vae_loss treats x_hat as logits (inputs.reads_logits, on the loss probe's values);
    None where vae_loss could not be run."""
    if r is None or r.status != "ok" or "beta1" not in r.arrays:
        return None
    if "logits1" not in r.arrays:
        return False
    try:
        on_probs, on_logits = scalar(r.arrays["beta1"]), scalar(r.arrays["logits1"])
    except ValueError:
        return False
    return inputs.reads_logits(on_probs, on_logits, seed)


def judge_vae_loss(r, seed):
    """The summed reconstruction term plus KL, in the loss's own form: BCE on probabilities (the
    lab's default; it passes beside any decoder, a decoder that returns logits costs the decode
    check), or BCE with logits, which passes beside a decoder that returns logits (or one that
    could not be run), not after a sigmoid decoder: that is a double sigmoid."""
    got = scalar(r.arrays["beta1"])
    logits = loss_takes_logits(r, seed)
    bce, kl = _loss_terms(seed, "logits" if logits else "probabilities")
    name = "BCE with logits" if logits else "BCE"
    expected = bce + kl
    decoder_logits = decoder_gives_logits(r.reads.get("vae_decode"))
    double = (
        "vae_loss treats x_hat as logits (binary_cross_entropy_with_logits) while your decoder already ends with "
        "a sigmoid (its outputs lie in [0, 1]): a double sigmoid. Use F.binary_cross_entropy on the decoder's "
        "probabilities, or drop the decoder's sigmoid (and apply torch.sigmoid in sample and interpolate)"
        if logits and decoder_logits is False
        else ""
    )
    if np.isclose(got, expected, rtol=1e-4):
        if double:
            return 0, f"loss = {name} (summed) + KL = {got:.6g}; but {double}"
        return 1, f"loss = {name} (summed) + KL = {got:.6g}" + (" (your decoder returns logits)" if logits else "")
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
    also = f"; and {double}" if double else ""
    for message, values in pitfalls.items():
        if any(np.isclose(got, v, rtol=1e-4) for v in values):
            return 0, f"vae_loss returned {got:.6g}, expected {name} + KL = {expected:.6g}: {message}{also}"
    if not logits and decoder_logits:
        with_logits = _loss_terms(seed, "logits")[0] + kl
        also = (
            "; your decoder returns logits: with them use F.binary_cross_entropy_with_logits "
            f"(BCE with logits + KL = {with_logits:.6g}), or end the decoder with a sigmoid"
        )
    return 0, f"vae_loss returned {got:.6g}, expected {name} {bce:.6g} + KL {kl:.6g} = {expected:.6g}{also}"


def judge_beta(r, seed):
    """Judged on the student's own loss, whatever its reduction (vae_loss judges that): beta must
    scale exactly the KL part, L(beta) = R + beta * K with K the KL of this batch, as reduced, and R
    the reconstruction term in the loss's own form (BCE on probabilities, or with logits)."""
    bce, kl = _loss_terms(seed, "logits" if loss_takes_logits(r, seed) else "probabilities")
    one, three = scalar(r.arrays["beta1"]), scalar(r.arrays["beta3"])
    if not (np.isfinite(one) and np.isfinite(three)):
        return 0, "vae_loss returned NaN or inf"
    if np.isclose(three, bce + 3 * kl, rtol=1e-4):
        return 1, "beta multiplies the KL term"
    if np.isclose(three, one, rtol=1e-6):
        return 0, "beta is ignored: vae_loss(..., beta=3) equals beta=1"
    zero = scalar(r.arrays["beta0"]) if "beta0" in r.arrays else None
    if zero is not None and np.isfinite(zero):
        # The losses are float32 sums of about 2000: differences carry their rounding (a few 1e-4).
        noise = 8 * np.finfo(np.float32).eps * max(abs(zero), abs(one), abs(three))
        near = lambda a, b, rtol: abs(a - b) <= max(rtol * abs(b), noise)  # noqa: E731
        weighted = one - zero  # what beta multiplies, in the student's own reduction
        if near(three - zero, 3 * weighted, 1e-4):
            if any(near(weighted, kl * c, 1e-3) for c in inputs.REDUCTIONS):
                return 1, "beta multiplies the KL term (of your loss's reduction)"
            if any(near(weighted, bce * c, 1e-3) for c in inputs.REDUCTIONS):
                return 0, "beta is on the wrong term: it weights the KL, not the reconstruction"
    if np.isclose(three, 3 * bce + kl, rtol=1e-4):
        return 0, "beta is on the wrong term: it weights the KL, not the reconstruction"
    return 0, f"with beta = 3 expected BCE + 3 KL = {bce + 3 * kl:.6g}, got {three:.6g}"


def _control(r, name, what):
    """(a control probe's result, None), or (None, why there is none): the check then fails, so a
    notebook cannot pass by making its control fail."""
    control = r.reads.get(name)
    if control is None or control.status != "ok":
        return None, f"{what} failed: {control.detail if control is not None else 'it did not run'}"
    return control, None


def judge_sample(r, seed):
    s = r.arrays["samples"]
    if not image_shape_ok(s, 6):
        return 0, f"sample(model, 6) should give 6 images (6, 784) or (6, 1, 28, 28); got {s.shape}"
    if not np.all(np.isfinite(s)):
        return 0, "samples contain NaN or inf"
    if _outside_unit(s):
        return 0, (
            f"samples should be pixel values in [0, 1]; got range [{s.min():.3g}, {s.max():.3g}]: logits, "
            "apply torch.sigmoid to the decoder's outputs (in sample, or at the end of the decoder)"
        )
    if np.allclose(s.reshape(6, -1)[0], s.reshape(6, -1)[1:]):
        return 0, "all samples are identical: draw z ~ N(0, I) for each"
    control, why = _control(r, "sample_eval", "sample() on the model in eval mode")
    if why:
        return 0, why
    in_eval = control.arrays["samples"]
    if in_eval.shape != s.shape or not close(s, in_eval):
        return 0, "sample() decodes with dropout / batch norm in training mode: call model.eval() before decoding"
    return 1, "6 distinct samples in [0, 1]"


def judge_interpolate(r, seed):
    """The frames must decode the line between the encoder means, as pixel values: the decoder's
    outputs when they are probabilities; when the decoder returns logits beside a with-logits loss
    (the consistent logits pair), their sigmoid, and raw logits lose this check; a logits decoder
    beside a BCE on probabilities is the decoder's fault (the decode check), so here either passes."""
    frames = r.arrays["frames"]
    steps = inputs.INTERPOLATION_STEPS
    if frames.shape[0] != steps:
        return 0, f"interpolate(..., steps={steps}) should return {steps} images; got {frames.shape[0]}"
    control, why = _control(r, "interpolate_line", "decoding the line between the encoder means")
    if why:
        return 0, why
    flat, line = frames.reshape(steps, -1), control.arrays["line"]
    if line.size != flat.size:
        return 0, f"interpolate's frames have {flat.shape[1]} values each, the decoder's images {line.size // steps}"
    line = line.reshape(steps, -1)
    start, end = line[0], line[-1]
    forms = [("decoded", lambda a: a)]
    if _outside_unit(line):
        sigmoid = ("through a sigmoid", lambda a: 0.5 * (1 + np.tanh(np.asarray(a, dtype=np.float64) / 2)))
        if loss_takes_logits(r.reads.get("vae_loss"), seed):
            if close(flat[0], start.reshape(-1), 1e-3, 1e-4) and close(flat[-1], end.reshape(-1), 1e-3, 1e-4):
                return 0, (
                    "the frames are the decoder's logits, not images: apply torch.sigmoid to the decoded "
                    "frames (your decoder returns logits, as your with-logits vae_loss expects)"
                )
            forms = [sigmoid]
        else:
            forms.append(sigmoid)

    def ends(to_pixels) -> bool:
        return close(flat[0], to_pixels(start).reshape(-1), 1e-3, 1e-4) and close(
            flat[-1], to_pixels(end).reshape(-1), 1e-3, 1e-4
        )

    form, to_pixels = next((f for f in forms if ends(f[1])), (None, None))
    if to_pixels is None:
        return 0, (
            "interpolation endpoints wrong: the first and last images must decode the encoder means of x1 "
            "and x2 (t = 0 and t = 1 included, e.g. torch.linspace(0, 1, steps))"
        )
    if not close(flat, to_pixels(line), 1e-3, 1e-4):
        return 0, (
            "the frames between the endpoints are not decodings of points on the line between the encoder "
            "means: interpolate the codes, z = (1 - t) mu1 + t mu2, and decode each (not the images)"
        )
    suffix = " (through a sigmoid: your decoder returns logits)" if form != "decoded" else ""
    return 1, f"{steps} frames decoding the line from mu(x1) to mu(x2){suffix}"


def _split():
    """The training probe's digits: (train, held out)."""
    data = digits28(inputs.TRAIN["digits"])
    return data[: inputs.TRAIN["train"]], data[inputs.TRAIN["train"] :]


def _start(seed, logits=False) -> inputs.TrainVAE:
    """The training probe's VAE before any step."""
    return seeded(lambda: inputs.TrainVAE(logits), seed)


def _trained(vector, logits) -> inputs.TrainVAE:
    """The training probe's VAE with the parameters the student's vae_loss trained."""
    return with_parameters(_start(0, logits), vector, "VAE").eval()  # every parameter of the start is replaced


def _images(model, z):
    out = model.decode(z)
    return torch.sigmoid(out) if model.logits else out


def _neg_elbo(model, seed) -> float:
    """Held-out -ELBO per digit (nats), with the judge's own noise: the jail never sees these digits."""
    held = _split()[1]
    with torch.no_grad(), torch.random.fork_rng():
        torch.manual_seed(seed + 104729)
        mu, logvar = model.encode(held)
        x_hat = _images(model, mu + torch.exp(0.5 * logvar) * torch.randn_like(mu))
        loss, _, _ = losses.negative_elbo(
            x_hat.double().reshape(len(held), -1).clamp(1e-6, 1 - 1e-6),
            held.double().reshape(len(held), -1),
            mu.double(),
            logvar.double(),
        )
    return float(loss) / len(held)


def _pictures_of(model) -> dict:
    """Reconstructions, samples and an interpolation of a trained VAE, drawn outside the jail."""
    held = _split()[1]
    with torch.no_grad(), torch.random.fork_rng():
        torch.manual_seed(1)
        mu = model.encode(held[:8])[0]
        ends = model.encode(held[[0, 3]])[0]
        line = torch.stack([(1 - t) * ends[0] + t * ends[1] for t in torch.linspace(0, 1, 7)])
        return {
            "reconstructions": _images(model, mu).numpy(),
            "samples": _images(model, torch.randn(8, inputs.LATENT)).numpy(),
            "frames": _images(model, line).numpy(),
            "originals": held[:8].numpy(),
        }


@functools.lru_cache(maxsize=4)
def reference_vae_run(seed: int) -> dict:
    """The training probe's VAE trained by the reference loss: its held-out -ELBO drop (the bar
    for the training check) and its pictures (beside the student's on the feedback page)."""
    with REFERENCE_LOCK, torch.random.fork_rng():
        torch.manual_seed(seed)
        model = inputs.TrainVAE()
        train = _split()[0]
        opt = torch.optim.Adam(model.parameters(), lr=inputs.TRAIN["lr"])
        before = _neg_elbo(model, seed)
        for idx in inputs.training_batches(seed):
            x = train[idx]
            opt.zero_grad()
            x_hat, mu, logvar = model(x)
            loss, _, _ = losses.negative_elbo(x_hat, x.reshape(len(x), -1), mu, logvar)
            loss.backward()
            opt.step()
        model.eval()
        return {"improvement": before - _neg_elbo(model, seed), **_pictures_of(model)}


def judge_vae_training(r, seed):
    vector = r.arrays["params"]
    logits = r.values.get("form") == "logits"
    if not np.all(np.isfinite(vector)):
        return (
            0,
            f"after {STEPS} steps with your vae_loss the VAE's parameters contain NaN or inf: check the KL term's sign",
        )
    before, after = _neg_elbo(_start(seed, logits), seed), _neg_elbo(_trained(vector, logits), seed)
    reference = reference_vae_run(0)["improvement"]  # a property of the reference: computed once per process
    improvement = before - after
    read = " (your loss reads x_hat as logits)" if logits else ""
    if not (np.isfinite(before) and np.isfinite(after)) or improvement < 0.25 * reference:
        return 0, (
            f"after {STEPS} steps with your vae_loss the lab's VAE's held-out -ELBO went from {before:.1f} to "
            f"{after:.1f} nats{read}; with the reference loss it improves by {reference:.1f}. Check the reduction "
            "(a sum over pixels) and the KL term's sign"
        )
    return 1, f"held-out -ELBO improved {before:.1f} -> {after:.1f} nats{read} (reference improvement {reference:.1f})"


CHECKS = [
    Check("VAE.encode: returns (mu, logvar) of shape (N, latent_dim)", "vae_encode", 1, judge_encode),
    Check(
        "VAE.decode: images in [0, 1], or logits for a with-logits loss",
        "vae_decode",
        1,
        judge_decode,
        reads=("vae_loss",),
    ),
    Check("VAE.forward: returns (x_hat, mu, logvar)", "vae_forward", 1, judge_forward),
    Check("kl_divergence: closed-form KL summed over batch and latent dims", "kl", 2, judge_kl),
    Check("VAE.reparameterize: adds noise", "reparam", 1, judge_noise),
    Check("VAE.reparameterize: sigma = exp(logvar / 2)", "reparam", 2, judge_sigma),
    Check("VAE.reparameterize: gradients reach mu and logvar", "reparam", 1, judge_reparam_grad),
    Check("vae_loss: summed BCE plus KL", "vae_loss", 2, judge_vae_loss, reads=("vae_decode",)),
    Check("vae_loss: beta weights the KL term", "vae_loss", 1, judge_beta),
    Check("sample: n images from z ~ N(0, I)", "sample", 1, judge_sample, reads=("sample_eval",)),
    Check(
        "interpolate: endpoints are the decoded encoder means",
        "interpolate",
        2,
        judge_interpolate,
        reads=("interpolate_line", "vae_loss"),
    ),
    Check("VAE training: vae_loss trains a VAE like the reference", "vae_train", 2, judge_vae_training),
]


def pictures(extras: dict) -> list:
    """Feedback rows (label, images): the lab's VAE trained with the student's vae_loss, beside the
    same VAE trained with the reference loss."""
    mine = extras.get("vae_train")
    vector = mine.get("params") if mine else None
    if vector is None or not np.all(np.isfinite(vector)):
        return []
    try:
        yours = _pictures_of(_trained(vector, mine.get("form") == "logits"))
    except ValueError:
        return []
    ref = reference_vae_run(0)
    return [
        ("Held-out digits", ref["originals"]),
        (f"The lab's VAE after {STEPS} steps with your vae_loss: reconstructions", yours["reconstructions"]),
        (f"The same VAE after {STEPS} steps with the reference loss: reconstructions", ref["reconstructions"]),
        ("Samples, z ~ N(0, I): yours", yours["samples"]),
        ("Samples: the reference's", ref["samples"]),
        ("Interpolation between two held-out digits: yours", yours["frames"]),
        ("Interpolation: the reference's", ref["frames"]),
    ]
