"""Safe parser for typed math answers: LaTeX or plain syntax in, a sympy expression out.

Why our own parser: sympy's ``sympify``/``parse_expr`` run Python ``eval`` on the text, so a
hostile answer string could execute code. This module tokenizes against a whitelist and builds
sympy objects directly; nothing the student typed is ever executed. Size limits (length, tokens,
nesting, numeric exponents) bound the work any input can cause.

Beside the value, the parser keeps the answer's *shape*: its structure as typed (the student's
numbers, brackets, order and function names, with every implied product and function argument
made explicit), which `echo.py` prints back so a student can compare it term by term with what
they wrote (STACK's validation step). Shapes are plain tuples: ``(kind, *children)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from ..errors import did_you_mean
from .errors import AnswerError, UnsafeInput
from .evaluate import short
from .normalize import normalize, normalize_with_notes
from .tokens import DEFAULT_LIMITS, Limits, Token, tokens_of_normalized
from .vocabulary import (
    BINOMIALS,
    CLOSERS,
    CONSTANTS,
    FLOORS,
    FRACTIONS,
    FUNCTIONS,
    GREEK,
    GREEK_ALIASES,
    IGNORED_COMMANDS,
    INVERSES,
    LATEX_OPERATORS,
    LETTERS,
    LOGS,
    WRAPPING_COMMANDS,
    binomial,
    factorial,
    real_root,
)

__all__ = ["AnswerError", "UnsafeInput", "Equation", "Limits", "Reading", "normalize", "parse_math", "read_math"]


@dataclass(frozen=True)
class Equation:
    lhs: sp.Expr
    rhs: sp.Expr


@dataclass(frozen=True)
class Reading:
    """What the parser read: the value, the structure as typed, and readings worth saying."""

    value: object  # a sympy expression or an Equation
    shape: tuple
    notes: tuple[str, ...] = field(default=())


@dataclass
class _Node:
    value: object
    shape: tuple


_FUNCTION_OF_NUMBER = re.compile(r"([A-Za-z]+?)(\d+)")  # 'ln4' is ln(4) where 'ln4' names nothing
_LETTER_WORD = re.compile(r"[A-Za-z]+")


class _Parser:
    def __init__(self, tokens, symbols, allow_new_symbols, limits):
        self.tokens = tokens
        self.i = 0
        self.symbols = symbols
        self.allow_new = allow_new_symbols
        self.limits = limits
        self.depth = 0
        self.bars = 0  # open |...| groups: a '|' inside one closes it
        self.notes: list[str] = []

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
    def parse(self) -> _Node:
        lhs = self.expr()
        if self.is_op("="):
            self.advance()
            rhs = self.expr()
            self.finish()
            return _Node(Equation(lhs.value, rhs.value), ("eq", lhs.shape, rhs.shape))
        self.finish()
        return lhs

    def finish(self):
        self.skip_ignored()
        if self.tok.kind != "end":
            if self.tok.kind == "op" and self.tok.text == ",":
                before, after = self.tokens[self.i - 1], self.tokens[self.i + 1]
                if before.kind == after.kind == "num":
                    hint = "write decimals with a point (0.5), and thousands in groups of three (1,584,656)"
                else:
                    hint = "give one answer, not a list"
                raise AnswerError(self.where(f"unexpected ',' ({hint})"))
            raise AnswerError(self.where("unexpected input"))

    def expr(self) -> _Node:
        self.enter()
        node = self.term()
        while True:
            if self.is_op("+"):
                self.advance()
                right = self.term()
                node = _Node(node.value + right.value, ("add", node.shape, right.shape))
            elif self.is_op("-"):
                self.advance()
                right = self.term()
                node = _Node(node.value - right.value, ("sub", node.shape, right.shape))
            else:
                break
        self.leave()
        return node

    def starts_factor(self) -> bool:
        """Does an implicit product continue here ('2x', 'a(b+c)', '2\\pi')?"""
        self.skip_ignored()
        t = self.tok
        if t.kind in ("num", "name"):
            return True
        if t.kind == "op":
            return t.text in "([{" or (t.text == "|" and not self.bars)
        if t.kind == "cmd":
            return t.text not in LATEX_OPERATORS and t.text != "}" and t.text not in CLOSERS
        return False

    def starts_function(self) -> bool:
        t = self.tok
        if t.kind == "cmd":
            return t.text in FUNCTIONS or t.text in FRACTIONS or t.text in ("sqrt", *BINOMIALS)
        return t.kind == "name" and t.text in FUNCTIONS

    def term(self) -> _Node:
        node = self.unary()
        while True:
            if self.is_op("*") or self.is_cmd_op("*"):
                self.advance()
                right = self.unary()
                node = _Node(node.value * right.value, ("mul", node.shape, right.shape))
            elif self.is_op("/") or self.is_cmd_op("/"):
                self.advance()
                right = self.unary()
                node = _Node(self.divide(node.value, right.value), ("div", node.shape, right.shape))
            elif self.starts_factor():
                right = self.implicit_factor(after_fraction=node.shape[0] == "frac")
                node = _Node(node.value * right.value, ("mul", node.shape, right.shape))
            else:
                return node

    def implicit_factor(self, after_fraction=False) -> _Node:
        """The right side of an implicit product: never a number ('2 3', '(a)2', '0.64.2' are typos),
        except after a typeset fraction, which reads as one factor (\\tfrac12 0.12^2 is ½·0.12²)."""
        if self.tok.kind == "num" and not after_fraction:
            raise AnswerError(self.where("a number right after a factor ('2 3', '(a)2'); write '*' between factors"))
        return self.power()

    def divide(self, value, divisor):
        if divisor == 0:
            raise AnswerError("division by zero")
        return value / divisor

    def is_cmd_op(self, op) -> bool:
        self.skip_ignored()
        return self.tok.kind == "cmd" and LATEX_OPERATORS.get(self.tok.text) == op

    def unary(self) -> _Node:
        if self.is_op("-"):
            self.advance()
            inner = self.unary()
            return _Node(-inner.value, ("neg", inner.shape))
        if self.is_op("+"):
            self.advance()
            return self.unary()
        return self.power()

    def power(self) -> _Node:
        self.enter()
        node = self.primary()
        while self.is_op("!"):
            self.advance()
            node = _Node(factorial(node.value), ("fact", node.shape))
        if self.is_op("^"):
            self.advance()
            exponent = self.braced() if self.is_op("{") else self.unary()
            node = _Node(self.safe_pow(node.value, exponent.value), ("pow", node.shape, exponent.shape))
        self.leave()
        return node

    def safe_pow(self, base, exponent):
        if exponent.is_number:
            if abs(exponent) > self.limits.max_exponent:
                raise UnsafeInput(f"too large: the exponent {short(exponent)} is beyond ±{self.limits.max_exponent}")
            if base.is_number and base != 0:
                digits = abs(float(sp.log(abs(base), 10).evalf(15)) * float(exponent))
                if digits > self.limits.max_result_digits:
                    raise UnsafeInput(f"too large: the power has about {digits:.0f} digits")
            if base == 0 and exponent.is_number and exponent.is_negative:
                raise AnswerError("division by zero")
        elif base.is_number and not exponent.free_symbols:
            raise UnsafeInput("exponent is too complex")
        return base**exponent

    def braced(self) -> _Node:
        self.expect("{")
        node = self.expr()
        self.expect("}")
        return _Node(node.value, ("group", "{", node.shape))

    def latex_arg(self) -> _Node:
        """Argument of \\frac or \\sqrt: {group}, or a single digit/letter as in \\frac12."""
        self.skip_ignored()
        if self.is_op("{"):
            return self.braced()
        t = self.tok
        if t.kind == "num":
            if not t.text.isdigit():
                raise AnswerError(f"put a decimal argument in braces at position {t.pos}: \\frac{{0.5}}{{2}}")
            self.advance()
            first, rest = t.text[0], t.text[1:]
            if rest:
                self.tokens.insert(self.i, Token("num", rest, t.pos + 1, sp.Rational(rest)))
            return _Node(sp.Integer(first), ("num", first))
        return self.primary()

    def primary(self) -> _Node:
        self.skip_ignored()
        t = self.tok
        if t.kind == "num":
            self.advance()
            return _Node(t.value, ("num", t.text))
        if t.kind == "op" and t.text in "([{":
            close = {"(": ")", "[": "]", "{": "}"}[t.text]
            self.advance()
            node = self.expr()
            self.expect(close)
            return _Node(node.value, ("group", t.text, node.shape))
        if t.kind == "op" and t.text == "|":
            self.advance()
            self.bars += 1
            node = self.expr()
            self.bars -= 1
            self.expect("|")
            return _Node(sp.Abs(node.value), ("abs", node.shape))
        if t.kind == "cmd" and t.text == "{":
            self.advance()
            node = self.expr()
            self.expect("}")
            return _Node(node.value, ("group", "{", node.shape))
        if t.kind == "name":
            return self.name()
        if t.kind == "cmd":
            return self.command()
        if t.kind == "op" and t.text == "_":
            raise UnsafeInput("names may not start with '_'")
        raise AnswerError(self.where("expected a number, name or '('"))

    def command(self) -> _Node:
        t = self.advance()
        cmd = t.text
        if cmd in FRACTIONS:
            num = self.latex_arg()
            den = self.latex_arg()
            return _Node(self.divide(num.value, den.value), ("frac", num.shape, den.shape))
        if cmd in BINOMIALS:
            n = self.latex_arg()
            k = self.latex_arg()
            return _Node(binomial(n.value, k.value), ("call", "binom", (n.shape, k.shape)))
        if cmd == "sqrt":
            return self.sqrt()
        if cmd in FLOORS:
            close, fname = FLOORS[cmd]
            inner = self.expr()
            self.skip_ignored()
            if not (self.tok.kind == "cmd" and self.tok.text == close):
                raise AnswerError(self.where(f"expected '\\{close}'"))
            self.advance()
            return _Node(FUNCTIONS[fname][0](inner.value), ("call", fname, (inner.shape,)))
        if cmd in FUNCTIONS:
            return self.apply(cmd, t)
        if cmd in CONSTANTS:
            return _Node(CONSTANTS[cmd], ("const", cmd))  # \\pi
        if cmd in GREEK or cmd in LETTERS:
            return self.letter(GREEK_ALIASES.get(cmd, cmd), t)
        raise AnswerError(f"unsupported LaTeX command '\\{cmd}' at position {t.pos}")

    def sqrt(self) -> _Node:
        """\\sqrt{x}, \\sqrt[n]{x}, and the plain sqrt[n](x) or sqrt[n]{x}."""
        if self.is_op("["):
            self.advance()
            index = self.expr()
            self.expect("]")
            arg = self.latex_arg()
            self.safe_pow(arg.value, 1 / index.value)  # the size limits of a power apply
            return _Node(real_root(arg.value, index.value), ("root", index.shape, arg.shape))
        arg = self.latex_arg()
        return _Node(sp.sqrt(arg.value), ("call", "sqrt", (arg.shape,)))

    def letter(self, name, t) -> _Node:
        """A Greek or other named letter: a symbol, or σ(a) as the sigmoid when σ is not a variable here."""
        if name == "sigma" and "sigma" not in self.symbols and self.is_op("("):
            return self.apply("sigmoid", t, shown="sigma")
        node = self.symbol(name, t)
        self.skip_density_argument()
        return node

    def name(self) -> _Node:
        t = self.advance()
        word = t.text
        glued = _FUNCTION_OF_NUMBER.fullmatch(word) if word not in self.symbols else None
        if word == "sqrt" and word not in self.symbols and self.is_op("["):
            return self.sqrt()
        if word in FUNCTIONS and (declared := self.declared_subscripted(word)):  # log_var, exp_avg
            return self.symbol(declared, t)
        if word in FUNCTIONS and word not in self.symbols and not (glued and not self.has_argument()):
            return self.apply(word, t)
        if glued and glued.group(1) in FUNCTIONS:  # ln4, log4, 2log2: a function of the number typed with it
            func, arities = FUNCTIONS[glued.group(1)]
            if 1 in arities:
                number = glued.group(2)
                if self.tok.kind == "num" and self.tok.text.startswith("."):  # ln4.84: the decimal goes on
                    number += self.advance().text
                value = func(sp.Rational(number))
                return _Node(value, ("call", glued.group(1), (("num", number),)))
        if word == "sigma" and not self.is_op("_"):
            return self.letter(word, t)
        return self.symbol_or_split(word, t)

    def declared_subscripted(self, word) -> str | None:
        """The declared name a function word begins ('log_var' is the variable log_var, not log to
        the base var); None, with nothing read, for any other."""
        if word in self.symbols or not self.is_op("_"):
            return None
        start, tokens, pieces = self.i, list(self.tokens), [word]  # skip_ignored may rewrite tokens
        try:
            while self.is_op("_"):
                pieces.append(self.subscript())
        except AnswerError:
            pieces = [word]
        if (name := "_".join(pieces)) in self.symbols:
            return name
        self.i, self.tokens = start, tokens
        base = pieces[1] if len(pieces) > 1 else ""  # no base 'vr' either: log_vr is a misspelt name
        if not self.allow_new and base.isalpha() and base not in {**self.symbols, **CONSTANTS}:
            if hint := did_you_mean(name, self.symbols):
                raise AnswerError(f"unknown name '{name}' at position {tokens[start - 1].pos}{hint}")
        return None

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
        if self.allow_new or not self.is_op("(") or self.i + 2 >= len(self.tokens):
            return
        inner, close = self.tokens[self.i + 1], self.tokens[self.i + 2]
        if inner.kind == "name" and inner.text not in self.symbols and close.text == ")":
            self.i += 3

    def symbol_or_split(self, word, t) -> _Node:
        if self.is_op("_"):
            while self.is_op("_"):  # p_data, kl_as_std
                word = f"{word}_{self.subscript()}"
            node = self.symbol(word, t)
            self.skip_density_argument()
            return node
        if word in self.symbols or word in GREEK or word in LETTERS or word in CONSTANTS:
            node = self.symbol(GREEK_ALIASES.get(word, word), t)
            self.skip_density_argument()
            return node
        if not self.allow_new and (pieces := self.split_glued(word, t)):
            # The pieces go back as separate tokens, so that a power binds to the last one only
            # ('ab^2' is a*b^2) and a function takes what follows as its argument ('sinx' is sin x).
            at = [t.pos + sum(map(len, pieces[:k])) for k in range(len(pieces))]
            self.tokens[self.i : self.i] = [Token("name", p, pos) for p, pos in zip(pieces[1:], at[1:])]
            self.tokens.insert(self.i, Token("name", pieces[0], t.pos))
            return self.name()
        if self.allow_new and word not in self.symbols and self.is_op("(") and len(word) > 1:
            raise AnswerError(f"unknown function '{word}' at position {t.pos}")
        return self.symbol(word, t)

    def split_glued(self, word, t) -> list[str] | None:
        """'sinx', 'xcos(x)', 'pir', 'ab': a word that is no name here, read as the declared
        variables, functions and constants it is glued from, where only one way exists."""
        if not _LETTER_WORD.fullmatch(word) or len(word) < 2 or word in FUNCTIONS or word in GREEK:
            return None
        names = {n for n in self.symbols if _LETTER_WORD.fullmatch(n)}
        pieces = names | {f for f in FUNCTIONS if _LETTER_WORD.fullmatch(f)} | (set(CONSTANTS) - names)
        argument_follows = self.has_argument()
        ways = list(_segmentations(word, pieces, argument_follows, limit=2))
        if len(ways) > 1:
            readings = " or ".join(" ".join(w) for w in ways)
            raise AnswerError(
                f"'{word}' at position {t.pos} can be read more than one way ({readings}): write '*' or brackets"
            )
        if not ways:
            return None
        if len(ways[0]) > 1 and not all(len(p) == 1 and p in names for p in ways[0]):
            self.notes.append(f"read '{word}' as {' '.join(ways[0])}")
        return ways[0]

    def symbol(self, name, t) -> _Node:
        if name in self.symbols:
            return _Node(self.symbols[name], ("sym", name))
        if indexed := re.fullmatch(r"([A-Za-z]+)_?(\d+)", name):  # mu1 for mu_1 and back: one index
            for alias in ("{}_{}", "{}{}"):
                if (alias := alias.format(*indexed.groups())) in self.symbols:
                    return _Node(self.symbols[alias], ("sym", alias))
        if name in CONSTANTS:
            return _Node(CONSTANTS[name], ("const", name))
        if not self.allow_new:
            known = ", ".join(sorted(self.symbols)) or "none"
            hint = did_you_mean(name, self.symbols)
            raise AnswerError(f"unknown name '{name}' at position {t.pos}{hint} (variables here: {known})")
        if len(name) > 40:
            raise UnsafeInput("name is too long")
        sym = sp.Symbol(name, real=True)
        self.symbols[name] = sym
        return _Node(sym, ("sym", name))

    def apply(self, fname, t, shown=None) -> _Node:
        """A function applied to its argument: f(x), f(x, y), or LaTeX's unbracketed \\sin 2x = sin(2x).

        Without brackets the argument is the implicit product that follows, up to the next operator
        or function ('\\sin x \\cos x' is sin(x)·cos(x)); 'log_2 x' and '\\log_{10}(x)' take a base.
        f^{-1} is the inverse function (\\sin^{-1} x is arcsin x); f^2 x is (f x)^2."""
        shown = shown or fname
        base = None
        if self.is_op("_"):
            if fname != "log":
                raise AnswerError(f"{fname} takes no subscript (at position {t.pos})")
            self.advance()
            base = self.braced() if self.is_op("{") else self.primary()
        if self.is_op("^") and fname not in ("sqrt", "abs"):
            self.advance()
            exponent = self.braced() if self.is_op("{") else self.signed_primary()
            if exponent.value.is_number and exponent.value.is_negative:
                return self.inverse(fname, exponent, t)
            inner = self.apply_to(fname, base, t, shown)
            return _Node(self.safe_pow(inner.value, exponent.value), ("fpow", inner.shape, exponent.shape))
        return self.apply_to(fname, base, t, shown)

    def signed_primary(self) -> _Node:
        if self.is_op("-"):
            self.advance()
            inner = self.primary()
            return _Node(-inner.value, ("neg", inner.shape))
        return self.primary()

    def inverse(self, fname, exponent, t) -> _Node:
        if exponent.value != -1 or fname not in INVERSES:
            raise AnswerError(
                f"{fname}^{{{exponent.value}}} at position {t.pos} is ambiguous: write 1/{fname}(x) for the "
                f"reciprocal" + (f" or {INVERSES[fname]}(x) for the inverse function" if fname in INVERSES else "")
            )
        inverse = INVERSES[fname]
        self.notes.append(f"read {fname}^-1 as {inverse}, the inverse function (for 1/{fname} write ({fname} x)^-1)")
        return self.apply_to(inverse, None, t, inverse)

    def apply_to(self, fname, base, t, shown) -> _Node:
        func, arities = FUNCTIONS[fname]
        if self.is_op("("):
            self.advance()
            args = [self.expr()]
            while self.is_op(","):
                self.advance()
                args.append(self.expr())
            self.expect(")")
        elif self.starts_factor() or self.is_op("-"):
            args = [self.unbracketed_argument(single=fname in ("sqrt", "cbrt"))]
        else:
            raise AnswerError(f"{fname} needs an argument, e.g. {fname}(x) (at position {t.pos})")
        if len(args) not in arities:
            wanted = " or ".join(map(str, arities[:2])) + (" or more" if len(arities) > 2 else "")
            raise AnswerError(f"{fname} takes {wanted} argument(s), got {len(args)} (at position {t.pos})")
        values = [a.value for a in args]
        shapes = tuple(a.shape for a in args)
        if fname in LOGS and values[0] == 0:
            raise AnswerError("log(0) is undefined")
        if base is not None:
            if base.value.is_number and (base.value <= 0 or base.value == 1):
                raise AnswerError("a logarithm's base must be positive and not 1")
            return _Node(sp.log(values[0]) / sp.log(base.value), ("logb", base.shape, shapes[0]))
        if fname in ("root", "nthroot"):
            self.notes.append(f"read {fname}(x, n) as the n-th root of x")
        return _Node(func(*values), ("call", shown, shapes))

    def unbracketed_argument(self, single=False) -> _Node:
        negative = False
        if self.is_op("-"):
            self.advance()
            negative = True
        node = self.power()
        while not single and self.starts_factor() and not self.starts_function():
            right = self.implicit_factor()
            node = _Node(node.value * right.value, ("mul", node.shape, right.shape))
        return _Node(-node.value, ("neg", node.shape)) if negative else node


def _segmentations(word: str, pieces: set[str], argument_follows: bool, limit: int):
    """Ways to cut `word` into pieces, a function never last unless an argument follows the word."""

    def cut(start: int, taken: list[str]):
        if start == len(word):
            if taken[-1] not in FUNCTIONS or argument_follows:
                yield list(taken)
            return
        for end in range(len(word), start, -1):
            piece = word[start:end]
            if piece in pieces:
                yield from cut(end, [*taken, piece])

    found = 0
    for way in cut(0, []):
        yield way
        found += 1
        if found >= limit:
            return


def read_math(
    text: str,
    symbols: dict[str, sp.Symbol] | None = None,
    *,
    allow_new_symbols: bool | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Reading:
    """Parse an answer: its value (a sympy expression, or an :class:`Equation` for ``lhs = rhs``),
    its structure as typed, and notes on readings a student may not expect.

    ``symbols`` maps allowed names to sympy symbols (carrying their assumptions); other names
    are an error unless ``allow_new_symbols`` (default: only when no symbols are given).
    """
    if not isinstance(text, str):
        raise AnswerError("answer must be text")
    if not text.strip():
        raise AnswerError("empty answer")
    if len(text) > limits.max_length:
        raise UnsafeInput(f"answer is too long ({len(text)} characters; the limit is {limits.max_length})")
    symbols = dict(symbols or {})
    if allow_new_symbols is None:
        allow_new_symbols = not symbols
    normalized, notes = normalize_with_notes(text)
    tokens = tokens_of_normalized(normalized, limits)
    parser = _Parser(tokens, symbols, allow_new_symbols, limits)
    try:
        node = parser.parse()
    except RecursionError:
        raise UnsafeInput("expression is nested too deeply") from None
    except (TypeError, ZeroDivisionError, OverflowError) as exc:
        raise AnswerError(f"cannot read this answer: {exc}") from None
    return Reading(node.value, node.shape, tuple(notes + parser.notes))


def parse_math(text, symbols=None, *, allow_new_symbols=None, limits: Limits = DEFAULT_LIMITS):
    """The value of :func:`read_math` alone, for callers that never echo the answer."""
    return read_math(text, symbols, allow_new_symbols=allow_new_symbols, limits=limits).value
