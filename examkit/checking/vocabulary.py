"""The words a typed answer may use: functions, constants, letters and LaTeX commands.

One table per kind, read by the tokenizer and the parser (`parse.py`) and by the echo (`echo.py`,
which prints a function under the name the student typed). A new function or command goes here.
"""

from __future__ import annotations

import sympy as sp

from .errors import AnswerError, UnsafeInput

# Greek letters by their LaTeX names; Unicode Greek is mapped onto the same names (by character name).
GREEK = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi omicron rho "
    "varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi "
    "Psi Omega".split()
)
GREEK_ALIASES = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho", "varsigma": "sigma"}
# Other letters a stem may show (\ell for a log-likelihood): names, not functions.
LETTERS = {"ell"}


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


def _softplus(x):
    return sp.log(1 + sp.exp(x))


def _log(x, base=None):
    return sp.log(x) if base is None else sp.log(x) / sp.log(base)


def factorial(n):
    if n.is_number and (not n.is_integer or n < 0):
        raise AnswerError("n! needs a whole number n >= 0")
    if n.is_number and n > 500:
        raise UnsafeInput("too large: a factorial beyond 500! cannot be checked")
    return sp.factorial(n)


def binomial(n, k):
    if n.is_number and abs(n) > 10_000:
        raise UnsafeInput("too large: a binomial coefficient of a number beyond 10000 cannot be checked")
    return sp.binomial(n, k)


def real_root(x, n):
    """The n-th root of x, the real one for a negative number and an odd n (∛-8 is -2, as a
    real-numbers course reads it; sympy's principal root would be complex)."""
    if n.is_Integer and n % 2 == 1 and x.is_number and x.is_extended_negative:
        return -((-x) ** (1 / n))
    return x ** (1 / n)


def _root(x, n):
    """root(x, n), nthroot(x, n): the n-th root of x, argument first (sympy's and Numbas's order)."""
    return real_root(x, n)


# name -> (sympy function, allowed argument counts). Names a calculus or ML course uses; each LaTeX
# command of the same name (\sin, \arctan, \max) maps here too.
FUNCTIONS = {
    "log": (_log, (1,)), "ln": (sp.log, (1,)), "lg": (lambda x: sp.log(x) / sp.log(10), (1,)),
    "log10": (lambda x: sp.log(x) / sp.log(10), (1,)), "log2": (lambda x: sp.log(x) / sp.log(2), (1,)),
    "exp": (sp.exp, (1,)), "sqrt": (sp.sqrt, (1,)), "abs": (sp.Abs, (1,)),
    "cbrt": (lambda x: real_root(x, sp.Integer(3)), (1,)), "root": (_root, (2,)), "nthroot": (_root, (2,)),
    "sin": (sp.sin, (1,)), "cos": (sp.cos, (1,)), "tan": (sp.tan, (1,)),
    "sec": (sp.sec, (1,)), "csc": (sp.csc, (1,)), "cosec": (sp.csc, (1,)), "cot": (sp.cot, (1,)),
    "asin": (sp.asin, (1,)), "arcsin": (sp.asin, (1,)), "acos": (sp.acos, (1,)), "arccos": (sp.acos, (1,)),
    "atan": (sp.atan, (1,)), "arctan": (sp.atan, (1,)), "acot": (sp.acot, (1,)), "arccot": (sp.acot, (1,)),
    "asec": (sp.asec, (1,)), "arcsec": (sp.asec, (1,)), "acsc": (sp.acsc, (1,)), "arccsc": (sp.acsc, (1,)),
    "sinh": (sp.sinh, (1,)), "cosh": (sp.cosh, (1,)), "tanh": (sp.tanh, (1,)),
    "sech": (sp.sech, (1,)), "csch": (sp.csch, (1,)), "cosech": (sp.csch, (1,)), "coth": (sp.coth, (1,)),
    "asinh": (sp.asinh, (1,)), "arsinh": (sp.asinh, (1,)), "arcsinh": (sp.asinh, (1,)),
    "acosh": (sp.acosh, (1,)), "arcosh": (sp.acosh, (1,)), "arccosh": (sp.acosh, (1,)),
    "atanh": (sp.atanh, (1,)), "artanh": (sp.atanh, (1,)), "arctanh": (sp.atanh, (1,)),
    "acoth": (sp.acoth, (1,)), "arcoth": (sp.acoth, (1,)), "arccoth": (sp.acoth, (1,)),
    "erf": (sp.erf, (1,)), "sgn": (sp.sign, (1,)), "sign": (sp.sign, (1,)),
    "floor": (sp.floor, (1,)), "ceil": (sp.ceiling, (1,)),
    "max": (sp.Max, (2, 3, 4, 5, 6, 7, 8)), "min": (sp.Min, (2, 3, 4, 5, 6, 7, 8)),
    "binomial": (binomial, (2,)), "binom": (binomial, (2,)), "factorial": (factorial, (1,)),
    "sigmoid": (_sigmoid, (1,)), "softplus": (_softplus, (1,)),
}  # fmt: skip
# f^{-1} is the inverse function, as every textbook and every peer checker reads sin^{-1} x.
INVERSES = {
    "sin": "arcsin", "cos": "arccos", "tan": "arctan", "sec": "arcsec", "csc": "arccsc", "cosec": "arccsc",
    "cot": "arccot", "sinh": "arsinh", "cosh": "arcosh", "tanh": "artanh", "coth": "arcoth",
}  # fmt: skip
LOGS = {"log", "ln", "lg", "log10", "log2"}
CONSTANTS = {"pi": sp.pi, "e": sp.E}
# LaTeX commands that only change spacing or font and carry no math.
SPACES = set(
    "quad qquad , ; ! : > thinspace negthinspace medspace negmedspace thickspace negthickspace enspace".split()
)
WRAPPING_COMMANDS = {"mathrm", "text", "mathit", "operatorname", "textrm", "bm", "mathbf", "boldsymbol", "mathsf"}
IGNORED_COMMANDS = (
    set("left right big Big bigl bigr Bigl Bigr bigg Bigg biggl biggr displaystyle textstyle mathop".split())
    | SPACES
    | WRAPPING_COMMANDS
    | {" "}
)
FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
BINOMIALS = {"binom", "tbinom", "dbinom"}
LATEX_OPERATORS = {"cdot": "*", "times": "*", "div": "/", "ast": "*", "cdotp": "*"}
BARS = {"lvert": "|", "rvert": "|", "vert": "|", "mid": "|"}
BRACKETS = {"lbrace": "{", "rbrace": "}", "lbrack": "[", "rbrack": "]"}
# \lfloor x \rfloor and \lceil x \rceil: opening command -> (closing command, function)
FLOORS = {"lfloor": ("rfloor", "floor"), "lceil": ("rceil", "ceil")}
CLOSERS = {close for close, _ in FLOORS.values()}
