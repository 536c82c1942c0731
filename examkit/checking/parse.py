"""Safe parser for typed math answers: LaTeX or plain syntax in, a sympy expression out.

Why our own parser: sympy's ``sympify``/``parse_expr`` run Python ``eval`` on the text, so a
hostile answer string could execute code. This module tokenizes against a whitelist and builds
sympy objects directly; nothing the student typed is ever executed. Size limits (length, tokens,
nesting, numeric exponents) bound the work any input can cause.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import sympy as sp


class AnswerError(ValueError):
    """An answer that cannot be read; the message is shown to the student."""

    kind = "invalid"


class UnsafeInput(AnswerError):
    """Input rejected because it could cost unbounded time or memory, or looks like code."""

    kind = "unsafe"


@dataclass(frozen=True)
class Limits:
    max_length: int = 2000
    max_tokens: int = 500
    max_depth: int = 60
    max_exponent: int = 256  # |numeric exponent| allowed in a power
    max_result_digits: int = 4000  # digits a constant power may produce
    max_literal_digits: int = 40


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Equation:
    lhs: sp.Expr
    rhs: sp.Expr


GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Sigma",
    "Phi",
    "Psi",
    "Omega",
}
GREEK_ALIASES = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi"}
UNICODE_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ϵ": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "µ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "ρ": "rho",
    "σ": "sigma",
    "τ": "tau",
    "φ": "phi",
    "ϕ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "Δ": "Delta",
    "Σ": "Sigma",
    "Φ": "Phi",
    "Ω": "Omega",
    "π": "pi",
}
UNICODE_OPERATORS = {
    "−": "-",
    "–": "-",
    "·": "*",
    "⋅": "*",
    "×": "*",
    "∗": "*",
    "÷": "/",
    "²": "^2",
    "³": "^3",
    "√": "\\sqrt ",
}


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


def _softplus(x):
    return sp.log(1 + sp.exp(x))


FUNCTIONS = {
    "log": sp.log,
    "ln": sp.log,
    "exp": sp.exp,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "tanh": sp.tanh,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
}
CONSTANTS = {"pi": sp.pi, "e": sp.E}
# LaTeX commands that only change spacing or font and carry no math.
IGNORED_COMMANDS = {
    "left",
    "right",
    "big",
    "Big",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "displaystyle",
    "quad",
    "qquad",
    ",",
    ";",
    "!",
    " ",
    ":",
    "mathrm",
    "text",
    "mathit",
    "operatorname",
    "textrm",
    "bm",
    "mathbf",
    "boldsymbol",
}
FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
LATEX_OPERATORS = {"cdot": "*", "times": "*", "div": "/", "ast": "*"}

_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?(?![A-Za-z_])|(\d+\.?\d*|\.\d+)")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


@dataclass
class Token:
    kind: str  # num, name, op, cmd, end
    text: str
    pos: int
    value: object = None


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        if ch in UNICODE_GREEK:
            out.append(" " + UNICODE_GREEK[ch] + " ")
        elif ch in UNICODE_OPERATORS:
            out.append(UNICODE_OPERATORS[ch])
        else:
            out.append(ch)
    return "".join(out)


def tokenize(text: str, limits: Limits = DEFAULT_LIMITS) -> list[Token]:
    if len(text) > limits.max_length:
        raise UnsafeInput(f"answer is too long ({len(text)} characters; the limit is {limits.max_length})")
    text = _normalize(text)
    if "__" in text:
        raise UnsafeInput("names with '__' are not allowed: answers are math, not code")
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() or ch == "$":
            i += 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER.match(text, i)
            mantissa = m.group(1) or m.group(3)
            exponent = m.group(2)
            if len(mantissa.replace(".", "")) > limits.max_literal_digits:
                raise UnsafeInput(f"number at position {i} has too many digits")
            if exponent is not None and abs(int(exponent)) > 300:
                raise UnsafeInput(f"number at position {i} has an exponent beyond ±300")
            value = sp.Rational(mantissa) * (sp.Integer(10) ** int(exponent) if exponent else 1)
            tokens.append(Token("num", m.group(0), i, value))
            i = m.end()
            continue
        if ch.isalpha() and ch.isascii():
            m = _WORD.match(text, i)
            tokens.append(Token("name", m.group(0), i))
            i = m.end()
            continue
        if ch == "\\":
            m = re.compile(r"\\([A-Za-z]+|.)").match(text, i)
            if not m:
                raise AnswerError(f"lone backslash at position {i}")
            tokens.append(Token("cmd", m.group(1), i))
            i = m.end()
            continue
        if text.startswith("**", i):
            tokens.append(Token("op", "^", i))
            i += 2
            continue
        if ch in "+-*/^()[]{}=,_":
            tokens.append(Token("op", ch, i))
            i += 1
            continue
        raise AnswerError(f"unexpected character {ch!r} at position {i}")
    if len(tokens) > limits.max_tokens:
        raise UnsafeInput(f"answer is too long ({len(tokens)} tokens; the limit is {limits.max_tokens})")
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, tokens, symbols, allow_new_symbols, limits):
        self.tokens = tokens
        self.i = 0
        self.symbols = symbols
        self.allow_new = allow_new_symbols
        self.limits = limits
        self.depth = 0

    # --- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def skip_ignored(self):
        while self.tok.kind == "cmd" and self.tok.text in IGNORED_COMMANDS:
            cmd = self.advance().text
            if cmd in {
                "mathrm",
                "text",
                "mathit",
                "operatorname",
                "textrm",
                "bm",
                "mathbf",
                "boldsymbol",
            } and self.is_op("{"):
                # \mathrm{e}, \operatorname{sigmoid}: unwrap to the inner word
                self.advance()
                inner = self.advance()
                self.expect("}")
                self.tokens.insert(self.i, inner)

    def is_op(self, text) -> bool:
        self.skip_ignored()
        t = self.tok
        if t.kind == "op" and t.text == text:
            return True
        return t.kind == "cmd" and text in "{}" and t.text == text  # \{ \}

    def expect(self, text):
        if not self.is_op(text):
            raise AnswerError(self.where(f"expected '{text}'"))
        return self.advance()

    def where(self, message) -> str:
        t = self.tok
        found = "end of input" if t.kind == "end" else repr(t.text)
        return f"{message} at position {t.pos} (found {found})"

    def enter(self):
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise UnsafeInput("expression is nested too deeply")

    def leave(self):
        self.depth -= 1

    # --- grammar -------------------------------------------------------------------------
    def parse(self):
        lhs = self.expr()
        if self.is_op("="):
            self.advance()
            rhs = self.expr()
            self.finish()
            return Equation(lhs, rhs)
        self.finish()
        return lhs

    def finish(self):
        self.skip_ignored()
        if self.tok.kind != "end":
            raise AnswerError(self.where("unexpected input"))

    def expr(self):
        self.enter()
        value = self.term()
        while True:
            if self.is_op("+"):
                self.advance()
                value = value + self.term()
            elif self.is_op("-"):
                self.advance()
                value = value - self.term()
            else:
                break
        self.leave()
        return value

    def starts_factor(self) -> bool:
        self.skip_ignored()
        t = self.tok
        if t.kind in ("num", "name"):
            return True
        if t.kind == "op":
            return t.text in "([{"
        if t.kind == "cmd":
            return t.text not in LATEX_OPERATORS and t.text not in "{}"
        return False

    def term(self):
        value = self.unary()
        while True:
            if self.is_op("*") or self.is_cmd_op("*"):
                self.advance()
                value = value * self.unary()
            elif self.is_op("/") or self.is_cmd_op("/"):
                self.advance()
                divisor = self.unary()
                if divisor == 0:
                    raise AnswerError("division by zero")
                value = value / divisor
            elif self.starts_factor():
                value = value * self.power()
            else:
                return value

    def is_cmd_op(self, op) -> bool:
        self.skip_ignored()
        return self.tok.kind == "cmd" and LATEX_OPERATORS.get(self.tok.text) == op

    def unary(self):
        if self.is_op("-"):
            self.advance()
            return -self.unary()
        if self.is_op("+"):
            self.advance()
            return self.unary()
        return self.power()

    def power(self):
        self.enter()
        base = self.primary()
        if self.is_op("^"):
            self.advance()
            exponent = self.braced() if self.is_op("{") else self.unary()
            base = self.safe_pow(base, exponent)
        self.leave()
        return base

    def safe_pow(self, base, exponent):
        if exponent.is_number:
            if abs(exponent) > self.limits.max_exponent:
                raise UnsafeInput(f"exponent {exponent} is too large (limit ±{self.limits.max_exponent})")
            if base.is_number and base != 0:
                digits = abs(float(sp.log(abs(base), 10).evalf(15)) * float(exponent))
                if digits > self.limits.max_result_digits:
                    raise UnsafeInput("power is too large to compute")
            if base == 0 and exponent.is_number and exponent.is_negative:
                raise AnswerError("division by zero")
        elif base.is_number and not exponent.free_symbols:
            raise UnsafeInput("exponent is too complex")
        return base**exponent

    def braced(self):
        self.expect("{")
        value = self.expr()
        self.expect("}")
        return value

    def latex_arg(self):
        """Argument of \\frac or \\sqrt: {group}, or a single digit/letter as in \\frac12."""
        self.skip_ignored()
        if self.is_op("{"):
            return self.braced()
        t = self.tok
        if t.kind == "num":
            self.advance()
            first, rest = t.text[0], t.text[1:]
            if rest:
                self.tokens.insert(self.i, Token("num", rest, t.pos + 1, sp.Rational(rest)))
            return sp.Integer(first)
        return self.primary()

    def primary(self):
        self.skip_ignored()
        t = self.tok
        if t.kind == "num":
            self.advance()
            return t.value
        if t.kind == "op" and t.text in "([{":
            close = {"(": ")", "[": "]", "{": "}"}[t.text]
            self.advance()
            value = self.expr()
            self.expect(close)
            return value
        if t.kind == "cmd" and t.text == "{":
            self.advance()
            value = self.expr()
            self.expect("}")
            return value
        if t.kind == "name":
            return self.name()
        if t.kind == "cmd":
            return self.command()
        if t.kind == "op" and t.text == "_":
            raise UnsafeInput("names may not start with '_'")
        raise AnswerError(self.where("expected a number, name or '('"))

    def command(self):
        t = self.advance()
        cmd = t.text
        if cmd in FRACTIONS:
            num = self.latex_arg()
            den = self.latex_arg()
            if den == 0:
                raise AnswerError("division by zero")
            return num / den
        if cmd == "sqrt":
            index = None
            if self.is_op("["):
                self.advance()
                index = self.expr()
                self.expect("]")
            arg = self.latex_arg()
            if index is None:
                return sp.sqrt(arg)
            return self.safe_pow(arg, 1 / index)
        if cmd in FUNCTIONS:
            return self.apply(cmd)
        if cmd in GREEK:
            return self.symbol(GREEK_ALIASES.get(cmd, cmd), t)
        if cmd == "pi":
            return sp.pi
        raise AnswerError(f"unsupported LaTeX command '\\{cmd}' at position {t.pos}")

    def name(self):
        t = self.advance()
        word = t.text
        if word in FUNCTIONS and (self.is_op("(") or self.starts_factor()):
            return self.apply(word)
        return self.symbol_or_split(word, t)

    def subscript(self) -> str:
        """Text of a subscript after '_': p_{data}, p_\\text{data}, x_1, p_g."""
        self.advance()  # '_'
        self.skip_ignored()
        parts = []
        if self.is_op("{"):
            self.advance()
            while not self.is_op("}"):
                t = self.advance()
                if t.kind == "end":
                    raise AnswerError("unclosed subscript")
                if t.kind in ("name", "num") or (t.kind == "cmd" and t.text in GREEK):
                    parts.append(t.text)
                elif t.kind == "cmd" and t.text in IGNORED_COMMANDS:
                    continue
                elif t.kind == "op" and t.text in "{}":
                    continue
                else:
                    raise AnswerError(f"unsupported subscript content at position {t.pos}")
            self.advance()
        else:
            t = self.advance()
            if t.kind not in ("name", "num") and not (t.kind == "cmd" and t.text in GREEK):
                raise AnswerError(f"expected a subscript at position {t.pos}")
            parts.append(t.text)
        sub = "".join(parts)
        if not sub:
            raise AnswerError("empty subscript")
        return sub

    def skip_density_argument(self):
        """Read p_data(x) as the value p_data: '(x)' with an undeclared single name is notation."""
        if self.allow_new or not self.is_op("("):
            return
        inner, close = self.tokens[self.i + 1], self.tokens[self.i + 2]
        if inner.kind == "name" and inner.text not in self.symbols and close.text == ")":
            self.i += 3

    def symbol_or_split(self, word, t):
        if self.is_op("_"):
            while self.is_op("_"):  # p_data, kl_as_std
                word = f"{word}_{self.subscript()}"
            value = self.symbol(word, t)
            self.skip_density_argument()
            return value
        if word in self.symbols or word in GREEK or word in CONSTANTS:
            value = self.symbol(GREEK_ALIASES.get(word, word), t)
            self.skip_density_argument()
            return value
        if len(word) > 1 and all(ch in self.symbols or ch in CONSTANTS for ch in word):
            # "ab" with declared a and b: implicit product, as LaTeX writes it
            value = sp.Integer(1)
            for ch in word:
                value = value * self.symbol(ch, t)
            return value
        return self.symbol(word, t)

    def symbol(self, name, t):
        if name in self.symbols:
            return self.symbols[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if not self.allow_new:
            known = ", ".join(sorted(self.symbols)) or "none"
            raise AnswerError(f"unknown name '{name}' at position {t.pos} (variables here: {known})")
        if len(name) > 40:
            raise UnsafeInput("name is too long")
        sym = sp.Symbol(name, real=True)
        self.symbols[name] = sym
        return sym

    def apply(self, fname):
        func = FUNCTIONS[fname]
        if self.is_op("_"):
            raise AnswerError(f"{fname} with a base is not supported; write log(x)/log(2)")
        if self.is_op("("):
            self.advance()
            arg = self.expr()
            if self.is_op(","):
                raise AnswerError(f"{fname} takes one argument")
            self.expect(")")
        else:
            arg = self.power()
        if fname in ("log", "ln") and arg == 0:
            raise AnswerError("log(0) is undefined")
        return func(arg)


def parse_math(
    text: str,
    symbols: dict[str, sp.Symbol] | None = None,
    *,
    allow_new_symbols: bool | None = None,
    limits: Limits = DEFAULT_LIMITS,
):
    """Parse an answer into a sympy expression (or an :class:`Equation` for ``lhs = rhs``).

    ``symbols`` maps allowed names to sympy symbols (carrying their assumptions); other names
    are an error unless ``allow_new_symbols`` (default: only when no symbols are given).
    """
    if not isinstance(text, str):
        raise AnswerError("answer must be text")
    if not text.strip():
        raise AnswerError("empty answer")
    symbols = dict(symbols or {})
    if allow_new_symbols is None:
        allow_new_symbols = not symbols
    tokens = tokenize(text, limits)
    try:
        return _Parser(tokens, symbols, allow_new_symbols, limits).parse()
    except RecursionError:
        raise UnsafeInput("expression is nested too deeply") from None
    except (TypeError, ZeroDivisionError, OverflowError) as exc:
        raise AnswerError(f"cannot read this answer: {exc}") from None
