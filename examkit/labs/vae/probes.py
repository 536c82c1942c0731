"""Runs INSIDE the jail (imported there as lab_probes.vae.probes): each `probe_<name>` calls the
student's code on inputs.py's tensors and returns plain numbers and arrays. It judges nothing."""

import torch
from probekit import ProbeError, array, flat_parameters, manual_seed, need, seed_everything

from ..digits import digits28
from . import inputs


def _vae(ns):
    return need(ns, "VAE")(latent_dim=inputs.LATENT)


def _encode_any(model, x):
    """encode() of an image batch, (N, 1, 28, 28) or flattened: the contract allows either."""
    try:
        return model.encode(x), "image"
    except Exception:
        return model.encode(x.reshape(len(x), 784)), "flat"


def probe_vae_encode(ns, seed):
    model = _vae(ns)
    (mu, logvar), form = _encode_any(model, inputs.encode(seed))
    return {"mu": array(mu), "logvar": array(logvar), "input_form": form}


def probe_vae_decode(ns, seed):
    model = _vae(ns)
    return {"out": array(model.decode(inputs.decode(seed)))}


def probe_vae_forward(ns, seed):
    model = _vae(ns)
    manual_seed(seed)
    result = model(inputs.forward(seed))
    if not isinstance(result, tuple) or len(result) != 3:
        raise ProbeError("forward(x) must return (x_hat, mu, logvar)")
    return {"x_hat": array(result[0]), "mu": array(result[1]), "logvar": array(result[2])}


def probe_kl(ns, seed):
    return {"kl": array(need(ns, "kl_divergence")(*inputs.kl(seed)))}


def probe_reparam(ns, seed):
    model = _vae(ns)
    manual_seed(seed)
    mu, logvar = inputs.reparam(seed)
    mu_g, logvar_g = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    z1 = model.reparameterize(mu_g, logvar_g)
    z2 = model.reparameterize(mu, logvar)
    try:
        z1.sum().backward()
        grads = {
            "grad_mu": array(mu_g.grad) if mu_g.grad is not None else array(torch.zeros(0)),
            "grad_logvar": array(logvar_g.grad) if logvar_g.grad is not None else array(torch.zeros(0)),
        }
    except RuntimeError:
        grads = {"grad_mu": array(torch.zeros(0)), "grad_logvar": array(torch.zeros(0))}
    return {"z1": array(z1), "z2": array(z2), **grads}


def probe_vae_loss(ns, seed):
    loss = need(ns, "vae_loss")
    args = inputs.loss(seed)
    out = {"beta1": array(loss(*args)), "beta3": array(loss(*args, beta=3.0))}
    try:
        out["beta0"] = array(loss(*args, beta=0.0))
    except Exception:
        pass  # judged from beta 1 and 3 alone
    try:  # the same batch with logits for x_hat: tells a with-logits loss from a BCE on probabilities
        out["logits1"] = array(loss(*inputs.loss_logits(seed)))
    except Exception as exc:
        out["logits_error"] = f"{type(exc).__name__}: {exc}"[:200]
    return out


def _seeded_vae(ns, seed):
    """The student's VAE, built the same way in every probe process that compares with another."""
    manual_seed(seed)
    return _vae(ns)


def _sample_with(ns, seed, model):
    seed_everything(seed)  # torch, numpy and random: sample() draws its codes from any of them
    return {"samples": array(need(ns, "sample")(model, 6))}


def probe_sample(ns, seed):
    """sample() on a model left in training mode, as after a training loop."""
    return _sample_with(ns, seed, _seeded_vae(ns, seed).train())


def probe_sample_eval(ns, seed):
    """The control, in a process of its own: the same call on the same model put in eval mode by
    the harness. Dropout or batch norm left in training mode while sample() decodes shows as a
    difference between the two, which the student's code in the other process cannot see."""
    return _sample_with(ns, seed, _seeded_vae(ns, seed).eval())


def probe_interpolate(ns, seed):
    model = _seeded_vae(ns, seed).eval()
    x1, x2 = inputs.interpolate(seed)
    with torch.no_grad():
        frames = need(ns, "interpolate")(model, x1, x2, steps=inputs.INTERPOLATION_STEPS)
    return {"frames": array(frames)}


def probe_interpolate_line(ns, seed):
    """The control, in a process of its own where the student's interpolate() never runs: the
    decoded line between the encoder means of x1 and x2, from the student's encode and decode."""
    model = _seeded_vae(ns, seed).eval()
    x1, x2 = inputs.interpolate(seed)
    steps = inputs.INTERPOLATION_STEPS
    with torch.no_grad():
        mu1, mu2 = (_encode_any(model, x.unsqueeze(0))[0][0] for x in (x1, x2))
        t = torch.linspace(0, 1, steps).view(-1, *([1] * (mu1.dim() - 1)))
        line = model.decode(((1 - t) * mu1.reshape(1, -1) + t * mu2.reshape(1, -1)).reshape(steps, *mu1.shape[1:]))
    return {"line": array(line)}


def probe_vae_train(ns, seed):
    """The student's vae_loss trains the lab's own VAE (inputs.TrainVAE) on the bundled digits, in
    the form the loss reads (inputs.reads_logits, the judges' rule). Only the trained parameters
    leave the jail: the judge rebuilds the VAE and measures the held-out -ELBO outside, so nothing
    here can be forged short of parameters that model the digits, which is the training itself."""
    loss_fn = need(ns, "vae_loss")
    data = digits28(inputs.TRAIN["digits"])
    train = data[: inputs.TRAIN["train"]]  # the held-out digits are the judge's
    shapes = _shapes(loss_fn, train[: inputs.TRAIN["batch"]])
    form = (
        "logits"
        if inputs.reads_logits(_value(loss_fn, inputs.loss(seed)), _value(loss_fn, inputs.loss_logits(seed)), seed)
        else "probabilities"
    )
    manual_seed(seed)
    model = inputs.TrainVAE(logits=form == "logits")
    opt = torch.optim.Adam(model.parameters(), lr=inputs.TRAIN["lr"])
    for idx in inputs.training_batches(seed):
        x = train[idx]
        opt.zero_grad()
        x_hat, mu, logvar = model(x)
        loss_fn(_as(x_hat, shapes[0]), _as(x, shapes[1]), mu, logvar).backward()
        opt.step()
    return {"form": form, "params": flat_parameters(model)}


def _value(loss_fn, args) -> float:
    """The loss of one batch as a number; NaN where it raises or is not one number."""
    try:
        return float(array(loss_fn(*args)).reshape(-1)[0])
    except Exception:
        return float("nan")


_SHAPES = (("flat", "image"), ("flat", "flat"), ("image", "image"), ("image", "flat"))  # (x_hat, x)


def _as(t, shape):
    return t.reshape(len(t), 784) if shape == "flat" else t.reshape(len(t), 1, 28, 28)


def _shapes(loss_fn, x):
    """The shapes of (x_hat, x) the student's vae_loss takes on a batch of digits: the first pair
    it gives a number for."""
    n = len(x)
    x_hat, zeros = x.reshape(n, 784) * 0.9 + 0.05, torch.zeros(n, inputs.LATENT)
    for shapes in _SHAPES:
        value = _value(loss_fn, (_as(x_hat, shapes[0]), _as(x, shapes[1]), zeros, zeros))
        if value == value and abs(value) != float("inf"):
            return shapes
    raise ProbeError("vae_loss(x_hat, x, mu, logvar) gave no number for a batch of digits and reconstructions")
