"""Check a typed answer against one part of a variant: the single entry point graders use."""

from __future__ import annotations

import sympy as sp

from .choice import default_mode, read_letters, score_fraction
from .derivation import check_derivation
from .equivalence import equivalent_equations, equivalent_expressions
from .numeric import judge, read_number
from .parse import AnswerError, Equation, parse_math
from .slips import expression_slips, numeric_slips
from .timeout import CheckTimeout, time_limit
from .verdict import Verdict

CHECK_TIMEOUT_S = 2.0
IMPRECISE_CREDIT = 0.5


def check_answer(variant, part_id, answer, timeout: float = CHECK_TIMEOUT_S) -> Verdict:
    part = variant.part(part_id)
    try:
        with time_limit(timeout):
            return _CHECKERS[part.type](variant, part, answer)
    except AnswerError as exc:
        return Verdict(exc.kind, 0.0, part.points, str(exc))
    except CheckTimeout:
        return Verdict("unsafe", 0.0, part.points, f"checking took longer than {timeout:g} s; simplify the answer")
    except RecursionError:
        return Verdict("unsafe", 0.0, part.points, "answer is nested too deeply")


def _numeric_symbols(variant) -> dict:
    """Parameters a student may type by name: only those the stem or a prompt shows as a symbol."""
    return {k: v for k, v in variant.context.items() if k in variant.shown and isinstance(v, sp.Basic) and v.is_number}


def _student_symbols(variant, part) -> dict:
    """Declared variables, plus drawn parameters by name (a student may write `beta` for 4)."""
    symbols = _numeric_symbols(variant)
    if part.variables:
        symbols.update(part.variables.symbols)
    return symbols


def _misconception_feedback(part, matches) -> Verdict | None:
    for m in part.misconceptions:
        if matches(m.value):
            return Verdict(
                "incorrect", 0.0, part.points, f"incorrect: {m.feedback}", misconception=m.name, feedback=[m.feedback]
            )
    return None


def _slip_feedback(slips, matches, part) -> Verdict | None:
    for slip, value in slips:
        if matches(value):
            return Verdict(
                "incorrect",
                0.0,
                part.points,
                f"incorrect: {slip.feedback}",
                misconception=f"slip:{slip.name}",
                feedback=[slip.feedback],
            )
    return None


def _check_numeric(variant, part, answer) -> Verdict:
    number = read_number(str(answer), _numeric_symbols(variant))
    verdict = _judge_number(part, number, variant.context)
    verdict.understood = number.expr
    return verdict


def _judge_number(part, number, context=None) -> Verdict:
    context = context or {}
    tolerance = part.spec.get("tolerance")
    status, message = judge(part.answer, number, tolerance)
    details = {"expected": part.answer, "given": number.value, "sigfigs": number.sigfigs}
    if status == "correct":
        return Verdict("correct", part.points, part.points, message, details=details)
    matches = lambda v: judge(v, number, tolerance)[0] == "correct"
    hit = _misconception_feedback(part, matches) or _slip_feedback(numeric_slips(part, context), matches, part)
    if hit:
        hit.details = details
        return hit
    if status == "incorrect":
        return Verdict("incorrect", 0.0, part.points, message, details=details)
    return Verdict("imprecise", part.points * IMPRECISE_CREDIT, part.points, message, details=details)


def _compare(expected, given, part):
    """Equivalence of a student's expression or equation with an expected one."""
    if isinstance(expected, Equation) and isinstance(given, Equation):
        return equivalent_equations(expected, given, part.variables, part.spec.get("unknown"))
    if isinstance(expected, Equation):
        raise AnswerError("expected an equation (with '=')")
    if isinstance(given, Equation):
        if not given.lhs.is_Symbol:
            raise AnswerError("expected an expression, not an equation")
        given = given.rhs  # 'D = a/(a+b)' answers with its right-hand side
    return equivalent_expressions(expected, given, part.variables)


def _check_expression(variant, part, answer) -> Verdict:
    given = parse_math(str(answer), _student_symbols(variant, part), allow_new_symbols=False)
    verdict = _judge_expression(part, given, variant.context)
    verdict.understood = given
    return verdict


def _judge_expression(part, given, context=None) -> Verdict:
    context = context or {}
    result = _compare(part.answer, given, part)
    if result.equivalent:
        return Verdict(
            "correct", part.points, part.points, "correct", details={"method": result.method, "why": result.reason}
        )
    matches = lambda target: _compare(target, given, part).equivalent
    hit = _misconception_feedback(part, matches) or _slip_feedback(expression_slips(part, context), matches, part)
    if hit:
        return hit
    return Verdict("incorrect", 0.0, part.points, "incorrect: " + result.reason, details={"method": result.method})


def _check_derivation(variant, part, answer) -> Verdict:
    symbols = _student_symbols(variant, part)
    start = parse_math(part.start, symbols, allow_new_symbols=False)
    unknown = part.spec.get("unknown")
    result = check_derivation(start, part.answer, answer, part.variables, symbols, unknown)
    details = {"first_bad_step": result.first_bad_step, "steps": result.steps, "work": result.work}
    # Work is what lies between the printed start and target; a model solution with intermediate
    # steps means the target alone (or start and target) is not a derivation.
    needs_work = len(part.steps) > 1
    if result.ok and (result.work or not needs_work):
        return Verdict("correct", part.points, part.points, result.message, details=details)
    if result.ok:
        message = "only the given start and the target: show the steps that lead from one to the other"
        return Verdict("incorrect", 0.0, part.points, message, details=details)
    if result.first_bad_step is None:  # all steps valid, target not reached
        score = part.points * 0.5 if result.work else 0.0
        return Verdict("partial" if score else "incorrect", score, part.points, result.message, details=details)
    score = part.points * 0.5 * result.work / max(result.steps, 1)
    status = "partial" if score > 0 else "incorrect"
    return Verdict(status, score, part.points, result.message, details=details)


def _check_choice(variant, part, answer) -> Verdict:
    letters = [o.letter for o in part.options]
    chosen = read_letters(str(answer), letters, part.select)
    correct = {o.letter for o in part.options if o.correct}
    mode = part.spec.get("partial", default_mode(part.type, part.select))
    fraction = score_fraction(set(chosen), correct, letters, mode)
    feedback = []
    for o in part.options:
        if o.letter in chosen:
            mark = "right" if o.correct else "wrong"
            feedback.append(f"{o.letter} ({mark}): {o.feedback}")
        elif o.correct:
            feedback.append(f"{o.letter} (missed): {o.feedback}")
    status = "correct" if fraction == 1.0 else ("partial" if fraction > 0 else "incorrect")
    message = {"correct": "correct", "partial": "partly correct", "incorrect": "incorrect"}[status]
    return Verdict(
        status,
        round(part.points * fraction, 4),
        part.points,
        message,
        feedback=feedback,
        details={"chosen": chosen, "correct": sorted(correct), "mode": mode},
    )


def _check_short(variant, part, answer) -> Verdict:
    text = str(answer)
    if not text.strip():
        raise AnswerError("empty answer")
    if len(text) > 20000:
        raise AnswerError("answer is too long (limit 20000 characters)")
    rubric = [f"[{r['points']}] {r['criterion']}" for r in part.rubric]
    return Verdict(
        "manual",
        0.0,
        part.points,
        "needs manual marking against the rubric",
        feedback=rubric,
        details={"model_answer": part.answer_text},
    )


_CHECKERS = {
    "numeric": _check_numeric,
    "expression": _check_expression,
    "derivation": _check_derivation,
    "choice": _check_choice,
    "diagnosis": _check_choice,
    "short": _check_short,
}
