"""Numbers from parsed answers without eval or lambdify: a walk over the sympy tree in mpmath.

Every intermediate value is checked, so a magnitude beyond 10^1200 (exp(exp(exp(exp(e))))) is
refused at once instead of being computed until a time limit; the equivalence test, the numeric
reader and the echo all evaluate through here.
"""

from __future__ import annotations

import functools
from decimal import Decimal

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
    return _compiled(expr)(point)


@functools.lru_cache(maxsize=2048)
def _compiled(expr: sp.Expr):
    """The expression as nested closures, built once: an equivalence test evaluates each side at
    16 or more points, and sympy's type and assumption queries would otherwise run at every one."""
    if expr.is_Symbol:
        return lambda point: point[expr]
    if expr.is_Integer:
        n = int(expr)
        return lambda point: mpmath.mpf(n)
    if expr.is_Rational:
        p, q = int(expr.p), int(expr.q)
        return lambda point: mpmath.mpf(p) / q
    if expr.is_Float:
        text = str(expr)
        return lambda point: mpmath.mpf(text)
    if expr is sp.pi:
        return lambda point: +mpmath.pi
    if expr is sp.E:
        return lambda point: +mpmath.e
    if expr is sp.I:
        return lambda point: mpmath.mpc(0, 1)
    if any(expr is special for special in (sp.zoo, sp.nan, sp.oo, sp.S.NegativeInfinity)):
        return _undefined  # (singletons: asking sympy's is_infinite of a whole product costs more than the test)
    args = [_compiled(a) for a in expr.args]
    if expr.is_Add:
        return lambda point: _check(mpmath.fsum(f(point) for f in args))
    if expr.is_Mul:
        return lambda point: _product(args, point)
    if expr.is_Pow:
        base, exponent = args
        whole = int(expr.exp) if expr.exp.is_Integer else None
        return lambda point: _power(base(point), whole if whole is not None else exponent(point))
    func = _UNARY.get(expr.func)
    if func is not None and len(args) == 1:
        return lambda point: _unary(func, args[0](point), expr.func is sp.log)
    if expr.func is sp.binomial:
        return lambda point: _check(mpmath.binomial(*(f(point) for f in args)))
    func = _REAL_ONLY.get(expr.func)
    if func is not None:
        return lambda point: _real_only(func, [f(point) for f in args])
    raise AnswerError(f"cannot evaluate {expr.func.__name__} numerically")


def _undefined(point):
    raise Undefined


def _product(args, point):
    total = mpmath.mpf(1)
    for f in args:
        total = _check(total * f(point))
    return total


def _power(base, exponent):
    if base == 0 and (exponent <= 0 if isinstance(exponent, int) else mpmath.re(exponent) <= 0):
        raise Undefined
    return _check(base**exponent if isinstance(exponent, int) else mpmath.power(base, exponent))


def _unary(func, arg, is_log):
    if is_log and arg == 0:
        raise Undefined
    try:
        return _check(func(arg))
    except (ValueError, ZeroDivisionError):  # a pole (gamma at -1, coth at 0)
        raise Undefined from None


def _real_only(func, args):
    if not all(is_real(a) for a in args):
        raise Undefined
    return _check(mpmath.mpf(func(*(mpmath.re(a) for a in args))))


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
                return as_decimal(value) or str(value)
            return "≈ " + approximate(value)
        if isinstance(value, sp.Basic) and value.is_number:
            return "≈ " + approximate(value)
    except (TypeError, ValueError, ArithmeticError):
        pass
    return str(value)


def as_decimal(value) -> str | None:
    """24304/5 as 4860.8, 69/500 as 0.138: a terminating fraction reads as the decimal a student
    types; None for a whole number, a fraction that does not terminate, or one of over 12 places."""
    if value.is_Integer or value.q > 10**12:
        return None
    q = int(value.q)
    for factor in (2, 5):
        while q % factor == 0:
            q //= factor
    return format(Decimal(int(value.p)) / Decimal(int(value.q)), "f") if q == 1 else None
