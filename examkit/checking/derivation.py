"""Derivations: each typed step must follow from the previous one; the verdict names the first
step that does not, and the last step must reach the target form.

Two modes. Chain mode (no `unknown`): every line is an expression equal to the start expression
(a line may begin with '='). Equation mode (`unknown: D`): every line is an equation with the same
solution for D as the previous one, and the last line isolates D.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .equivalence import Variables, equivalent_equations, equivalent_expressions
from .parse import AnswerError, Equation, parse_math

MAX_STEPS = 40
FORM_SLACK_OPS = 3  # the final line may be at most this many operations longer than the target


@dataclass
class StepResult:
    ok: bool
    message: str
    first_bad_step: int | None  # 1-based
    reached_target: bool
    steps: int
    work: int = 0  # valid steps in a new form: neither the given start nor the target restated


def split_steps(answer) -> list[str]:
    lines = answer if isinstance(answer, list) else str(answer).replace(";", "\n").splitlines()
    steps = [line.strip() for line in lines if line.strip()]
    if not steps:
        raise AnswerError("no steps given: write one line of math per step")
    if len(steps) > MAX_STEPS:
        raise AnswerError(f"too many steps ({len(steps)}; at most {MAX_STEPS})")
    return steps


def _parse_step(text, symbols, number):
    body = text[1:] if text.startswith("=") else text
    try:
        return parse_math(body, symbols, allow_new_symbols=False)
    except AnswerError as exc:
        error = type(exc)(f"step {number}: {exc}")
        error.step = number  # which line to retype: the others can be kept
        raise error from None


def check_derivation(
    start, target, steps_text, variables: Variables, symbols: dict, unknown: str | None = None
) -> StepResult:
    """`start` and `target` are parsed values; `steps_text` is the student's lines."""
    steps = split_steps(steps_text)
    previous = start
    given = {_form(start), *_target_forms(target, variables, unknown)}
    work = 0
    for number, text in enumerate(steps, 1):
        value = _parse_step(text, symbols, number)
        for piece in _pieces(value, unknown):
            ok, why = _follows(previous, piece, variables, unknown)
            if not ok:
                label = "the starting point" if number == 1 else f"step {number - 1}"
                return StepResult(
                    False, f"step {number} does not follow from {label}: {why}", number, False, len(steps), work
                )
            work += _form(piece) not in given
            previous = piece
    reached, why = _reaches(previous, target, variables, unknown)
    if not reached:
        return StepResult(False, f"every step is valid, but the last step {why}", None, False, len(steps), work)
    return StepResult(True, "every step follows and the target is reached", None, True, len(steps), work)


def _form(value):
    """A step's written form up to sympy's normalisation (and, for equations, sides and sign), so a
    restated start or target is recognised as such."""
    if isinstance(value, Equation):
        difference = value.lhs - value.rhs
        return frozenset({difference, -difference})
    return value


def _target_forms(target, variables, unknown) -> set:
    if unknown:
        sym = variables.symbols.get(unknown) or sp.Symbol(unknown, real=True)
        return {_form(Equation(sym, target))}
    return {_form(target)}


def _pieces(value, unknown):
    """In chain mode 'a = b' on one line means two steps: a, then b."""
    if isinstance(value, Equation) and not unknown:
        return [value.lhs, value.rhs]
    return [value]


def _follows(previous, current, variables, unknown) -> tuple[bool, str]:
    if unknown:
        if not isinstance(current, Equation):
            return False, f"write an equation in {unknown} (with '=')"
        result = equivalent_equations(previous, current, variables, unknown)
    else:
        result = equivalent_expressions(previous, current, variables)
    return result.equivalent, result.reason


def _reaches(last, target, variables, unknown) -> tuple[bool, str]:
    if unknown:
        sym = variables.symbols.get(unknown)
        lhs, rhs = last.lhs, last.rhs
        if rhs == sym:
            lhs, rhs = rhs, lhs
        if lhs != sym or (sym in rhs.free_symbols):
            return False, f"does not isolate {unknown} (end with '{unknown} = ...')"
        result = equivalent_expressions(target, rhs, variables)
        return result.equivalent, "" if result.equivalent else f"does not match the target: {result.reason}"
    result = equivalent_expressions(target, last, variables)
    if not result.equivalent:
        return False, f"does not match the target: {result.reason}"
    if sp.count_ops(last) > sp.count_ops(target) + FORM_SLACK_OPS:
        return False, "is equal to the target but not yet simplified to its form"
    return True, ""
