"""Runs INSIDE the jail (imported there as lab_probes.vae.probes): each `probe_<name>` calls the
student's code on inputs.py's tensors and returns plain numbers and arrays. It judges nothing."""

import torch
import torch.nn as nn
from probekit import ProbeError, array, manual_seed, need

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


_MODE_LAYERS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout, nn.BatchNorm1d, nn.BatchNorm2d)


def probe_sample(ns, seed):
    """Sampling from a model left in training mode (as after a training loop): dropout and batch
    norm layers must run in eval mode while sample() decodes."""
    model = _vae(ns)
    model.train()
    in_training = []
    for m in model.modules():
        if isinstance(m, _MODE_LAYERS):
            m.register_forward_pre_hook(lambda module, args: in_training.append(bool(module.training)))
    manual_seed(seed)
    samples = array(need(ns, "sample")(model, 6))
    return {"samples": samples, "mode_layers_in_training": sum(in_training)}


def probe_interpolate(ns, seed):
    model = _vae(ns)
    model.eval()
    x1, x2 = inputs.interpolate(seed)
    steps = inputs.INTERPOLATION_STEPS
    with torch.no_grad():
        frames = need(ns, "interpolate")(model, x1, x2, steps=steps)
        mu1, mu2 = (_encode_any(model, x.unsqueeze(0))[0][0] for x in (x1, x2))
        t = torch.linspace(0, 1, steps).view(-1, *([1] * (mu1.dim() - 1)))
        line = model.decode(((1 - t) * mu1.reshape(1, -1) + t * mu2.reshape(1, -1)).reshape(steps, *mu1.shape[1:]))
    return {"frames": array(frames), "start": array(line[:1]), "end": array(line[-1:]), "line": array(line)}


def probe_vae_train(ns, seed):
    """A short training run of the student's VAE with the student's loss on the bundled digits;
    the judge computes the held-out -ELBO from the outputs before and after."""
    manual_seed(seed)
    model = _vae(ns)
    loss_fn = need(ns, "vae_loss")
    data = digits28(inputs.TRAIN["digits"])
    train, held = data[: inputs.TRAIN["train"]], data[inputs.TRAIN["train"] :]
    opt = torch.optim.Adam(model.parameters(), lr=inputs.TRAIN["lr"])

    def outputs(prefix):
        model.eval()
        with torch.no_grad():
            x_hat, mu, logvar = model(held)
        model.train()
        return {f"{prefix}_x_hat": array(x_hat), f"{prefix}_mu": array(mu), f"{prefix}_logvar": array(logvar)}

    result = outputs("before")
    for idx in inputs.training_batches(seed):
        x = train[idx]
        opt.zero_grad()
        x_hat, mu, logvar = model(x)
        loss_fn(x_hat, x, mu, logvar).backward()
        opt.step()
    result.update(outputs("after"))
    # for the feedback page only: the trained model's samples and interpolation (their own checks score them)
    model.eval()
    for key, make in (
        ("trained_samples", lambda: need(ns, "sample")(model, 8)),
        ("trained_frames", lambda: need(ns, "interpolate")(model, held[0], held[3], steps=7)),
    ):
        try:
            with torch.no_grad():
                result[key] = array(make())
        except Exception:
            pass
    return result
