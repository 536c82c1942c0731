"""The property a grading tool stands on, over the whole bank (every template x 20 seeds): the key,
typed as printed and written the other ways students write it, grades full; every named
misconception, every generic slip, every wrong option and a derivation that only restates the
printed start and target grade less than full."""

import math
from decimal import Decimal

import pytest
import sympy as sp

from examkit.bank.loader import load_bank
from examkit.bank.validate import own_answer
from examkit.checking.numeric import accepted_interval, decimal_inside, half_credit_answers, judge, read_number
from examkit.checking.slips import expression_slips, numeric_slips
from examkit.parts import part_type
from examkit.parts.check import check_answer

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
        found.append((m.name, part_type(part.type).misconception_answer(part, m)))
    if part.type == "numeric":
        key = read_number(repr(float(part.answer)))
        for slip, value in numeric_slips(part, variant.context):
            if math.isfinite(value) and judge(value, key, part.tolerance)[0] != "correct":
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


def export_windows(variant, part, seed) -> list[str]:
    """What the Moodle and QTI exports accept at full marks (both ends of the accepted interval as
    written there) grades full; what Moodle lists at 50 % grades 'imprecise'."""
    failures = []
    low, high = accepted_interval(part.answer, part.tolerance)
    for end in (decimal_inside(low, 12, up=True), decimal_inside(high, 12, up=False)):
        typed = format(Decimal(f"{float(end):.11e}"), "f")  # with all 12 figures, as a careful student
        verdict = check_answer(variant, part.id, typed)
        if verdict.score != part.points:
            failures.append(f"seed {seed} part {part.id}: window end {typed!r} -> {verdict.status}")
    for value, figures in half_credit_answers(part.answer, part.tolerance):
        typed = format(Decimal(f"{value:.{figures - 1}e}"), "f")  # 15 as '15', 10 as '10', not '1e+01'
        verdict = check_answer(variant, part.id, typed)
        if verdict.status != "imprecise" and not verdict.misconception:  # a named mistake: 0, and Moodle omits it
            failures.append(f"seed {seed} part {part.id}: half-credit {typed!r} -> {verdict.status}")
    return failures


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
            if part.response == "number":
                failures += export_windows(variant, part, seed)
            for label, typed in wrong_answers(variant, part):
                verdict = check_answer(variant, part.id, typed)
                if verdict.status not in ("invalid", "unsafe") and verdict.score >= part.points:
                    failures.append(f"seed {seed} part {part.id}: {label} {typed!r} -> full marks")
    assert not failures, "\n".join(failures[:20])


def test_the_printed_key_grades_full_through_exam_grade_for_every_template(tmp_path):
    """Every template in a real exam build (shuffled and fixed option order, scaled and bank points,
    three versions): typing what the answer key prints gives every student full marks."""
    import json

    import yaml

    from conftest import grade_typed_answers
    from examkit.bank.identity import VariantIdentity, realize
    from examkit.exam.build import build_exam

    sections = []
    for i, topic in enumerate(BANK.topics):
        ids = sorted(t.id for t in BANK.select(topic=topic))
        sections.append({"title": topic, "draw": len(ids), "from": {"ids": ids}, "shuffle_options": i % 2 == 0})
        if i % 2:
            sections[-1]["points"] = 7
    spec = tmp_path / "all.yaml"
    spec.write_text(
        yaml.safe_dump({"title": "Every template", "course": "Test", "master_seed": 5, "sections": sections})
    )
    out = tmp_path / "exam"
    build_exam(spec, out, versions=3, formats=("tex", "moodle", "qti"))
    manifest = json.loads((out / "instructor" / "manifest.json").read_text())
    rows, possible, written = [], {}, 0
    for version in manifest["versions"]:
        sid, manual = version["student_id"], 0.0
        for q in version["questions"]:
            variant = realize(BANK, VariantIdentity.from_json(q["identity"]))
            for entry in q["parts"]:
                part = variant.part(entry["id"])
                if part.response == "text":  # marked by a person
                    manual += entry["points"]
                    written += 1
                    continue
                typed = part_type(part.type).own_answer(part) if part.response == "steps" else entry["answer"]
                rows.append([sid, q["number"], entry["id"], typed])
        possible[sid] = version["points"] - manual
    result, grades = grade_typed_answers(out / "instructor" / "manifest.json", rows, tmp_path / "g")
    assert result.returncode == (1 if written else 0), result.stderr  # 1: written parts not yet marked
    assert set(grades) == set(possible)
    for sid, row in grades.items():
        assert float(row["total"]) == pytest.approx(possible[sid], abs=1e-3), row
