"""Functions a question's `derived` values may call: `{fn: NAME, args: [...]}`.

They compute ground truth from drawn parameters with exact sympy arithmetic where possible, so
the answer key never depends on hand-typed numbers. Arguments are parameter names, literal
numbers or lists of them.
"""

from __future__ import annotations

import sympy as sp


def _seq(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def kl_diag_gaussian(mu, sigma):
    """KL(N(mu, diag sigma^2) || N(0, I)) = -1/2 sum(1 + log sigma^2 - mu^2 - sigma^2)."""
    return sp.Rational(-1, 2) * sum(1 + sp.log(s**2) - m**2 - s**2 for m, s in zip(_seq(mu), _seq(sigma)))


def kl_diag_gaussian_logvar(mu, logvar):
    """Same KL from the encoder's log-variance output, as the VAE lab computes it."""
    return sp.Rational(-1, 2) * sum(1 + lv - m**2 - sp.exp(lv) for m, lv in zip(_seq(mu), _seq(logvar)))


def kl_discrete(p, q):
    return sum(pi * sp.log(pi / qi) for pi, qi in zip(_seq(p), _seq(q)) if pi != 0)


def js_discrete(p, q):
    """JS(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2 (natural log)."""
    m = [(pi + qi) / 2 for pi, qi in zip(_seq(p), _seq(q))]
    return (kl_discrete(p, m) + kl_discrete(q, m)) / 2


def gan_value_at_optimum(p, q):
    """V(D*, G) = sum_x p log D*(x) + q log(1 - D*(x)) for discrete densities p (data), q (G)."""
    total = 0
    for pi, qi in zip(_seq(p), _seq(q)):
        d = pi / (pi + qi)
        if pi:
            total += pi * sp.log(d)
        if qi:
            total += qi * sp.log(1 - d)
    return total


def conv_out(size, kernel, stride=1, padding=0):
    """Conv2d output size: floor((H + 2P - K) / S) + 1."""
    return sp.floor((size + 2 * padding - kernel) / stride) + 1


def conv_transpose_out(size, kernel, stride=1, padding=0, output_padding=0):
    """ConvTranspose2d output size: (H - 1) S - 2P + K + output_padding."""
    return (size - 1) * stride - 2 * padding + kernel + output_padding


def conv_params(c_in, c_out, kernel, bias=1):
    """Weights of a Conv2d or ConvTranspose2d layer: C_in C_out K^2 (+ C_out biases)."""
    return c_in * c_out * kernel**2 + (c_out if bias else 0)


def linear_params(n_in, n_out, bias=1):
    return n_in * n_out + (n_out if bias else 0)


def batchnorm_params(channels):
    """Trainable BatchNorm parameters: a scale and a shift per channel."""
    return 2 * channels


def total(values):
    return sum(_seq(values))


def mean(values):
    values = _seq(values)
    return sp.Rational(sum(values)) / len(values) if all(v.is_Rational for v in values) else sum(values) / len(values)


def vector_get(values, index):
    return _seq(values)[int(index)]


FUNCTIONS = {
    f.__name__: f
    for f in (
        kl_diag_gaussian,
        kl_diag_gaussian_logvar,
        kl_discrete,
        js_discrete,
        gan_value_at_optimum,
        conv_out,
        conv_transpose_out,
        conv_params,
        linear_params,
        batchnorm_params,
        total,
        mean,
        vector_get,
    )
}
