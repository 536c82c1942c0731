"""How a parsed answer is shown back to the student (STACK's validation: "your answer was interpreted as").

The structure comes first, as typed: the student's numbers, brackets, order and function names,
with each implied product written as `*` (`\\cdot`) and each unbracketed function argument in
brackets, so `\\sin 2x` shows as sin(2*x) and `1.78/(1.78+0.48)` stays itself. Its value is shown
beside it (≈ 0.787611, or the simplified expression) where that differs. Numbers too long to print
(499!·498!) are abbreviated, here and in every message, never printed in full.
"""

from __future__ import annotations

import functools
import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from .evaluate import approximate, as_decimal, short
from .parse import Equation, Reading

_ATOM = 9
_SCIENTIFIC = re.compile(r"([-+]?[\d.]+)[eE]([-+]?\d+)")

# --- numbers ---------------------------------------------------------------------------------


def _abbreviated(expr) -> str | None:
    """A number too long to print, as its 8 figures (short() decides); None for one printed whole."""
    shown = short(expr)
    return shown[2:] if shown.startswith("≈ ") else None


class _Text(StrPrinter):
    def _print_Rational(self, expr):
        return _abbreviated(expr) or as_decimal(expr) or super()._print_Rational(expr)

    def _print_Integer(self, expr):
        return short(expr).replace("≈ ", "")


class _Latex(LatexPrinter):
    def _print_Rational(self, expr):
        long = _abbreviated(expr)
        return _latex_number(long) if long else as_decimal(expr) or super()._print_Rational(expr)

    def _print_Integer(self, expr):
        return _latex_number(short(expr).replace("≈ ", ""))


_SETTINGS = {"order": "none"}  # the terms as sympy holds them: half the time of sorting them


def _sympy_text(expr) -> str:
    return _Text(_SETTINGS).doprint(expr).replace("**", "^")


def _sympy_latex(expr) -> str:
    return _Latex(_SETTINGS).doprint(expr)


def _latex_number(text: str) -> str:
    """1.5e-3 as 1.5 \\times 10^{-3}; anything else (a word, 'beyond 10^1200') as it is."""
    match = _SCIENTIFIC.fullmatch(text)
    return f"{match.group(1)} \\times 10^{{{int(match.group(2))}}}" if match else text


# --- the structure as typed -------------------------------------------------------------------

_PREC = {"eq": 0, "add": 1, "sub": 1, "neg": 2, "mul": 3, "div": 3, "frac": 3, "pow": 5, "fpow": 5, "fact": 6}
_LATEX_FUNCTIONS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "coth", "arcsin", "arccos", "arctan",
    "ln", "log", "exp", "max", "min", "lg", "sigma",
}  # fmt: skip
_LATEX_ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "cosec": "csc", "log10": "log_{10}",
                  "log2": "log_{2}"}  # fmt: skip


def _bare(shape):
    """A typed group's inside, where the surface already groups it (an argument, an exponent)."""
    return shape[2] if shape[0] == "group" else shape


def _prec(shape) -> int:
    if shape[0] == "num" and "e" in shape[1].lower():
        return 3  # 1.5e-3 is a product
    return _PREC.get(shape[0], _ATOM)


def text_of(shape) -> str:
    """Plain text of a shape, bracketed where the reading needs it."""
    kind = shape[0]

    def wrap(child, at_least):
        inner = text_of(child)
        return f"({inner})" if _prec(child) < at_least else inner

    if kind in ("num", "sym", "const"):
        return shape[1]
    if kind == "group":
        close = {"(": ")", "[": "]", "{": ")"}[shape[1]]
        return ("(" if shape[1] == "{" else shape[1]) + text_of(shape[2]) + close
    if kind == "eq":
        return f"{text_of(shape[1])} = {text_of(shape[2])}"
    if kind == "add":
        return f"{text_of(shape[1])} + {wrap(shape[2], 2)}"
    if kind == "sub":
        return f"{text_of(shape[1])} - {wrap(shape[2], 2)}"
    if kind == "neg":
        return "-" + wrap(shape[1], 2)
    if kind == "mul":
        return f"{wrap(shape[1], 2)}*{wrap(shape[2], 3)}"
    if kind in ("div", "frac"):
        left = _bare(shape[1]) if kind == "frac" else shape[1]
        right = _bare(shape[2]) if kind == "frac" else shape[2]
        return f"{wrap(left, 2)}/{wrap(right, 4)}"
    if kind in ("pow", "fpow"):
        exponent = _bare(shape[2])
        power = text_of(exponent) if _prec(exponent) == _ATOM and exponent[0] != "neg" else f"({text_of(exponent)})"
        return f"{wrap(shape[1], _ATOM)}^{power}"
    if kind == "fact":
        return wrap(shape[1], _ATOM) + "!"
    if kind == "abs":
        return f"|{text_of(shape[1])}|"
    if kind == "call":
        name = "binomial" if shape[1] == "binom" else shape[1]
        return f"{name}({', '.join(text_of(_bare(a)) for a in shape[2])})"
    if kind == "logb":
        base = _bare(shape[1])
        shown = text_of(base) if _prec(base) == _ATOM else f"({text_of(base)})"
        return f"log_{shown}({text_of(_bare(shape[2]))})"
    if kind == "root":
        return f"sqrt[{text_of(_bare(shape[1]))}]({text_of(_bare(shape[2]))})"
    if kind == "percent":
        return wrap(shape[1], _ATOM) + "%"
    raise ValueError(f"no text for shape {kind!r}")


@functools.lru_cache(maxsize=512)
def _symbol_latex(name: str) -> str:
    return sp.latex(sp.Symbol(name))


def latex_of(shape) -> str:
    """LaTeX of a shape, for the typeset preview (MathML in the browser)."""
    kind = shape[0]

    def wrap(child, at_least):
        inner = latex_of(child)
        return f"\\left({inner}\\right)" if _prec(child) < at_least else inner

    if kind == "num":
        return _latex_number(shape[1])
    if kind == "sym":
        return _symbol_latex(shape[1])
    if kind == "const":
        return "\\pi" if shape[1] == "pi" else "e"
    if kind == "group":
        left, right = ("\\left[", "\\right]") if shape[1] == "[" else ("\\left(", "\\right)")
        return left + latex_of(shape[2]) + right
    if kind == "eq":
        return f"{latex_of(shape[1])} = {latex_of(shape[2])}"
    if kind == "add":
        return f"{latex_of(shape[1])} + {wrap(shape[2], 2)}"
    if kind == "sub":
        return f"{latex_of(shape[1])} - {wrap(shape[2], 2)}"
    if kind == "neg":
        return "-" + wrap(shape[1], 2)
    if kind == "mul":
        return f"{wrap(shape[1], 2)} \\cdot {wrap(shape[2], 3)}"
    if kind in ("div", "frac"):
        return f"\\frac{{{latex_of(_bare(shape[1]))}}}{{{latex_of(_bare(shape[2]))}}}"
    if kind == "pow":
        return f"{wrap(shape[1], _ATOM)}^{{{latex_of(_bare(shape[2]))}}}"
    if kind == "fpow":
        call = shape[1]
        if call[0] == "call":
            return _call_latex(call[1], call[2], f"^{{{latex_of(_bare(shape[2]))}}}")
        return f"{wrap(call, _ATOM)}^{{{latex_of(_bare(shape[2]))}}}"
    if kind == "fact":
        return wrap(shape[1], _ATOM) + "!"
    if kind == "abs":
        return f"\\left|{latex_of(shape[1])}\\right|"
    if kind == "call":
        return _call_latex(shape[1], shape[2])
    if kind == "logb":
        return f"\\log_{{{latex_of(_bare(shape[1]))}}}\\left({latex_of(_bare(shape[2]))}\\right)"
    if kind == "root":
        return f"\\sqrt[{latex_of(_bare(shape[1]))}]{{{latex_of(_bare(shape[2]))}}}"
    if kind == "percent":
        return wrap(shape[1], _ATOM) + "\\%"
    raise ValueError(f"no LaTeX for shape {kind!r}")


def _call_latex(name: str, args: tuple, power: str = "") -> str:
    inner = [latex_of(_bare(a)) for a in args]
    if name == "sqrt" and not power:
        return f"\\sqrt{{{inner[0]}}}"
    if name == "binom":
        return f"\\binom{{{inner[0]}}}{{{inner[1]}}}"
    if name in ("floor", "ceil") and not power:
        side = "floor" if name == "floor" else "ceil"
        return f"\\left\\l{side} {inner[0]} \\right\\r{side}"
    name = _LATEX_ALIASES.get(name, name)
    head = f"\\{name}" if name in _LATEX_FUNCTIONS or name.startswith("log_") else f"\\operatorname{{{name}}}"
    return f"{head}{power}\\left({', '.join(inner)}\\right)"


# --- the echo ---------------------------------------------------------------------------------


def _value_text(value) -> tuple[str, str] | None:
    """(text, LaTeX) of the answer's value: exact where short, else ≈ 8 figures."""
    if isinstance(value, Equation) or value.free_symbols:
        return None  # a formula is its structure; only a number has a value to show beside it
    printed = short(value) if value.is_Rational else ""  # in full where short: 3, 1.5, 89/113
    if printed and not printed.startswith("≈") and (value.is_Integer or as_decimal(value)):
        return printed, printed
    approx = approximate(value)
    if printed and not printed.startswith("≈"):  # 89/113 ≈ 0.78761062
        return f"{value} ≈ {approx}", f"{_sympy_latex(value)} \\approx {_latex_number(approx)}"
    return f"≈ {approx}", f"\\approx {_latex_number(approx)}"


def _is_literal(understood) -> bool:
    """A plain decimal as typed ('-1.00'): its value reads the same, so none is shown beside it."""
    if not isinstance(understood, Reading):
        return False
    shape = understood.shape[1] if understood.shape[0] == "neg" else understood.shape
    return shape[0] == "num" and "e" not in shape[1].lower()


def interpretation(understood) -> dict:
    """{"text", "latex"}: the structure as typed; {"value", "value_latex"}: what it equals, where
    that reads differently; "notes": readings the student may not expect (sin^-1 as arcsin,
    1,584 as 1584, 1 2/3 as a mixed number)."""
    if isinstance(understood, Reading):
        value, text, latex = understood.value, text_of(understood.shape), latex_of(understood.shape)
        notes = list(understood.notes)
    else:
        value, notes = understood, []
        if isinstance(value, Equation):
            text = f"{_sympy_text(value.lhs)} = {_sympy_text(value.rhs)}"
            latex = f"{_sympy_latex(value.lhs)} = {_sympy_latex(value.rhs)}"
        else:
            text, latex = _sympy_text(value), _sympy_latex(value)
    shown = None if _is_literal(understood) else _value_text(value)
    if shown is None or shown[0].replace(" ", "") == text.replace(" ", ""):
        shown = ("", "")
    return {"text": text, "latex": latex, "value": shown[0], "value_latex": shown[1], "notes": notes}


def echo_line(seen: dict) -> str:
    """One line for a terminal: the structure, its value beside it, then the notes."""
    value = seen.get("value", "")
    line = seen["text"] + (f"  {value}" if value.startswith("≈") else f"  = {value}" if value else "")
    return line + "".join(f"\n    note: {n}" for n in seen.get("notes", []))


def echo_latex(seen: dict) -> str:
    """One LaTeX formula for a page: the structure, then = or ≈ its value."""
    value = seen.get("value_latex", "")
    if not value:
        return seen["latex"]
    return seen["latex"] + (f" {value}" if value.startswith("\\approx") else f" = {value}")
