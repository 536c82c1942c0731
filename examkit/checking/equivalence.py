"""Decide whether two math expressions are equal on a declared domain.

A counterexample at a random point of the domain is a proof of difference, so the numeric test
runs first and settles most cases in milliseconds. Agreement at many random points (with 40-digit
arithmetic) is accepted as equality; sympy's ``simplify`` runs, under a hard time limit, only
when the numeric test cannot decide (e.g. the expressions are undefined at most sampled points).
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, field, replace

import mpmath
import sympy as sp

from .echo import interpretation
from .errors import CheckerFault
from .evaluate import Overflow, Undefined, evaluate, is_real, short
from .parse import DEFAULT_LIMITS, AnswerError, Equation, Limits, Reading, UnsafeInput, parse_math, read_math
from .timeout import CheckTimeout, time_limit

_COMPARISON = re.compile(r"(<=|>=|<|>|≤|≥)")
_PRECISION_DIGITS = 40
_REL_TOL = mpmath.mpf("1e-25")  # 40-digit arithmetic: far above its noise, far below a typed decimal's
_ROUNDED = mpmath.mpf("1e-9")  # closer than this but not equal: a rounded decimal for an exact value
_NOISE_FLOOR = mpmath.mpf("1e-35")
_CONSTANT_DIGITS = 80
_SYMBOLIC_OPS = 80  # beyond this, simplify() cannot finish in time: say so at once


@dataclass
class Domain:
    """Interval of a variable; open ends are implied (assumptions are strict or sampled inside)."""

    lo: float | None = None
    hi: float | None = None

    def sample(self, rng: random.Random) -> float:
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            pad = (hi - lo) * 0.02
            return rng.uniform(lo + pad, hi - pad)
        if lo is not None:
            return lo + rng.choice([rng.uniform(0.05, 1.0), rng.uniform(1.0, 4.0)])
        if hi is not None:
            return hi - rng.choice([rng.uniform(0.05, 1.0), rng.uniform(1.0, 4.0)])
        return rng.choice([-1, 1]) * rng.uniform(0.1, 3.0)


@dataclass
class Variables:
    """Named symbols with the sympy assumptions and sampling domains the checker uses."""

    symbols: dict[str, sp.Symbol] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)

    @classmethod
    def declare(cls, names=(), assume=()) -> Variables:
        domains = {name: Domain() for name in names}
        for text in assume:
            name, domain = parse_assumption(text)
            current = domains.setdefault(name, Domain())
            if domain.lo is not None:
                current.lo = domain.lo if current.lo is None else max(current.lo, domain.lo)
            if domain.hi is not None:
                current.hi = domain.hi if current.hi is None else min(current.hi, domain.hi)
        symbols = {}
        for name, dom in domains.items():
            if dom.lo is not None and dom.lo >= 0:
                symbols[name] = sp.Symbol(name, positive=True)
            else:
                symbols[name] = sp.Symbol(name, real=True)
        return cls(symbols, domains)

    def domain_of(self, symbol: sp.Symbol) -> Domain:
        return self.domains.get(symbol.name, Domain())


def parse_assumption(text: str) -> tuple[str, Domain]:
    """'sigma>0', '0<D<1', 'beta >= 1' -> (name, interval). Bounds must be constants."""
    parts = [p.strip() for p in _COMPARISON.split(text)]
    if len(parts) not in (3, 5):
        raise AnswerError(f"cannot read assumption {text!r}: write e.g. 'sigma>0' or '0<D<1'")
    operands, ops = parts[0::2], parts[1::2]
    names = [o for o in operands if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", o) and o not in ("pi", "e")]
    if len(names) != 1:
        raise AnswerError(f"assumption {text!r} must bound exactly one variable by constants")
    name = names[0]
    domain = Domain()
    for left, op, right in zip(operands, ops, operands[1:]):
        less = op in ("<", "<=", "≤")
        if left == name:
            bound = _constant(right, text)
            if less:
                domain.hi = bound
            else:
                domain.lo = bound
        else:
            bound = _constant(left, text)
            if less:
                domain.lo = bound
            else:
                domain.hi = bound
    if domain.lo is not None and domain.hi is not None and domain.lo >= domain.hi:
        raise AnswerError(f"assumption {text!r} leaves no values")
    return name, domain


def _constant(text: str, assumption: str) -> float:
    value = parse_math(text, {}, allow_new_symbols=False)
    if isinstance(value, Equation) or not value.is_number:
        raise AnswerError(f"bound {text!r} in assumption {assumption!r} is not a constant")
    return float(value)


def _close(a, b) -> bool:
    """Relative agreement; the absolute floor only absorbs the rounding noise of 40-digit arithmetic
    (sin(x)^2 + cos(x)^2 - 1 evaluates to about 1e-40), so 1e-33 and 0 differ."""
    return abs(a - b) <= _REL_TOL * max(abs(a), abs(b)) + _NOISE_FLOOR


@dataclass
class Equivalence:
    equivalent: bool
    reason: str
    method: str  # "identical", "exact" (constants), "numeric", "symbolic", "undecided"
    counterexample: dict | None = None
    understood: Reading | None = field(default=None, repr=False, compare=False)  # the answer as read

    @property
    def interpreted(self) -> dict | None:
        return None if self.understood is None else interpretation(self.understood)

    def to_json(self) -> dict:
        data = {"equivalent": self.equivalent, "reason": self.reason, "method": self.method}
        if self.counterexample:
            data["counterexample"] = self.counterexample
        if self.understood is not None:
            data["interpreted"] = self.interpreted
        return data


def numeric_compare(
    expected, answer, variables: Variables, points: int = 16, max_tries: int = 120, seed: int = 20240601
):
    """Compare at random points; returns Equivalence, or None when too few points are defined."""
    syms = tuple(sorted(expected.free_symbols | answer.free_symbols, key=lambda s: s.name))
    domains = tuple((d.lo, d.hi) for d in map(variables.domain_of, syms))
    agreed = 0
    with mpmath.workdps(_PRECISION_DIGITS):
        for point, want in _expected_values(expected, syms, domains, points, max_tries, seed):
            try:
                got, shown = evaluate(answer, point), None
            except Overflow:
                got, shown = None, "a value too large to evaluate (beyond 10^1200)"
            except Undefined:
                got, shown = None, "undefined"
            if got is not None and not _close(want, got) and abs(want - got) <= _ROUNDED * abs(want):
                return Equivalence(
                    False,
                    "only approximately equal to the expected answer (to about "
                    f"{int(-mpmath.log10(abs(want - got) / abs(want)))} digits): write exact values such as 1/3 "
                    "instead of rounded decimals",
                    "numeric",
                    {s.name: float(v) for s, v in point.items()},
                )
            if got is None or not _close(want, got):
                where = {s.name: float(v) for s, v in point.items()}
                shown = shown or _short(got)
                return Equivalence(
                    False,
                    f"not equal to the expected answer: at {_fmt_point(where)} yours gives {shown}, the expected "
                    f"answer {_short(want)}",
                    "numeric",
                    where,
                )
            agreed += 1
            if agreed >= points:
                return Equivalence(True, f"equal to the expected answer (agrees at {agreed} random points)", "numeric")
    return None


@functools.lru_cache(maxsize=256)
def _expected_values(expected, syms, domains, points, max_tries, seed) -> tuple:
    """The first `points` (point, value) where the expected expression is defined. The same key
    meets many answers (a student's, its misconceptions and slips), so it is evaluated once."""
    rng = random.Random(seed)
    found = []
    with mpmath.workdps(_PRECISION_DIGITS):
        for _ in range(max_tries):
            point = {s: mpmath.mpf(repr(Domain(*d).sample(rng))) for s, d in zip(syms, domains)}
            try:
                found.append((point, evaluate(expected, point)))
            except Undefined:
                continue
            if len(found) >= points:
                break
    return tuple(found)


def _short(value) -> str:
    if is_real(value):
        return mpmath.nstr(mpmath.re(value), 8)
    return mpmath.nstr(value, 8)


def _fmt_point(point: dict) -> str:
    return ", ".join(f"{k} = {v:.4g}" for k, v in point.items()) or "any point"


def equivalent_expressions(
    expected: sp.Expr, answer: sp.Expr, variables: Variables, symbolic_timeout: float = 1.0
) -> Equivalence:
    if expected - answer == 0:
        return Equivalence(True, "the same expression as the expected answer", "identical")
    if not (expected.free_symbols | answer.free_symbols):
        return _compare_constants(expected, answer)
    result = numeric_compare(expected, answer, variables)
    if result is not None:
        return result
    if sp.count_ops(expected - answer) > _SYMBOLIC_OPS:
        return Equivalence(
            False, "could not compare: the expressions cannot be evaluated here; simplify them", "undecided"
        )
    try:
        with time_limit(symbolic_timeout):
            if sp.simplify(expected - answer) == 0:
                return Equivalence(True, "equal by symbolic simplification", "symbolic")
    except CheckTimeout:
        pass
    return Equivalence(
        False,
        "could not show the answer equals the expected expression (undefined at most points of the domain)",
        "undecided",
    )


def _compare_constants(expected: sp.Expr, answer: sp.Expr) -> Equivalence:
    """Exact values are compared exactly: rationals by their difference, others to 80 digits
    (99999998/99999999 is not 0.99999999, and 1e-33 is not 0)."""
    if expected.is_Rational and answer.is_Rational:
        same = expected == answer
        return Equivalence(same, "the same number" if same else _differ(expected, answer), "exact")
    with mpmath.workdps(_CONSTANT_DIGITS):
        try:
            want, got = evaluate(expected, {}), evaluate(answer, {})
        except Undefined:
            return Equivalence(False, "the value is undefined", "exact")
        same = abs(want - got) <= mpmath.mpf(10) ** (20 - _CONSTANT_DIGITS) * max(abs(want), abs(got), 1e-300)
        if same:
            return Equivalence(True, "the same number", "exact")
        return Equivalence(False, f"expected {_short(want)}, got {_short(got)}", "exact")


def _differ(expected, answer) -> str:
    """'expected 1/3, got 0.33'; where both abbreviate alike (huge numbers), by how much they differ."""
    want, got = short(expected), short(answer)
    if want == got:
        return f"expected {want}, got a different number ({short(answer - expected)} away)"
    return f"expected {want}, got {got}"


@functools.lru_cache(maxsize=512)
def _solutions(equation: Equation, unknown: sp.Symbol) -> list:
    """Solutions without sympy's simplification pass: they are compared numerically afterwards,
    and the key's are computed once per variant."""
    return sp.solve(equation.lhs - equation.rhs, unknown, simplify=False)


def equivalent_equations(
    expected: Equation, answer: Equation, variables: Variables, unknown: str | None = None
) -> Equivalence:
    """Two equations are equivalent when they have the same solutions in ``unknown``.

    Without an unknown, ``lhs - rhs`` must agree up to a nonzero constant factor.
    """
    if unknown:
        sym = variables.symbols.get(unknown) or sp.Symbol(unknown, real=True)
        try:
            with time_limit(2.0):
                want = _solutions(expected, sym)
                got = _solutions(answer, sym)
        except CheckTimeout:
            return Equivalence(False, "solving the equation took too long", "undecided")
        if not want:
            return Equivalence(False, f"expected equation has no solution for {unknown}", "undecided")
        if len(want) != len(got):
            return Equivalence(False, f"has {len(got)} solution(s) for {unknown}, expected {len(want)}", "symbolic")
        unmatched = list(got)
        for w in want:
            for g in unmatched:
                result = equivalent_expressions(w, g, variables)
                if result.equivalent:
                    unmatched.remove(g)
                    break
            else:
                return Equivalence(False, f"solving for {unknown} gives {got[0]}, expected {w}", "numeric")
        return Equivalence(True, f"same solution for {unknown}", "numeric")
    e, a = expected.lhs - expected.rhs, answer.lhs - answer.rhs
    if a == 0:
        return Equivalence(False, "the equation is trivially true", "identical")
    ratio = sp.cancel(e / a)
    if (ratio.is_number and ratio != 0) or _constant_ratio(e, a, variables):
        return Equivalence(True, "same equation up to a constant factor", "symbolic")
    return Equivalence(False, "not the same equation", "symbolic")


def _constant_ratio(e, a, variables: Variables, points: int = 12, seed: int = 20240602) -> bool:
    """lhs - rhs of the two equations in a fixed nonzero ratio at random points of the domain
    (y/2 = cos(x) sin(x) and y = sin(2x), which cancel() cannot see)."""
    rng = random.Random(seed)
    syms = sorted(e.free_symbols | a.free_symbols, key=lambda s: s.name)
    ratios = []
    with mpmath.workdps(_PRECISION_DIGITS):
        for _ in range(10 * points):
            point = {s: mpmath.mpf(repr(variables.domain_of(s).sample(rng))) for s in syms}
            try:
                top, bottom = evaluate(e, point), evaluate(a, point)
            except Undefined:
                continue
            if abs(bottom) < _NOISE_FLOOR or abs(top) < _NOISE_FLOOR:
                continue
            ratios.append(top / bottom)
            if len(ratios) >= points:
                break
    return len(ratios) >= points and all(_close(ratios[0], r) for r in ratios)


def check_equivalence(
    expected_text: str,
    answer_text: str,
    *,
    variables: Variables | None = None,
    names=(),
    assume=(),
    unknown: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    timeout: float = 2.0,
) -> Equivalence:
    """Parse both texts and compare them; raises AnswerError for unreadable or unsafe input."""
    if variables is None:
        variables = Variables.declare(names, assume)
    try:
        return _parse_and_compare(expected_text, answer_text, variables, unknown, limits, timeout)
    except CheckTimeout:
        raise UnsafeInput(f"too large: checking took longer than {timeout:g} s; simplify the expressions") from None
    except AnswerError:
        raise
    except RecursionError:
        raise UnsafeInput("too large: the expression is nested too deeply") from None
    except Exception as exc:  # the boundary: any input gets a verdict or a refusal, never a traceback
        raise CheckerFault(exc) from exc


def _parse_and_compare(expected_text, answer_text, variables, unknown, limits, timeout) -> Equivalence:
    with time_limit(timeout):
        expected = parse_math(expected_text, variables.symbols, allow_new_symbols=True, limits=limits)
        # The expected answer may introduce names; the student may use exactly those.
        symbols = dict(variables.symbols)
        for sym in _free(expected):
            symbols.setdefault(sym.name, sym)
        reading = read_math(answer_text, symbols, allow_new_symbols=False, limits=limits)
        answer = reading.value
        if isinstance(expected, Equation) or isinstance(answer, Equation):
            if isinstance(expected, Equation) and isinstance(answer, Equation):
                return replace(equivalent_equations(expected, answer, variables, unknown), understood=reading)
            expected, answer = _as_expression(expected), _as_expression(answer)
        result = equivalent_expressions(expected, answer, variables, symbolic_timeout=min(1.0, timeout / 2))
        return replace(result, understood=reading)


def _free(value):
    if isinstance(value, Equation):
        return value.lhs.free_symbols | value.rhs.free_symbols
    return value.free_symbols


def _as_expression(value):
    """'D = a/(a+b)' compared to an expression: the right-hand side is the answer."""
    if isinstance(value, Equation):
        if value.lhs.is_Symbol:
            return value.rhs
        raise AnswerError("expected an expression, not an equation")
    return value
