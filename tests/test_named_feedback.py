"""Standard mistakes get their own feedback, typed as a student would (issue 12, part 4): the KL in
the swapped direction, log10 or log2 for ln, the WGAN-GP penalty summed, a transposed-convolution
size without padding, a one-standard-deviation threshold, and a miscounted mode fraction read as a
miscount, never as a generic "factor ½" slip. The wrong values are recomputed here from the drawn
parameters, independently of the YAML."""

import math
from types import SimpleNamespace

import pytest

from conftest import run_cli
from examkit.bank.loader import load_bank
from examkit.checking.slips import DOUBLE, numeric_slips
from examkit.parts.check import check_answer

BANK = load_bank()
SEEDS = range(8)


def _p(variant, name) -> float:
    return float(variant.context[name])


def _named(variant, part_id, typed, name):
    """The answer gets the named mistake's feedback; where another named mistake of the part has the
    same value for this draw (a tie the student cannot be told apart from), the first one listed."""
    verdict = check_answer(variant, part_id, typed)
    if verdict.misconception != name:
        values = {m.name: float(m.value) for p in variant.parts if p.id == part_id for m in p.misconceptions}
        assert verdict.misconception in values, f"{typed} -> {verdict.misconception}, expected {name}"
        assert math.isclose(values[verdict.misconception], values[name], rel_tol=2e-3)
    return verdict


def _verdict(qid, seed, part, typed):
    variant = BANK.get(qid).variant(seed)
    return check_answer(variant, part, typed)


def _kl_q_p(mu, s):  # KL(N(mu, s^2) || N(0, 1)), the VAE's direction
    return 0.5 * (mu**2 + s**2 - 1 - math.log(s**2))


def _kl_p_q(mu, s):  # KL(N(0, 1) || N(mu, s^2)), the swapped direction
    return math.log(s) + (1 + mu**2) / (2 * s**2) - 0.5


def _kl_q_p_base(mu, s, base):  # the VAE's KL with log_base in place of ln
    return 0.5 * (mu**2 + s**2 - 1 - math.log(s**2, base))


@pytest.mark.parametrize("seed", SEEDS)
def test_swapped_kl_direction_is_named(seed):
    v = BANK.get("vae-kl-1d").variant(seed)
    mu, s = _p(v, "mu"), _p(v, "sigma")
    _named(v, "kl", f"{_kl_p_q(mu, s):.6g}", "kl_swapped")

    v = BANK.get("vae-kl-diag").variant(seed)
    pairs = [(_p(v, f"mu_{i}"), _p(v, f"sigma_{i}")) for i in (1, 2, 3)]
    _named(v, "kl", f"{sum(_kl_p_q(m, s) for m, s in pairs):.6g}", "kl_swapped")

    v = BANK.get("vae-kl-logvar").variant(seed)
    pairs = [(_p(v, f"mu_{i}"), math.exp(_p(v, f"logvar_{i}") / 2)) for i in (1, 2)]
    verdict = check_answer(v, "kl", f"{sum(_kl_p_q(m, s) for m, s in pairs):.6g}")
    assert verdict.misconception == "kl_swapped" and "other direction" in verdict.feedback[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_swapped_kl_direction_is_named_in_the_symbolic_part(seed):
    v = BANK.get("vae-kl-closed-form").variant(seed)
    s = _p(v, "s")
    _named(v, "kl", f"log(sigma/{s:g}) + ({s:g}^2 + mu^2)/(2*sigma^2) - 1/2", "kl_swapped")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("base", [10, 2])
def test_log10_and_log2_for_ln_are_named_where_the_key_mixes_logs_and_other_terms(seed, base):
    name = f"log{base}"
    v = BANK.get("vae-kl-1d").variant(seed)
    _named(v, "kl", f"{_kl_q_p_base(_p(v, 'mu'), _p(v, 'sigma'), base):.6g}", name)

    v = BANK.get("vae-kl-diag").variant(seed)
    total = sum(_kl_q_p_base(_p(v, f"mu_{i}"), _p(v, f"sigma_{i}"), base) for i in (1, 2, 3))
    _named(v, "kl", f"{total:.6g}", name)

    v = BANK.get("vae-gaussian-nll").variant(seed)
    d, sse, s = _p(v, "d"), _p(v, "sse"), _p(v, "s")
    nll = sse / (2 * s**2) + d / 2 * math.log(2 * math.pi * s**2, base)
    _named(v, "nll", f"{nll:.6g}", name)


@pytest.mark.parametrize("seed", SEEDS)
def test_log2_for_ln_is_a_generic_slip_where_the_key_is_all_logs(seed):
    v = BANK.get("gan-batch-losses").variant(seed)
    ns = -sum(math.log2(_p(v, f"dfake_{i}")) for i in (1, 2, 3)) / 3
    verdict = check_answer(v, "g_ns", f"{ns:.6g}")
    assert verdict.misconception == "slip:log2" and "base-2" in verdict.feedback[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_wgan_gp_penalty_summed_instead_of_averaged(seed):
    v = BANK.get("wgan-gp-penalty").variant(seed)
    lam, g = _p(v, "lam"), [_p(v, f"g_{i}") for i in (1, 2, 3)]
    summed = lam * sum((x - 1) ** 2 for x in g)
    _named(v, "gp", f"{summed:.6g}", "summed_not_averaged")
    critic = _p(v, "cfake") - _p(v, "creal") + summed
    _named(v, "critic", f"{critic:.6g}", "penalty_summed")


def _convt(h, k, s, p, op=0):
    return (h - 1) * s - 2 * p + k + op


@pytest.mark.parametrize("seed", SEEDS)
def test_transposed_convolution_size_without_padding(seed):
    v = BANK.get("lab-convt-single").variant(seed)
    h, k, s, op = (int(_p(v, n)) for n in ("h", "k", "s", "op"))
    verdict = check_answer(v, "out", f"{_convt(h, k, s, 0, op)}x{_convt(h, k, s, 0, op)}")
    assert verdict.misconception == "no_padding" and "padding" in verdict.feedback[0]

    v = BANK.get("lab-dcgan-generator-sizes").variant(seed)
    h1 = int(_p(v, "h1"))
    h2, k2, k3 = int(_p(v, "h2")), int(_p(v, "k2")), int(_p(v, "k3"))
    _named(v, "h2", str(_convt(h1, k2, 2, 0)), "no_padding")
    _named(v, "h3", str(_convt(h2, k3, 2, 0)), "no_padding")
    _named(v, "h3", str(_convt(_convt(h1, k2, 2, 0), k3, 2, 0)), "no_padding_throughout")


@pytest.mark.parametrize("seed", SEEDS)
def test_one_standard_deviation_threshold(seed):
    v = BANK.get("ae-anomaly").variant(seed)
    typed = f"{_p(v, 'mean')} + {_p(v, 'sd')}"
    verdict = check_answer(v, "threshold", typed)
    assert verdict.misconception == "one_sd_threshold" and "one standard deviation" in verdict.feedback[0]


def _mode_seed(used_at_least: int = 1) -> tuple[int, int, int]:
    """A seed of gan-mode-collapse and its (covered, total) count."""
    for seed in range(50):
        ctx = BANK.get("gan-mode-collapse").variant(seed).context
        if int(ctx["run_used"]) >= used_at_least:
            return seed, int(ctx["run_used"]), int(ctx["run_k"])
    raise AssertionError("no cached run covers a mode")


def test_miscounted_mode_fraction_reads_as_a_miscount_not_a_factor_half():
    seed, used, k = _mode_seed()
    result = run_cli(
        "check", "gan-mode-collapse", "--seed", str(seed), "--part", "coverage", "--answer", f"{2 * used}/{k}"
    )
    assert "recount" in result.stdout and "factor" not in result.stdout, result.stdout
    for m in range(k + 1):
        if m != used and m != used * k:  # m/k = used is the bare count, named on its own
            verdict = _verdict("gan-mode-collapse", seed, "coverage", f"{m}/{k}")
            assert verdict.misconception == "slip:miscount" and f"{m} of the {k}" in verdict.feedback[0]
    assert _verdict("gan-mode-collapse", seed, "coverage", f"{used}/{k}").status == "correct"


def test_a_count_fraction_part_drops_generic_slips_whose_value_is_another_count():
    part = SimpleNamespace(answer=0.25, formula="used/k", prompt="", solution="", dimension="", fraction_of="k")
    slips = numeric_slips(part, {"k": 8})
    assert DOUBLE not in [slip for slip, _ in slips]  # 2/8 -> 4/8 is a miscount, not "factor ½ missing"
    assert {round(value * 8) for slip, value in slips if slip.name == "miscount"} == {0, 1, 3, 4, 5, 6, 7, 8}
    plain = SimpleNamespace(answer=0.25, formula="used/k", prompt="", solution="", dimension="", fraction_of="")
    assert DOUBLE in [slip for slip, _ in numeric_slips(plain, {"k": 8})]


# parts whose key is a sum of natural logs: the generic slips (key / ln 10, key / ln 2) are exact there
ALL_LOG_PARTS = [
    ("gan-batch-losses", "d_loss"),
    ("gan-batch-losses", "g_ns"),
    ("gan-label-smoothing-bce", "loss"),
    ("cgan-loss-numeric", "loss"),
    ("gan-value-at-optimum", "value"),
    ("gan-value-at-optimum", "js"),
    ("vae-bernoulli-nll", "bce"),
]


@pytest.mark.parametrize("qid, part_id", ALL_LOG_PARTS)
@pytest.mark.parametrize("base", [10, 2])
def test_log10_and_log2_for_ln_get_log_feedback_where_the_key_is_all_logs(qid, part_id, base):
    for seed in range(4):
        variant = BANK.get(qid).variant(seed)
        key = float(next(p for p in variant.parts if p.id == part_id).answer)
        if math.isclose(key / math.log(base), 1 / key, rel_tol=1e-3):
            continue  # a tie with the reciprocal slip (key^2 = ln 2): either reading is fair
        verdict = check_answer(variant, part_id, f"{key / math.log(base):.6g}")
        assert verdict.misconception in (f"log{base}", f"slip:log{base}"), (qid, seed, verdict)
