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


# Greek letters by their LaTeX names; Unicode Greek is mapped onto the same names (by character name).
GREEK = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi omicron rho "
    "varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi "
    "Psi Omega".split()
)
GREEK_ALIASES = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho", "varsigma": "sigma"}
# Other letters a stem may show (\ell for a log-likelihood): names, not functions.
LETTERS = {"ell"}
UNICODE_LETTERS = {"ℓ": "ell", "ϵ": "epsilon", "ϑ": "theta", "ϕ": "phi", "ϱ": "rho", "ς": "sigma", "µ": "mu", "π": "pi"}
UNICODE_OPERATORS = {
    "−": "-", "–": "-", "⁄": "/", "·": "*", "⋅": "*", "×": "*", "∗": "*", "÷": "/", "√": "\\sqrt ",
}  # fmt: skip
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿ", "0123456789+-()n"))
SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789"))


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


def _softplus(x):
    return sp.log(1 + sp.exp(x))


def _log(x, base=None):
    return sp.log(x) if base is None else sp.log(x) / sp.log(base)


def _factorial(n):
    if n.is_number and (not n.is_integer or n < 0):
        raise AnswerError("n! needs a whole number n >= 0")
    if n.is_number and n > 500:
        raise UnsafeInput("factorial is too large to compute (limit 500!)")
    return sp.factorial(n)


def _binomial(n, k):
    if n.is_number and abs(n) > 10_000:
        raise UnsafeInput("binomial coefficient is too large to compute")
    return sp.binomial(n, k)


# name -> (sympy function, allowed argument counts). Names a calculus or ML course uses; each LaTeX
# command of the same name (\sin, \arctan, \max) maps here too.
FUNCTIONS = {
    "log": (_log, (1,)), "ln": (sp.log, (1,)), "lg": (lambda x: sp.log(x) / sp.log(10), (1,)),
    "log10": (lambda x: sp.log(x) / sp.log(10), (1,)), "log2": (lambda x: sp.log(x) / sp.log(2), (1,)),
    "exp": (sp.exp, (1,)), "sqrt": (sp.sqrt, (1,)), "abs": (sp.Abs, (1,)),
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
    "erf": (sp.erf, (1,)), "sgn": (sp.sign, (1,)), "sign": (sp.sign, (1,)),
    "floor": (sp.floor, (1,)), "ceil": (sp.ceiling, (1,)),
    "max": (sp.Max, (2, 3, 4, 5, 6, 7, 8)), "min": (sp.Min, (2, 3, 4, 5, 6, 7, 8)),
    "binomial": (_binomial, (2,)), "binom": (_binomial, (2,)), "factorial": (_factorial, (1,)),
    "sigmoid": (_sigmoid, (1,)), "softplus": (_softplus, (1,)),
}  # fmt: skip
CONSTANTS = {"pi": sp.pi, "e": sp.E}
# LaTeX commands that only change spacing or font and carry no math.
IGNORED_COMMANDS = set(
    "left right big Big bigl bigr Bigl Bigr bigg Bigg biggl biggr displaystyle textstyle quad qquad , ; ! : "
    "mathrm text mathit operatorname textrm bm mathbf boldsymbol".split()
) | {" "}
WRAPPING_COMMANDS = {"mathrm", "text", "mathit", "operatorname", "textrm", "bm", "mathbf", "boldsymbol"}
FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
LATEX_OPERATORS = {"cdot": "*", "times": "*", "div": "/", "ast": "*"}
BARS = {"lvert": "|", "rvert": "|", "vert": "|", "mid": "|"}

# A decimal number, then an optional exponent: matched greedily, so '0.5x' is 0.5 times x and
# '1.5e-3x' is 0.0015 times x; a second '.' right after a number ('0.64.2') is refused.
# 'the optimal D' written D^*, D^{*}, D^\ast, D^(∗) or D* before '=': a label on the name, not a power
_STARRED = re.compile(r"([A-Za-z](?:_\w+)?)\s*\^\s*(?:\{\s*(?:\*|\\ast)\s*\}|\(\s*\*\s*\)|\*|\\ast\b)")
_STARRED_BEFORE_END = re.compile(r"\b([A-Za-z](?:_\w+)?)\s*\*(?=\s*(?:=|\)|,|$))")
_NUMBER = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_FUNCTION_OF_NUMBER = re.compile(r"([A-Za-z]+?)(\d+)")  # 'ln4' is ln(4) where 'ln4' names nothing
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")


@dataclass
class Token:
    kind: str  # num, name, op, cmd, end
    text: str
    pos: int
    value: object = None


def _greek_name(ch: str) -> str | None:
    """'α' -> 'alpha', 'Σ' -> 'Sigma' (by Unicode character name), for the letters LaTeX names."""
    try:
        parts = unicodedata.name(ch).split()
    except ValueError:
        return None
    if parts[:2] != ["GREEK", "SMALL"] and parts[:2] != ["GREEK", "CAPITAL"] or parts[2:3] != ["LETTER"]:
        return None
    name = parts[3].lower() if len(parts) == 4 else None
    if name == "lamda":
        name = "lambda"
    if name and parts[1] == "CAPITAL":
        name = name.capitalize()
    return name if name in GREEK else None


def normalize(text: str) -> str:
    """Unicode as students paste it -> the ASCII/LaTeX this tokenizer reads: Greek and other letters
    by name, operators, runs of superscripts as ^(...), subscript digits as _digits; anything else
    NFKC-folded (fullwidth digits, mathematical italic letters)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in SUPERSCRIPTS:
            j = i
            while j < n and text[j] in SUPERSCRIPTS:
                j += 1
            out.append("^(" + "".join(SUPERSCRIPTS[c] for c in text[i:j]) + ")")
            i = j
            continue
        if ch in SUBSCRIPTS:
            j = i
            while j < n and text[j] in SUBSCRIPTS:
                j += 1
            out.append("_" + "".join(SUBSCRIPTS[c] for c in text[i:j]))
            i = j
            continue
        if ch in UNICODE_LETTERS:
            out.append(" " + UNICODE_LETTERS[ch] + " ")
        elif ch in UNICODE_OPERATORS:
            out.append(UNICODE_OPERATORS[ch])
        elif not ch.isascii() and (name := _greek_name(ch)):
            glued = i + 1 < n and (text[i + 1].isdigit() or text[i + 1] in SUBSCRIPTS or text[i + 1] == "_")
            out.append(" " + name + ("" if glued else " "))  # μ0, μ₁, μ_1: one indexed name
        elif not ch.isascii():
            out.append("".join(UNICODE_OPERATORS.get(c, c) for c in unicodedata.normalize("NFKC", ch)))  # ½ is 1⁄2
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def tokenize(text: str, limits: Limits = DEFAULT_LIMITS) -> list[Token]:
    if len(text) > limits.max_length:
        raise UnsafeInput(f"answer is too long ({len(text)} characters; the limit is {limits.max_length})")
    text = _STARRED_BEFORE_END.sub(r"\1", _STARRED.sub(r"\1", normalize(text).replace("⋆", "*")))
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
            mantissa, exponent = m.group(1), m.group(2)
            if (
                m.end() < n
                and text[m.end()] == "."
                or (m.end() + 1 < n and text[m.end()] in "eE" and text[m.end() + 1] == ".")
            ):
                raise AnswerError(f"malformed number at position {i}: {text[i : m.end() + 2]!r}")
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
            m = _COMMAND.match(text, i)
            if not m:
                raise AnswerError(f"lone backslash at position {i}")
            cmd = m.group(1)
            if cmd in BARS:
                tokens.append(Token("op", "|", i))
            else:
                tokens.append(Token("cmd", cmd, i))
            i = m.end()
            continue
        if text.startswith("**", i):
            tokens.append(Token("op", "^", i))
            i += 2
            continue
        if ch in "+-*/^()[]{}=,_|!":
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
        self.bars = 0  # open |...| groups: a '|' inside one closes it

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
            if cmd in WRAPPING_COMMANDS and self.is_op("{"):
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
            if self.tok.kind == "op" and self.tok.text == ",":
                raise AnswerError(self.where("unexpected ',' (write decimals with a point: 0.5)"))
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
        """Does an implicit product continue here ('2x', 'a(b+c)', '2\\pi')?"""
        self.skip_ignored()
        t = self.tok
        if t.kind in ("num", "name"):
            return True
        if t.kind == "op":
            return t.text in "([{" or (t.text == "|" and not self.bars)
        if t.kind == "cmd":
            return t.text not in LATEX_OPERATORS and t.text not in "{}"
        return False

    def starts_function(self) -> bool:
        t = self.tok
        if t.kind == "cmd":
            return t.text in FUNCTIONS or t.text in FRACTIONS or t.text in ("sqrt", "binom")
        return t.kind == "name" and t.text in FUNCTIONS

    def term(self):
        value = self.unary()
        while True:
            if self.is_op("*") or self.is_cmd_op("*"):
                self.advance()
                value = value * self.unary()
            elif self.is_op("/") or self.is_cmd_op("/"):
                self.advance()
                value = self.divide(value, self.unary())
            elif self.starts_factor():
                value = value * self.implicit_factor()
            else:
                return value

    def implicit_factor(self):
        """The right side of an implicit product: never a number ('2 3', '(a)2', '0.64.2' are typos)."""
        if self.tok.kind == "num":
            raise AnswerError(self.where("a number right after a factor ('2 3', '(a)2'); write '*' between factors"))
        return self.power()

    def divide(self, value, divisor):
        if divisor == 0:
            raise AnswerError("division by zero")
        return value / divisor

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
        while self.is_op("!"):
            self.advance()
            base = _factorial(base)
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
        if t.kind == "op" and t.text == "|":
            self.advance()
            self.bars += 1
            value = self.expr()
            self.bars -= 1
            self.expect("|")
            return sp.Abs(value)
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
            return self.divide(num, self.latex_arg())
        if cmd == "binom":
            n = self.latex_arg()
            return _binomial(n, self.latex_arg())
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
            return self.apply(cmd, t)
        if cmd in CONSTANTS:
            return CONSTANTS[cmd]  # \\pi
        if cmd in GREEK or cmd in LETTERS:
            return self.letter(GREEK_ALIASES.get(cmd, cmd), t)
        raise AnswerError(f"unsupported LaTeX command '\\{cmd}' at position {t.pos}")

    def letter(self, name, t):
        """A Greek or other named letter: a symbol, or σ(a) as the sigmoid when σ is not a variable here."""
        if name == "sigma" and "sigma" not in self.symbols and self.is_op("("):
            return self.apply("sigmoid", t)
        value = self.symbol(name, t)
        self.skip_density_argument()
        return value

    def name(self):
        t = self.advance()
        word = t.text
        glued = _FUNCTION_OF_NUMBER.fullmatch(word) if word not in self.symbols else None
        if word in FUNCTIONS and word not in self.symbols and not (glued and not self.has_argument()):
            return self.apply(word, t)
        if glued and glued.group(1) in FUNCTIONS:  # ln4, log4, 2log2: a function of the number typed with it
            func, arities = FUNCTIONS[glued.group(1)]
            if 1 in arities:
                number = glued.group(2)
                if self.tok.kind == "num" and self.tok.text.startswith("."):  # ln4.84: the decimal goes on
                    number += self.advance().text
                return func(sp.Rational(number))
        if word == "sigma" and not self.is_op("_"):
            return self.letter(word, t)
        return self.symbol_or_split(word, t)

    def has_argument(self) -> bool:
        """Does a function's argument follow ('log2(x)', 'log2 x'), or is the word used alone ('2log2')?"""
        return self.is_op("(") or self.starts_factor() or self.is_op("_") or self.is_op("^")

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
                if t.kind in ("name", "num") or (t.kind == "cmd" and (t.text in GREEK or t.text in LETTERS)):
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
            if t.kind not in ("name", "num") and not (t.kind == "cmd" and (t.text in GREEK or t.text in LETTERS)):
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
        if word in self.symbols or word in GREEK or word in LETTERS or word in CONSTANTS:
            value = self.symbol(GREEK_ALIASES.get(word, word), t)
            self.skip_density_argument()
            return value
        if len(word) > 1 and all(ch in self.symbols or ch in CONSTANTS for ch in word):
            # "ab" with declared a and b: an implicit product, as LaTeX writes it. The letters go back
            # as separate tokens so that a power binds to the last one only ('ab^2' is a*b^2).
            self.tokens[self.i : self.i] = [Token("name", ch, t.pos + k) for k, ch in enumerate(word[1:], 1)]
            return self.symbol(word[0], t)
        if self.allow_new and word not in self.symbols and self.is_op("(") and len(word) > 1:
            raise AnswerError(f"unknown function '{word}' at position {t.pos}")
        return self.symbol(word, t)

    def symbol(self, name, t):
        if name in self.symbols:
            return self.symbols[name]
        if indexed := re.fullmatch(r"([A-Za-z]+)_?(\d+)", name):  # mu1 for mu_1 and back: one index
            for alias in ("{}_{}", "{}{}"):
                if (alias := alias.format(*indexed.groups())) in self.symbols:
                    return self.symbols[alias]
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

    def apply(self, fname, t):
        """A function applied to its argument: f(x), f(x, y), or LaTeX's unbracketed \\sin 2x = sin(2x).

        Without brackets the argument is the implicit product that follows, up to the next operator
        or function ('\\sin x \\cos x' is sin(x)·cos(x)); 'log_2 x' and '\\log_{10}(x)' take a base."""
        func, arities = FUNCTIONS[fname]
        base = None
        if self.is_op("_"):
            if fname != "log":
                raise AnswerError(f"{fname} takes no subscript (at position {t.pos})")
            self.advance()
            base = self.braced() if self.is_op("{") else self.primary()
        if self.is_op("^") and fname not in ("sqrt", "abs"):
            # \sin^2 x is (\sin x)^2
            self.advance()
            exponent = self.braced() if self.is_op("{") else self.primary()
            return self.safe_pow(self.apply_to(fname, func, arities, base, t), exponent)
        return self.apply_to(fname, func, arities, base, t)

    def apply_to(self, fname, func, arities, base, t):
        if self.is_op("("):
            self.advance()
            args = [self.expr()]
            while self.is_op(","):
                self.advance()
                args.append(self.expr())
            self.expect(")")
        elif self.starts_factor() or self.is_op("-"):
            args = [self.unbracketed_argument()]
        else:
            raise AnswerError(f"{fname} needs an argument, e.g. {fname}(x) (at position {t.pos})")
        if len(args) not in arities:
            wanted = " or ".join(map(str, arities[:2])) + (" or more" if len(arities) > 2 else "")
            raise AnswerError(f"{fname} takes {wanted} argument(s), got {len(args)} (at position {t.pos})")
        if fname in ("log", "ln", "lg", "log10", "log2") and args[0] == 0:
            raise AnswerError("log(0) is undefined")
        if base is not None:
            if base.is_number and (base <= 0 or base == 1):
                raise AnswerError("a logarithm's base must be positive and not 1")
            return _log(args[0], base)
        return func(*args)

    def unbracketed_argument(self):
        negative = False
        if self.is_op("-"):
            self.advance()
            negative = True
        value = self.power()
        while self.starts_factor() and not self.starts_function():
            value = value * self.implicit_factor()
        return -value if negative else value


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
