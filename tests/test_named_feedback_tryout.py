"""Wrong answers from the student tryout get specific, true feedback, never a generic or coincidental
slip ("half the expected one") or none: each mistake is typed as a student would, its value
recomputed here from the variant's drawn parameters, independently of the YAML."""

import json
import math

import pytest

from conftest import run_cli
from examkit.bank.loader import load_bank
from examkit.parts.check import check_answer

BANK = load_bank()
SEEDS = range(8)


def _p(variant, name) -> float:
    return float(variant.context[name])


def _named(variant, part_id, typed, name, phrase=""):
    """The answer gets the named mistake's feedback (`phrase` in it); where another named mistake of the
    part has the same value for this draw (a tie the student cannot be told apart from), that one."""
    verdict = check_answer(variant, part_id, typed)
    assert verdict.status == "incorrect", (variant.qid, variant.seed, typed, verdict)
    assert not verdict.misconception.startswith("slip:"), (variant.qid, variant.seed, typed, verdict.misconception)
    if verdict.misconception != name:
        values = {m.name: float(m.value) for p in variant.parts if p.id == part_id for m in p.misconceptions}
        assert verdict.misconception in values, f"{typed} -> {verdict.misconception}, expected {name}"
        assert math.isclose(values[verdict.misconception], values[name], rel_tol=2e-3)
    elif phrase:
        assert phrase in verdict.feedback[0], verdict.feedback
    return verdict


def _slip(variant, part_id, typed, slip, phrase):
    verdict = check_answer(variant, part_id, typed)
    assert verdict.misconception == f"slip:{slip}", (variant.qid, variant.seed, typed, verdict.misconception)
    assert phrase in verdict.feedback[0], verdict.feedback
    return verdict


def _v(qid, seed):
    return BANK.get(qid).variant(seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_cgan_discriminator_input_without_the_label_maps(seed):
    v = _v("cgan-input-sizes", seed)
    _named(v, "d_in", str(int(_p(v, "c"))), "forgot_label_maps", "label map per class")


@pytest.mark.parametrize("seed", SEEDS)
def test_fid_with_the_mean_term_only(seed):
    v = _v("fid-1d", seed)
    mean_term = (_p(v, "m1") - _p(v, "m2")) ** 2
    _named(v, "fd", f"{mean_term:#.6g}", "mean_term_only", "only the mean term")


@pytest.mark.parametrize("seed", SEEDS)
def test_layer_params_batchnorm_scale_only_and_conv_bias(seed):
    v = _v("lab-layer-params", seed)
    cin, cout, k, bias = (int(_p(v, n)) for n in ("cin", "cout", "k", "bias"))
    _named(v, "bn", str(cout), "scale_only", "shift")
    weights = cin * cout * k * k
    if bias:  # the tryout's mistake: weights without the biases
        _named(v, "conv", str(weights), "bias_miscounted", "bias=True")
    else:  # the mirror image: biases counted for a layer built with bias=False
        _named(v, "conv", f"{weights} + {cout}", "bias_miscounted", "bias=False")


@pytest.mark.parametrize("seed", SEEDS)
def test_kl_from_logvar_averaged_over_latent_dimensions(seed):
    v = _v("vae-kl-logvar", seed)
    terms = [0.5 * (_p(v, f"mu_{i}") ** 2 + math.exp(_p(v, f"logvar_{i}")) - 1 - _p(v, f"logvar_{i}")) for i in (1, 2)]
    _named(v, "kl", f"{sum(terms) / 2:#.6g}", "mean_instead_of_sum", "you averaged")


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_losses_summed_over_the_batch_instead_of_averaged(seed):
    v = _v("gan-batch-losses", seed)
    real, fake = [_p(v, f"dreal_{i}") for i in (1, 2, 3)], [_p(v, f"dfake_{i}") for i in (1, 2, 3)]
    summed = -sum(math.log(d) for d in real) - sum(math.log(1 - d) for d in fake)
    _slip(v, "d_loss", f"{summed:#.6g}", "sum_for_mean", "3 times the expected one")
    _slip(v, "g_ns", f"{-sum(math.log(d) for d in fake):#.6g}", "sum_for_mean", "3 times the expected one")


@pytest.mark.parametrize("seed", SEEDS)
def test_bernoulli_nll_averaged_over_pixels_instead_of_summed(seed):
    v = _v("vae-bernoulli-nll", seed)
    pixels = [(_p(v, f"x_{i}"), _p(v, f"p_{i}")) for i in (1, 2, 3)]
    bce = -sum(x * math.log(p) + (1 - x) * math.log(1 - p) for x, p in pixels)
    _slip(v, "bce", f"{bce / 3:#.6g}", "mean_for_sum", "1/3 of the expected one")


def test_every_mean_or_sum_part_declares_its_dimension():
    parts = {
        ("gan-batch-losses", "d_loss"): 3,
        ("gan-batch-losses", "g_ns"): 3,
        ("gan-label-smoothing-bce", "loss"): 2,
        ("vae-bernoulli-nll", "bce"): 3,
        ("vae-kl-diag", "kl"): 3,
        ("vae-kl-logvar", "kl"): 2,
        ("ae-mse-loss", "loss"): 4,
        ("ae-mse-loss", "mean"): 4,
        ("wgan-gp-penalty", "gp"): 3,
    }
    for (qid, part_id), n in parts.items():
        v = _v(qid, 0)
        part = next(p for p in v.parts if p.id == part_id)
        assert part.dimension and int(v.context[part.dimension]) == n, (qid, part_id)
    for qid, part_id, count in (("lab-vae-loss-reduction", "loss", "n"), ("vae-gaussian-nll", "nll", "d")):
        assert next(p for p in _v(qid, 0).parts if p.id == part_id).dimension == count


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_of_an_autoencoder_read_as_mean_or_sum(seed):
    v = _v("ae-mse-loss", seed)
    sse = sum((_p(v, f"x_{i}") - _p(v, f"xhat_{i}")) ** 2 for i in (1, 2, 3, 4))
    if not math.isclose(
        sse / 4, abs(sum(abs(_p(v, f"x_{i}") - _p(v, f"xhat_{i}")) for i in (1, 2, 3, 4))), abs_tol=2e-3
    ):
        _slip(v, "loss", f"{sse / 4:.4f}", "mean_for_sum", "1/4 of the expected one")


@pytest.mark.parametrize("seed", SEEDS)
def test_saturating_gradient_swapped_with_the_non_saturating_one(seed):
    v = _v("gan-saturation-gradients", seed)
    d = 1 / (1 + math.exp(-_p(v, "a")))
    _named(v, "sat", f"{1 - d:#.6g}", "non_saturating_gradient", "non-saturating")
    _named(v, "ns", f"{d:#.6g}", "saturating_gradient")


def _conv(h, k, s, p):
    return (h + 2 * p - k) // s + 1


@pytest.mark.parametrize("seed", SEEDS)
def test_discriminator_size_without_padding_or_without_the_plus_one(seed):
    v = _v("lab-discriminator-sizes", seed)
    h, k, p = (int(_p(v, n)) for n in ("h", "k", "p"))
    o1 = _conv(h, k, 2, p)
    _named(v, "o1", str(_conv(h, k, 2, 0)), "no_padding", "padding")
    _named(v, "o1", str((h + 2 * p - k) // 2), "forgot_plus_one", "one too few")
    _named(v, "o2", str(_conv(o1, k, 2, 0)), "no_padding", "padding")
    _named(v, "o2", str((o1 + 2 * p - k) // 2), "forgot_plus_one", "one too few")


def _convt(h, k, s, p):
    return (h - 1) * s - 2 * p + k


@pytest.mark.parametrize("seed", SEEDS)
def test_generator_output_one_too_large(seed):
    v = _v("lab-dcgan-generator-sizes", seed)
    h2, k3, p3 = (int(_p(v, n)) for n in ("h2", "k3", "p3"))
    h3 = _convt(h2, k3, 2, p3)
    _named(v, "h3", str(h3 + 1), "one_too_large", "one more than the output size")
    if k3 - 2 * p3 != 2:  # the tryout's 28 for 27: "stride 2 doubles the size"
        _named(v, "h3", f"{2 * h2}x{2 * h2}", "one_too_large", "doubles the size only when")


def _js_from_value(p, q, log4):
    value = sum(a * math.log(a / (a + b)) + b * math.log(b / (a + b)) for a, b in zip(p, q))
    return (value + log4) / 2


@pytest.mark.parametrize("seed", SEEDS)
def test_js_with_log4_in_another_base(seed):
    v = _v("gan-value-at-optimum", seed)
    p, q = [float(x) for x in v.context["p"]], [float(x) for x in v.context["q"]]
    _named(v, "js", f"{_js_from_value(p, q, 2.0):#.6g}", "log4_in_bits", "base-2")
    _named(v, "js", f"{_js_from_value(p, q, math.log10(4)):#.6g}", "log4_base10", "log")
    assert check_answer(v, "js", f"{_js_from_value(p, q, math.log(4)):#.6g}").status == "correct"


@pytest.mark.parametrize("seed", SEEDS)
def test_bce_pair_averaged_instead_of_totalled(seed):
    v = _v("gan-label-smoothing-bce", seed)
    s, dx, dg = _p(v, "s"), _p(v, "dx"), _p(v, "dg")
    total = -(s * math.log(dx) + (1 - s) * math.log(1 - dx)) - math.log(1 - dg)
    _named(v, "loss", f"{total / 2:#.6g}", "averaged_over_pair", "mean of the two")


def _kl_logvar_mean(v):
    ells = [(_p(v, f"mu_{i}"), _p(v, f"logvar_{i}")) for i in (1, 2)]
    return sum(0.5 * (m**2 + math.exp(ell) - 1 - ell) for m, ell in ells) / 2


def _sum_batch(v):
    real, fake = [_p(v, f"dreal_{i}") for i in (1, 2, 3)], [_p(v, f"dfake_{i}") for i in (1, 2, 3)]
    return -sum(math.log(d) for d in real) - sum(math.log(1 - d) for d in fake)


def _bce_mean(v):
    pixels = [(_p(v, f"x_{i}"), _p(v, f"p_{i}")) for i in (1, 2, 3)]
    return -sum(x * math.log(p) + (1 - x) * math.log(1 - p) for x, p in pixels) / 3


def _value(v):
    p, q = [float(x) for x in v.context["p"]], [float(x) for x in v.context["q"]]
    return sum(a * math.log(a / (a + b)) + b * math.log(b / (a + b)) for a, b in zip(p, q))


# (question, part, the student's wrong value from the drawn parameters, the mistake it must be named as)
TRYOUT = [
    ("cgan-input-sizes", "d_in", lambda v: _p(v, "c"), "forgot_label_maps"),
    ("fid-1d", "fd", lambda v: (_p(v, "m1") - _p(v, "m2")) ** 2, "mean_term_only"),
    ("lab-layer-params", "bn", lambda v: _p(v, "cout"), "scale_only"),
    ("lab-layer-params", "conv", lambda v: _p(v, "cin") * _p(v, "cout") * _p(v, "k") ** 2, "bias_miscounted"),
    ("vae-kl-logvar", "kl", _kl_logvar_mean, "mean_instead_of_sum"),
    ("gan-batch-losses", "d_loss", _sum_batch, "slip:sum_for_mean"),
    ("vae-bernoulli-nll", "bce", _bce_mean, "slip:mean_for_sum"),
    ("gan-saturation-gradients", "sat", lambda v: 1 - 1 / (1 + math.exp(-_p(v, "a"))), "non_saturating_gradient"),
    ("lab-discriminator-sizes", "o1", lambda v: _conv(_p(v, "h"), _p(v, "k"), 2, 0), "no_padding"),
    ("lab-dcgan-generator-sizes", "h3", lambda v: 2 * _p(v, "h2"), "one_too_large"),
    ("gan-value-at-optimum", "js", lambda v: (_value(v) + 2) / 2, "log4_in_bits"),
]


@pytest.mark.parametrize("qid, part_id, wrong, name", TRYOUT, ids=[f"{q}-{p}" for q, p, _, _ in TRYOUT])
def test_the_tryout_answers_on_the_command_line_at_seed_1(qid, part_id, wrong, name):
    """The tryout's own answers (seed 1, where each was found), through `examkit check` as a student runs it."""
    x = wrong(_v(qid, 1))
    typed = str(int(x)) if float(x).is_integer() else f"{x:#.6g}"  # a size as a whole number
    result = run_cli("check", qid, "--seed", "1", "--part", part_id, "--answer", typed, "--json")
    verdict = json.loads(result.stdout)
    assert verdict["status"] == "incorrect" and verdict["misconception"] == name, (typed, verdict)
    assert "half the expected" not in verdict["message"]
