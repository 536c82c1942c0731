"""Runs INSIDE the jail (imported there as lab_probes.gan.probes): each `probe_<name>` calls the
student's code on inputs.py's tensors and returns plain numbers and arrays. It judges nothing:
train_step's effect is recorded as the tiny networks' raw parameters and gradients at each
optimizer step, and the judge recomputes D and G from them outside the jail."""

import numpy as np
import torch
import torch.nn as nn
from probekit import ProbeError, array, flat_gradients, flat_parameters, is_tensor, manual_seed, need

from ..digits import digits28
from . import inputs


def probe_generator(ns, seed):
    g = need(ns, "Generator")(nz=inputs.NZ, ngf=inputs.WIDTH)
    g.eval()
    z = inputs.generator(seed)
    with torch.no_grad():
        flat = g(z)
        spatial = g(z.view(len(z), inputs.NZ, 1, 1))
        large = g(z * 100)  # without a Tanh, large codes leave [-1, 1]
    return {"flat": array(flat), "spatial": array(spatial), "large": array(large)}


def probe_discriminator(ns, seed):
    d = need(ns, "Discriminator")(ndf=inputs.WIDTH)
    d.eval()
    x = inputs.discriminator(seed)
    with torch.no_grad():
        out = d(x)
        large = d(x * 100)  # logits leave (0, 1) for large inputs; probabilities cannot
    return {"out": array(out), "large": array(large)}


class _InitProbe(nn.Module):
    def __init__(self):
        super().__init__()
        # fan-in 144: PyTorch's default init has std 0.048 here, far from DCGAN's 0.02 (at 64x64x4x4
        # layers the default is 0.018, and a missing init would pass)
        self.conv = nn.Conv2d(16, 32, 3)
        self.deconv = nn.ConvTranspose2d(32, 16, 3)
        self.bn = nn.BatchNorm2d(4096)


def probe_weights_init(ns, seed):
    manual_seed(seed)
    m = _InitProbe()
    m.apply(need(ns, "weights_init"))
    return {
        "conv_w": array(m.conv.weight).ravel(),
        "deconv_w": array(m.deconv.weight).ravel(),
        "conv_b": array(m.conv.bias),
        "bn_w": array(m.bn.weight),
        "bn_b": array(m.bn.bias),
    }


def probe_gan_losses(ns, seed):
    """Both shapes a discriminator may return, (N,) and (N, 1): the contract allows either."""
    d_real, d_fake = inputs.losses(seed)
    n = len(d_real)
    result = {}
    for suffix, (real, fake) in (("", (d_real, d_fake)), ("_col", (d_real.view(n, 1), d_fake.view(n, 1)))):
        for key, name, args in (("loss_d", "discriminator_loss", (real, fake)), ("loss_g", "generator_loss", (fake,))):
            try:
                result[key + suffix] = array(need(ns, name)(*(a.clone() for a in args)))
            except ProbeError:
                raise
            except Exception as exc:
                result[f"{key}{suffix}_error"] = f"{type(exc).__name__}: {str(exc)[:150]}"
    return result


MAX_STEPS = 16  # optimizer steps recorded per probe (a train_step that loops inside is cut off here)


def _recording(params, label, g, d, record):
    """An SGD optimizer that records, at each step(), the tiny networks' parameters before and
    after and the gradients it was given. Only raw values: whatever a notebook does to the
    record, the judge recomputes D(x) and D(G(z)) from parameters, and forged parameters would have
    to be the right update."""

    class SGD(torch.optim.SGD):
        def step(self, closure=None):
            before = np.concatenate([flat_parameters(g), flat_parameters(d)])
            grads = np.concatenate([flat_gradients(g), flat_gradients(d)])
            result = super().step(closure)
            if len(record) < MAX_STEPS:
                after = np.concatenate([flat_parameters(g), flat_parameters(d)])
                record.append((label, before, after, grads))
            return result

    return SGD(params, lr=inputs.TINY_LR[label])


def probe_train_step(ns, seed):
    """train_step on tiny networks, with D's output as (N,) and, if the student's losses need it
    (labels of shape (N, 1)), as (N, 1)."""
    need(ns, "train_step")
    try:
        return _train_step_run(ns, seed, column=False)
    except ProbeError:
        raise
    except Exception:
        return _train_step_run(ns, seed, column=True)


def _train_step_run(ns, seed, column):
    train_step = need(ns, "train_step")
    manual_seed(seed)
    g, d = inputs.TinyG(), inputs.TinyD(column)
    real = inputs.tiny_real(seed)
    record = []
    opt_g, opt_d = _recording(g.parameters(), "G", g, d, record), _recording(d.parameters(), "D", g, d, record)
    first = train_step(g, d, opt_g, opt_d, real, inputs.NZ)
    calls = [len(record)]
    for p in list(g.parameters()) + list(d.parameters()):  # sentinel: accumulation shows as huge grads
        p.grad = torch.full_like(p, 1e4)
    second = train_step(g, d, opt_g, opt_d, real, inputs.NZ)
    calls.append(len(record))
    losses = []
    for result in (first, second):
        try:
            pair = [result[0], result[1]] if len(result) == 2 else None  # a tuple, a list, any 2-sequence
        except Exception:
            pair = None
        if pair is None:
            raise ProbeError("train_step must return (loss_D, loss_G)")
        losses.append([float(array(v).reshape(-1)[0]) if is_tensor(v) else float(v) for v in pair])
    if not record:
        return {"steps": [], "calls": calls, "losses": losses}
    return {
        "steps": [label for label, *_ in record],
        "calls": calls,  # steps recorded by the end of the first call, and of the second
        "losses": losses,
        "before": np.stack([b for _, b, _, _ in record]),
        "after": np.stack([a for _, _, a, _ in record]),
        "grads": np.stack([gr for *_, gr in record]),
    }


def probe_gan_train(ns, seed):
    """The student's train_step trains the lab's own small GAN (inputs.TrainG, TrainD) on the
    bundled digits. Only G's final parameters leave the jail: the judge rebuilds G, draws its
    samples from codes the jail never sees and scores them, so nothing here can be forged short of
    parameters that make digits, which is the training the check asks for."""
    train_step = need(ns, "train_step")
    try:
        return _gan_train_run(train_step, seed, column=False)
    except ProbeError:
        raise
    except Exception:  # losses that need D's output as (N, 1)
        return _gan_train_run(train_step, seed, column=True)


def _gan_train_run(train_step, seed, column):
    manual_seed(seed)
    g, d = inputs.TrainG(), inputs.TrainD(column)  # G first: the judge rebuilds its start the same way
    data = digits28(inputs.TRAIN["digits"]) * 2 - 1
    opt_g = torch.optim.Adam(g.parameters(), lr=inputs.TRAIN["lr"], betas=inputs.TRAIN["betas"])
    opt_d = torch.optim.Adam(d.parameters(), lr=inputs.TRAIN["lr"], betas=inputs.TRAIN["betas"])
    for idx in inputs.training_batches(seed):
        train_step(g, d, opt_g, opt_d, data[idx], inputs.NZ)
    return {"g_params": flat_parameters(g)}
