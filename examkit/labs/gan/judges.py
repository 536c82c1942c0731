"""The GAN lab's checks, judged outside the jail against reference_models' formulas, on the
same inputs (inputs.py) the probes gave the student's code. Each check names the contract item,
gives points, and for each known pitfall a specific message."""

from __future__ import annotations

import functools

import numpy as np
import torch

from reference_models import losses
from reference_models.metrics import digits_features, frechet_distance

from ..digits import digits28
from ..judging import REFERENCE_LOCK, close, scalar, seeded, with_parameters
from ..lab import Check
from . import inputs


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
    if not close(flat, spatial):
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
    return tuple(t.double() for t in inputs.losses(seed))


def _loss_value(r, key, expected) -> float:
    """The student's loss for (N,) inputs, or for (N, 1) ones when that is the form it is right
    for (a discriminator that returns (N, 1)); raises when neither form gave a number."""
    got = [scalar(r.arrays[k]) for k in (key, key + "_col") if k in r.arrays and np.size(r.arrays[k]) == 1]
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


def _cosine(a, b) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(a @ b) / (na * nb) if na > 0 and nb > 0 and np.isfinite(na * nb) else 0.0


class _Steps:
    """The optimizer steps train_step took, recomputed outside the jail from the recorded raw
    parameters: D(x) and D(G(z)) come from inputs.py's formulas, never from the notebook's process."""

    def __init__(self, r, seed):
        labels = r.values.get("steps")
        calls = r.values.get("calls")
        self.labels = [x for x in labels if x in ("D", "G")] if isinstance(labels, list) else []
        n = len(self.labels)
        arrays = [r.arrays.get(k) for k in ("before", "after", "grads")]
        if n and not all(
            a is not None and a.ndim == 2 and len(a) == n and a.shape[1] == 2 * inputs.TINY_PIXELS + 1 for a in arrays
        ):
            raise ValueError("the recorded optimizer steps are malformed")
        self.before, self.after, self.grads = arrays if n else (None, None, None)
        first_call = calls[0] if isinstance(calls, list) and calls and isinstance(calls[0], int) else n
        self.first = [i for i in range(n) if i < first_call]
        self.second = [i for i in range(n) if i >= first_call]
        self.real = inputs.tiny_real(seed).double()

    def find(self, label, which="first"):
        return next((i for i in getattr(self, which) if self.labels[i] == label), None)

    def scores(self, vector) -> tuple[float, float]:
        """(mean D(x), mean D(G(z))) of the tiny networks with these parameters."""
        g_bias, w, b = inputs.unpack(vector)
        fake = inputs.fake_images(g_bias, len(self.real))
        return (
            float(inputs.d_probabilities(w, b, self.real).mean()),
            float(inputs.d_probabilities(w, b, fake).mean()),
        )

    def _loss_gradients(self, vector):
        """(dL_D/dD, dL_G/dG, dL_D/dG) of the contract's losses, at these parameters."""
        g_bias, w, b = (t.clone().requires_grad_(True) for t in inputs.unpack(vector))
        fake = inputs.fake_images(g_bias, len(self.real))
        loss_d = (
            -torch.log(inputs.d_probabilities(w, b, self.real)).mean()
            - torch.log1p(-inputs.d_probabilities(w, b, fake)).mean()
        )
        d_w, d_b, d_g = torch.autograd.grad(loss_d, (w, b, g_bias), retain_graph=True)
        (g_g,) = torch.autograd.grad(-torch.log(inputs.d_probabilities(w, b, fake)).mean(), (g_bias,))
        return torch.cat([d_w, d_b.reshape(1)]).numpy(), g_g.numpy(), d_g.numpy()

    def not_a_gradient_step(self, i) -> str | None:
        """Why step i is not a real optimizer step on a loss of the tiny networks (None when it is):
        the update must be -lr times the gradient the optimizer was given, and that gradient must
        point along the loss's true gradient at those parameters. Forging the record needs the
        right gradient, which is the work the check asks for."""
        label, cut = self.labels[i], inputs.TINY_PIXELS
        part = slice(0, cut) if label == "G" else slice(cut, None)
        before, after, grad = self.before[i][part], self.after[i][part], self.grads[i][part]
        if not np.allclose(after, before - inputs.TINY_LR[label] * grad, rtol=1e-4, atol=1e-6):
            return f"the {label} parameters changed by something other than opt_{label}.step() with their gradients"
        d_grad, g_grad, leaked = self._loss_gradients(self.before[i])
        references = [d_grad] if label == "D" else [g_grad, g_grad + leaked]  # + a D loss that reached G
        if not any(abs(_cosine(grad, ref)) > 0.9 for ref in references):  # a wrong sign is judged later
            loss = "discriminator loss on D(x) and D(G(z))" if label == "D" else "generator loss on D(G(z))"
            return f"the gradient opt_{label}.step() was given is not that of a {loss} of these networks"
        return None

    def judged_step(self, label):
        """(index of opt_<label>'s first step, None), or (None, why there is none to judge)."""
        i = self.find(label)
        if i is None:
            return None, f"train_step never called opt_{label}.step()"
        if not self.grad_norm(i, label) > 1e-12:
            return None, (
                f"{label} received no gradient in the {label} step: compute its loss on D(fake) without detaching the fakes"
                if label == "G"
                else "D received no gradient in the D step: call loss_D.backward() before opt_D.step()"
            )
        if why := self.not_a_gradient_step(i):
            return None, f"the {label} step cannot be judged: {why}"
        return i, None

    def grad_norm(self, i, net) -> float:
        cut = inputs.TINY_PIXELS
        part = self.grads[i][:cut] if net == "G" else self.grads[i][cut:]
        return float(np.linalg.norm(part)) if np.all(np.isfinite(part)) else float("inf")


def judge_detach(r, seed):
    s = _Steps(r, seed)
    i, why = s.judged_step("D")
    if why:
        return 0, why
    if s.grad_norm(i, "G") > 1e-9:
        return 0, "fakes not detached in the D step: gradients of the D loss reach G (use fake.detach())"
    return 1, "the D step does not send gradients into G"


def judge_zero_grad(r, seed):
    s = _Steps(r, seed)
    d, g = s.find("D", "second"), s.find("G", "second")
    if d is None or g is None:
        return 0, "train_step should call opt_D.step() and opt_G.step() once each"
    if s.find("D") is not None and (why := s.judged_step("D")[1]):
        return 0, why
    if s.grad_norm(d, "D") > 1e3 or s.grad_norm(g, "G") > 1e3:
        which = "opt_D" if s.grad_norm(d, "D") > 1e3 else "opt_G"
        return 0, f"missing {which}.zero_grad(): gradients accumulate across steps"
    for i in (d, g):  # small gradients are only zeroed ones if they are the loss's true gradient
        if why := s.not_a_gradient_step(i):
            return 0, f"the second call's steps cannot be judged: {why}"
    return 1, "gradients are zeroed before each backward pass"


def judge_d_direction(r, seed):
    s = _Steps(r, seed)
    i, why = s.judged_step("D")
    if why:
        return 0, why
    (real0, fake0), (real1, fake1) = s.scores(s.before[i]), s.scores(s.after[i])
    real_up, fake_down = real1 > real0, fake1 < fake0
    if real_up and fake_down:
        return 1, "the D step raises D(x) and lowers D(G(z))"
    if not real_up and not fake_down:
        return 0, "labels swapped in the D step: D(x) went down and D(G(z)) up; real should be 1, fake 0"
    return 0, "the D step should raise D on real images and lower it on fakes"


def judge_g_direction(r, seed):
    s = _Steps(r, seed)
    i, why = s.judged_step("G")
    if why:
        return 0, why
    if s.scores(s.after[i])[1] > s.scores(s.before[i])[1]:
        return 1, "the G step raises D(G(z)): G learns to fool D"
    return 0, "the G step lowered D(G(z)): the generator loss has the wrong sign or target"


def _train_loop(g, d, opt_g, opt_d, seed):
    """The reference train_step, over the training probe's batches."""
    data = _data()
    for idx in inputs.training_batches(seed):
        real = data[idx]
        fake = g(torch.randn(len(real), inputs.NZ))
        opt_d.zero_grad()
        losses.discriminator_loss(d(real), d(fake.detach())).backward()
        opt_d.step()
        opt_g.zero_grad()
        losses.generator_loss_nonsaturating(d(fake)).backward()
        opt_g.step()


def _start(seed) -> inputs.TrainG:
    """G as the training probe builds it, before any step."""
    return seeded(inputs.TrainG, seed)


def _codes(seed) -> torch.Tensor:
    """The codes G's samples are drawn from: the judge's own, never inside the jail."""
    return torch.randn(inputs.TRAIN["samples"], inputs.NZ, generator=torch.Generator().manual_seed(seed + 104729))


def _samples(g: inputs.TrainG, seed) -> torch.Tensor:
    g.eval()
    with torch.no_grad():
        return g(_codes(seed))


def _trained(vector) -> inputs.TrainG:
    """The training probe's G with the parameters the student's train_step left."""
    return with_parameters(_start(0), vector, "generator")  # every parameter of the start is replaced


@functools.lru_cache(maxsize=4)
def _start_distance(seed) -> float:
    """The Fréchet distance of G's samples before any step: a property of the seed, computed once."""
    return _distance(_samples(_start(seed), seed))


def _distance(samples) -> float:
    return frechet_distance(
        digits_features(torch.as_tensor(samples, dtype=torch.float32), "pm1"), _reference_features()
    )


@functools.lru_cache(maxsize=4)
def reference_gan_run(seed: int) -> dict:
    """The training probe's GAN trained by the reference train_step: the Fréchet-distance ratio
    after/before (the bar for the training check) and its samples (for the feedback page)."""
    with REFERENCE_LOCK, torch.random.fork_rng():
        torch.manual_seed(seed)
        g, d = inputs.TrainG(), inputs.TrainD()
        opt_g = torch.optim.Adam(g.parameters(), lr=inputs.TRAIN["lr"], betas=inputs.TRAIN["betas"])
        opt_d = torch.optim.Adam(d.parameters(), lr=inputs.TRAIN["lr"], betas=inputs.TRAIN["betas"])
        _train_loop(g, d, opt_g, opt_d, seed)
        after = _samples(g, seed)
    return {"ratio": _distance(after) / _start_distance(seed), "samples": after[:8].numpy()}


def _copies_of_the_data(samples) -> bool:
    """Most samples within a hair of a training digit: no G learns that in 60 steps."""
    x = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    data = _data().reshape(inputs.TRAIN["digits"], -1).double().numpy()
    nearest = (x**2).sum(1)[:, None] - 2 * x @ data.T + (data**2).sum(1)[None, :]
    return bool(np.median(np.sqrt(np.maximum(nearest.min(1), 0) / x.shape[1])) < 0.02)


def _data():
    return digits28(inputs.TRAIN["digits"]) * 2 - 1


@functools.cache
def _reference_features():
    return digits_features(_data()[:400], "pm1")


def judge_gan_training(r, seed):
    vector = r.arrays["g_params"]
    if not np.all(np.isfinite(vector)):
        return 0, "after 60 calls of train_step the generator's parameters contain NaN or inf"
    g = _trained(vector)
    start = torch.nn.utils.parameters_to_vector(_start(seed).parameters())
    if torch.equal(torch.nn.utils.parameters_to_vector(g.parameters()), start):
        return 0, (
            "after 60 calls of train_step no parameter of G has changed: is opt_G.step() called, and does G's "
            "loss reach G (fakes not detached in the G step)?"
        )
    after = _samples(g, seed)
    if _copies_of_the_data(after):
        return 0, "the generator's samples are copies of the training digits, not images made from z"
    fd_before, fd_after = _start_distance(seed), _distance(after)
    ratio = fd_after / fd_before
    reference = reference_gan_run(0)["ratio"]  # a property of the reference: computed once per process
    needed = 1 - 0.25 * (1 - reference)  # real learning, a quarter of the reference's progress at least
    if ratio <= needed:
        return 1, f"Fréchet distance to digits fell {fd_before:.0f} -> {fd_after:.0f} (reference ratio {reference:.2f})"
    return 0, (
        f"after 60 training steps the Fréchet distance went {fd_before:.0f} -> {fd_after:.0f} (ratio {ratio:.2f}); "
        f"the reference reaches {reference:.2f}"
    )


CHECKS = [
    Check("Generator: (N, 1, 28, 28) images in [-1, 1]", "generator", 2, judge_generator),
    Check("Discriminator: probabilities in (0, 1)", "discriminator", 1, judge_discriminator),
    Check("weights_init: DCGAN initialization", "weights_init", 1, judge_weights_init),
    Check("discriminator_loss: -mean log D(x) - mean log(1 - D(G(z)))", "gan_losses", 2, judge_d_loss),
    Check("generator_loss: non-saturating -mean log D(G(z))", "gan_losses", 2, judge_g_loss),
    Check("train_step: fakes detached in the D step", "train_step", 1, judge_detach),
    Check("train_step: gradients zeroed every step", "train_step", 1, judge_zero_grad),
    Check("train_step: D step pushes real up and fake down", "train_step", 1, judge_d_direction),
    Check("train_step: G step fools D", "train_step", 1, judge_g_direction),
    Check("GAN training: train_step trains a GAN like the reference", "gan_train", 2, judge_gan_training),
]


def pictures(extras: dict) -> list:
    """Feedback rows (label, images): the lab's GAN trained by the student's train_step, above the
    same GAN trained by the reference's."""
    mine = extras.get("gan_train")
    if not mine:
        return []
    vector = mine.get("g_params")
    if vector is None or not np.all(np.isfinite(vector)):
        return []
    try:
        samples = _samples(_trained(vector), 0)[:8].numpy()
    except ValueError:
        return []
    return [
        ("The lab's GAN after 60 steps of your train_step", samples),
        ("The same GAN after 60 steps of the reference train_step", reference_gan_run(0)["samples"]),
    ]
