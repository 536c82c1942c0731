"""Each question type, checked on real bank variants: verdicts, partial credit, feedback."""

import pytest

from examkit.bank.validate import own_answer
from examkit.parts.check import check_answer


def variant(bank, qid, seed=3):
    return bank.get(qid).variant(seed)


def test_numeric_correct_imprecise_and_misconceptions(bank):
    v = variant(bank, "vae-neg-elbo-beta")
    rec, kl, beta = (float(v.params[k]) for k in ("rec", "kl", "beta"))
    assert check_answer(v, "a", f"{rec + kl}").status == "correct"
    assert check_answer(v, "a", f"{rec} + {kl}").status == "correct"
    wrong = check_answer(v, "a", f"{rec - kl}")
    assert wrong.status == "incorrect" and wrong.misconception == "kl_sign" and "adds" in wrong.message
    beta_rec = check_answer(v, "b", f"{beta * rec + kl}")
    assert beta_rec.misconception == "beta_on_reconstruction"
    assert check_answer(v, "b", f"{rec + kl}").misconception == "beta_ignored"
    assert check_answer(v, "b", f"{rec + beta * kl}").score == v.part("b").points


def test_numeric_sigfigs_imprecise_gets_half_credit(bank):
    v = variant(bank, "vae-kl-1d", seed=5)
    value = v.part("kl").answer
    coarse = check_answer(v, "kl", f"{value:.1g}")  # 2 for 1.7365: the key rounded to one figure
    assert coarse.status == "imprecise" and coarse.score == pytest.approx(v.part("kl").points / 2)
    good = check_answer(v, "kl", f"{value:.4g}")
    assert good.status == "correct"
    two = check_answer(v, "kl", f"{value:.2g}")
    if abs(float(f"{value:.2g}") - value) > 1e-9:
        assert two.status == "imprecise" and two.score == pytest.approx(v.part("kl").points / 2)


def test_numeric_named_misconceptions_sigma_and_log4(bank):
    v = variant(bank, "vae-kl-1d", seed=1)
    m = {x.name: x for x in v.part("kl").misconceptions}
    r = check_answer(v, "kl", repr(m["sigma_for_variance"].value))
    assert r.misconception == "sigma_for_variance" and "variance" in r.message
    g = variant(bank, "gan-value-at-optimum", seed=2)
    log2 = {x.name: x for x in g.part("js").misconceptions}["log2_for_log4"].value
    assert check_answer(g, "js", repr(log2)).misconception == "log2_for_log4"


def test_expression_equivalence_and_misconceptions(bank):
    v = variant(bank, "vae-kl-closed-form", seed=0)
    s = v.params["s"]
    assert check_answer(v, "kl", f"log({s}) - log(sigma) + (sigma^2 + mu^2)/(2*{s}^2) - 1/2").status == "correct"
    assert (
        check_answer(v, "kl", rf"\ln\frac{{{s}}}{{\sigma}} + \frac{{\sigma^2+\mu^2}}{{2\cdot {s}^2}} - \frac12").status
        == "correct"
    )
    r = check_answer(v, "kl", f"log({s}/sigma) + (sigma + mu^2)/(2*{s}^2) - 1/2")
    assert r.misconception == "sigma_for_variance"
    r = check_answer(v, "kl", "(mu^2 + sigma^2 - 1)/2 - log(sigma)")
    assert r.misconception == "forgot_prior_variance"
    bad = check_answer(v, "kl", "mu + nu")
    assert bad.status == "invalid" and "unknown name 'nu'" in bad.message


def test_derivation_names_first_wrong_step(bank):
    v = bank.get("gan-optimal-d-derivation").variant(0)
    assert v.part("steps").start == "a/D - b/(1-D) = 0"
    good = "a/D - b/(1-D) = 0\na(1-D) = bD\na = (a+b)D\nD = a/(a+b)"
    assert check_answer(v, "steps", good).status == "correct"
    bad = "a/D - b/(1-D) = 0\na(1-D) = bD\na = (a+2b)D\nD = a/(a+2b)"
    r = check_answer(v, "steps", bad)
    assert r.status == "partial" and r.details["first_bad_step"] == 3 and "step 3" in r.message
    unfinished = "a(1-D) = bD\na = (a+b)D"
    r = check_answer(v, "steps", unfinished)
    assert r.status == "partial" and r.details["first_bad_step"] is None and "isolate" in r.message
    r = check_answer(v, "steps", "a = b")
    assert r.details["first_bad_step"] == 1


def test_derivation_chain_mode_requires_simplified_target(bank):
    template = bank.get("vae-kl-derivation")
    v = template.variant(0)
    part = v.part("steps")
    assert check_answer(v, "steps", own_answer(part)).status == "correct"
    r = check_answer(v, "steps", part.start)  # the printed start restated: no work, no credit
    assert r.status == "incorrect" and r.score == 0 and "simplified" in r.message
    step = "log(8*pi)/2 - log(2*pi)/2 - log(sigma^2)/2 - 1/2 + (sigma^2+mu^2)/8"
    r = check_answer(v, "steps", step)  # one step in a new form, target not reached: half credit
    assert r.status == "partial" and r.score == pytest.approx(part.points / 2)
    r = check_answer(v, "steps", part.steps[0] + "\nlog(sigma) + 1")
    assert r.details["first_bad_step"] == 2


def test_single_choice_with_shuffled_options(bank):
    template = bank.get("gan-minimax-roles")
    orders = {tuple(o.text for o in template.variant(s).part("role").options) for s in range(12)}
    assert len(orders) > 1  # shuffled per variant
    v = template.variant(4)
    part = v.part("role")
    right = part.answer[0]
    wrong = next(o.letter for o in part.options if not o.correct)
    assert check_answer(v, "role", right.lower()).status == "correct"
    r = check_answer(v, "role", wrong)
    assert r.status == "incorrect" and any(line.startswith(wrong) for line in r.feedback)
    assert check_answer(v, "role", f"{right},{wrong}").status == "invalid"
    assert check_answer(v, "role", "Z").status == "invalid"


def test_multiple_choice_partial_credit_modes(bank):
    v = variant(bank, "gan-sharper-than-vae")  # right_minus_wrong by default
    part = v.part("why")
    right = [o.letter for o in part.options if o.correct]
    wrong = [o.letter for o in part.options if not o.correct]
    assert check_answer(v, "why", ",".join(right)).score == part.points
    half = check_answer(v, "why", right[0])
    assert half.status == "partial" and half.score == pytest.approx(part.points / 2)
    assert check_answer(v, "why", f"{right[0]},{wrong[0]}").score == 0
    anomaly = variant(bank, "ae-anomaly")  # per_option
    p = anomaly.part("flagged")
    correct = {o.letter for o in p.options if o.correct}
    flipped = next(iter(correct))
    answer = ",".join(sorted(correct - {flipped})) or next(o.letter for o in p.options if o.letter != flipped)
    r = check_answer(anomaly, "flagged", answer)
    assert 0 < r.score < p.points


def test_diagnosis_graded_per_option_with_rationale(bank):
    v = variant(bank, "gan-d-overpowers", seed=1)
    part = v.part("fixes")
    right = [o.letter for o in part.options if o.correct]
    assert check_answer(v, "fixes", ",".join(right)).status == "correct"
    wrong = [o.letter for o in part.options if not o.correct]
    r = check_answer(v, "fixes", right[0])
    assert r.status == "partial" and r.score == pytest.approx(part.points / len(right))
    assert any("(missed)" in line for line in r.feedback)
    assert check_answer(v, "fixes", wrong[0]).score == 0  # a lone wrong pick earns nothing
    assert check_answer(v, "fixes", ",".join(right + wrong)).score == 0  # nor does ticking every option
    one_off = check_answer(v, "fixes", ",".join(right + wrong[:1])).score
    assert one_off == pytest.approx(part.points * (1 - 1 / len(wrong)))
    assert v.figures and {f["id"] for f in v.figures} == {"losses", "dhist"}


def test_short_answer_goes_to_manual_marking_with_rubric(bank):
    v = variant(bank, "ae-not-generative")
    r = check_answer(v, "explain", "Because there is no prior to sample from.")
    assert r.status == "manual" and len(r.feedback) == 3 and r.max_score == 3
    assert check_answer(v, "explain", "   ").status == "invalid"


def test_hostile_answers_get_clear_errors_for_every_type(bank):
    hostile = [
        "__import__('os').system('touch /tmp/examkit-pwned')",
        "9**9**9**9",
        "x" * 1_000_000,
        "lambda: 0",
        "().__class__.__base__",
    ]
    for qid, part in [
        ("vae-neg-elbo-beta", "a"),
        ("vae-kl-closed-form", "kl"),
        ("gan-optimal-d-derivation", "steps"),
        ("gan-minimax-roles", "role"),
    ]:
        v = variant(bank, qid)
        for text in hostile:
            r = check_answer(v, part, text)
            assert r.status in ("invalid", "unsafe"), (qid, text, r)
            assert r.score == 0 and r.message
    import os

    assert not os.path.exists("/tmp/examkit-pwned")
