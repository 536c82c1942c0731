"""The property a grading tool stands on, over the whole bank (every template x 20 seeds): the key,
typed as printed and written the other ways students write it, grades full; every named
misconception, every generic slip, every wrong option and a derivation that only restates the
printed start and target grade less than full."""

import math

import pytest
import sympy as sp

from examkit.bank.loader import load_bank
from examkit.bank.validate import own_answer
from examkit.checking.check import check_answer
from examkit.checking.numeric import judge, read_number
from examkit.checking.slips import expression_slips, numeric_slips

SEEDS = range(20)
BANK = load_bank()


def _decimal_coefficients(expr) -> str:
    """'x/2' written as students type it: '0.5*x' (terminating fractions as decimals)."""
    floats = {r: sp.Float(r, 15) for r in expr.atoms(sp.Rational) if not r.is_Integer and 10**6 % r.q == 0}
    return sp.sstr(expr.xreplace(floats)) if floats else sp.sstr(expr)


def _reordered(expr) -> str | None:
    if not isinstance(expr, sp.Add):
        return None
    return " + ".join(f"({sp.sstr(term)})" for term in reversed(expr.args))


def right_answers(part) -> list[str]:
    """The key as printed, and written the other ways a student who knows it writes it."""
    typed = [own_answer(part)]
    if part.type == "numeric":
        value = float(part.answer)
        typed += [part.answer_text, f"{value:.8g}", f" {value:.10g} "]
        if value < 0:
            typed.append("−" + f"{-value:.8g}")  # a Unicode minus, pasted from a document
    elif part.type == "expression" and isinstance(part.answer, sp.Expr):
        typed += [_decimal_coefficients(part.answer), sp.sstr(part.answer)]
        if part.answer_latex:
            typed.append(part.answer_latex)
        if (reordered := _reordered(part.answer)) is not None:
            typed.append(reordered)
    elif part.type in ("choice", "diagnosis"):
        typed += [" ".join(part.answer).lower(), " and ".join(part.answer)]
    return typed


def wrong_answers(variant, part) -> list[tuple[str, str]]:
    """(label, answer) for every named misconception and every generic slip that is not the key."""
    found = []
    for m in part.misconceptions:
        found.append((m.name, repr(m.value) if part.type == "numeric" else m.text))
    if part.type == "numeric":
        key = read_number(repr(float(part.answer)))
        for slip, value in numeric_slips(part, variant.context):
            if math.isfinite(value) and judge(value, key, part.spec.get("tolerance"))[0] != "correct":
                found.append((f"slip:{slip.name}", repr(value)))
    elif part.type == "expression":
        for slip, value in expression_slips(part, variant.context):
            found.append((f"slip:{slip.name}", sp.sstr(value)))
    elif part.type == "derivation" and len(part.steps) > 1:
        found += [("target only", part.steps[-1]), ("start and target", f"{part.start}\n{part.steps[-1]}")]
    elif part.type in ("choice", "diagnosis"):
        wrong = [o.letter for o in part.options if not o.correct]
        if part.select == "single":
            found += [(f"option {letter}", letter) for letter in wrong]
        else:
            found += [(f"key plus {letter}", ", ".join([*part.answer, letter])) for letter in wrong]
            found.append(("every option", ", ".join(o.letter for o in part.options)))
    return found


@pytest.mark.parametrize("qid", sorted(BANK.templates))
def test_the_key_grades_full_and_every_mistake_less(qid):
    template = BANK.get(qid)
    failures = []
    for seed in SEEDS:
        variant = template.variant(seed)
        for part in variant.parts:
            if part.type == "short":
                continue  # marked by a person against the rubric
            for typed in right_answers(part):
                verdict = check_answer(variant, part.id, typed)
                if verdict.score != part.points:
                    failures.append(f"seed {seed} part {part.id}: key {typed!r} -> {verdict.status} {verdict.message}")
            for label, typed in wrong_answers(variant, part):
                verdict = check_answer(variant, part.id, typed)
                if verdict.status not in ("invalid", "unsafe") and verdict.score >= part.points:
                    failures.append(f"seed {seed} part {part.id}: {label} {typed!r} -> full marks")
    assert not failures, "\n".join(failures[:20])
