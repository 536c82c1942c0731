"""Numbers from parsed answers without eval or lambdify: a walk over the sympy tree in mpmath.

Every intermediate value is checked, so a magnitude beyond 10^1200 (exp(exp(exp(exp(e))))) is
refused at once instead of being computed until a time limit; the equivalence test, the numeric
reader and the echo all evaluate through here.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from .errors import AnswerError

MAX_MAGNITUDE_BITS = 4000  # values beyond ~1e1200 count as overflow, not as numbers
LONG_DIGITS = 15  # an integer longer than this is shown abbreviated (≈ 2.3154607e4509)


class Undefined(Exception):
    """The value is undefined at this point (a pole, log 0, 0 to a negative power)."""


class Overflow(Undefined):
    """The value is beyond 10^1200: too large to compare, and refused before it costs time."""


def _check(value):
    if not mpmath.isfinite(value):
        raise Undefined
    if value != 0 and mpmath.mag(value) > MAX_MAGNITUDE_BITS:
        raise Overflow
    return value


_UNARY = {
    sp.log: mpmath.log, sp.exp: mpmath.exp, sp.Abs: abs, sp.sign: mpmath.sign,
    sp.sin: mpmath.sin, sp.cos: mpmath.cos, sp.tan: mpmath.tan,
    sp.sec: mpmath.sec, sp.csc: mpmath.csc, sp.cot: mpmath.cot,
    sp.asin: mpmath.asin, sp.acos: mpmath.acos, sp.atan: mpmath.atan,
    sp.acot: mpmath.acot, sp.asec: mpmath.asec, sp.acsc: mpmath.acsc,
    sp.sinh: mpmath.sinh, sp.cosh: mpmath.cosh, sp.tanh: mpmath.tanh,
    sp.sech: mpmath.sech, sp.csch: mpmath.csch, sp.coth: mpmath.coth,
    sp.asinh: mpmath.asinh, sp.acosh: mpmath.acosh, sp.atanh: mpmath.atanh, sp.acoth: mpmath.acoth,
    sp.erf: mpmath.erf, sp.factorial: mpmath.factorial, sp.gamma: mpmath.gamma,
}  # fmt: skip
_REAL_ONLY = {sp.floor: mpmath.floor, sp.ceiling: mpmath.ceil, sp.Max: max, sp.Min: min}


def evaluate(expr: sp.Expr, point: dict[sp.Symbol, object]):
    """Evaluate a parsed expression at a point with mpmath (complex arithmetic)."""
    if expr.is_Symbol:
        return point[expr]
    if expr.is_Integer:
        return mpmath.mpf(int(expr))
    if expr.is_Rational:
        return mpmath.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Float:
        return mpmath.mpf(str(expr))
    if expr is sp.pi:
        return +mpmath.pi
    if expr is sp.E:
        return +mpmath.e
    if expr is sp.I:
        return mpmath.mpc(0, 1)
    if expr is sp.zoo or expr is sp.nan or expr.is_infinite:
        raise Undefined
    if expr.is_Add:
        return _check(mpmath.fsum(evaluate(a, point) for a in expr.args))
    if expr.is_Mul:
        total = mpmath.mpf(1)
        for a in expr.args:
            total = _check(total * evaluate(a, point))
        return total
    if expr.is_Pow:
        base, exponent = evaluate(expr.base, point), evaluate(expr.exp, point)
        if base == 0 and mpmath.re(exponent) <= 0:
            raise Undefined
        return _check(mpmath.power(base, exponent))
    func = _UNARY.get(expr.func)
    if func is not None and len(expr.args) == 1:
        arg = evaluate(expr.args[0], point)
        if expr.func is sp.log and arg == 0:
            raise Undefined
        try:
            return _check(func(arg))
        except (ValueError, ZeroDivisionError):  # a pole (gamma at -1, coth at 0)
            raise Undefined from None
    if expr.func is sp.binomial:
        return _check(mpmath.binomial(*(evaluate(a, point) for a in expr.args)))
    func = _REAL_ONLY.get(expr.func)
    if func is not None:
        args = [evaluate(a, point) for a in expr.args]
        if not all(is_real(a) for a in args):
            raise Undefined
        return _check(mpmath.mpf(func(*(mpmath.re(a) for a in args))))
    raise AnswerError(f"cannot evaluate {expr.func.__name__} numerically")


def is_real(value) -> bool:
    return abs(mpmath.im(value)) <= mpmath.mpf("1e-25") * max(1, abs(value))


def approximate(value, digits: int = 8) -> str:
    """A constant as 8 significant figures (a + bi where complex), or why it has none."""
    try:
        return _approximate(value, digits)
    except AnswerError:  # a function with no numeric evaluation here
        return "not a number"


def _approximate(value, digits):
    with mpmath.workdps(digits + 10):
        try:
            number = evaluate(value, {})
        except Overflow:
            return "beyond 10^1200"
        except Undefined:
            return "undefined"
        if is_real(number):
            return mpmath.nstr(mpmath.re(number), digits).replace("e+", "e")
        return f"{mpmath.nstr(mpmath.re(number), digits)} + {mpmath.nstr(mpmath.im(number), digits)}i"


def digit_count(n: int) -> int:
    """Decimal digits of |n| without converting it to text (Python refuses beyond 4300 digits)."""
    n = abs(n)
    estimate = max(1, int(n.bit_length() * 0.30103))
    return estimate + (n >= 10**estimate)


def short(value) -> str:
    """A number as a message prints it: in full when short, else to 8 significant figures."""
    try:
        if isinstance(value, int) or getattr(value, "is_Integer", False):
            n = int(value)
            return str(n) if digit_count(n) <= LONG_DIGITS else "≈ " + approximate(sp.Integer(n))
        if getattr(value, "is_Rational", False):
            if digit_count(int(value.p)) <= LONG_DIGITS and digit_count(int(value.q)) <= LONG_DIGITS:
                return str(value)
            return "≈ " + approximate(value)
        if isinstance(value, sp.Basic) and value.is_number:
            return "≈ " + approximate(value)
    except (TypeError, ValueError, ArithmeticError):
        pass
    return str(value)
