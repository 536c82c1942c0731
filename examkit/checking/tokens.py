"""Tokens of a typed math answer, under size limits: the first line of defence against hostile input.

A whitelist of characters and commands; every count and size the parser may meet is bounded
here (length, tokens, literal digits, exponents) before any sympy object is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from .errors import AnswerError, UnsafeInput
from .normalize import normalize
from .vocabulary import BARS, BRACKETS


@dataclass(frozen=True)
class Limits:
    max_length: int = 2000
    max_tokens: int = 500
    max_depth: int = 60
    max_exponent: int = 256  # |numeric exponent| allowed in a power
    max_result_digits: int = 4000  # digits a constant power may produce
    max_literal_digits: int = 40


DEFAULT_LIMITS = Limits()


# 'the optimal D' written D^*, D^{*}, D^\ast, D^(∗) or D* before '=': a label on the name, not a power
STARRED = re.compile(r"([A-Za-z](?:_\w+)?)\s*\^\s*(?:\{\s*(?:\*|\\ast)\s*\}|\(\s*\*\s*\)|\*|\\ast\b)")
STARRED_BEFORE_END = re.compile(r"\b([A-Za-z](?:_\w+)?)\s*\*(?=\s*(?:=|\)|,|$))")
# A decimal number, then an optional exponent: matched greedily, so '0.5x' is 0.5 times x and
# '1.5e-3x' is 0.0015 times x; a second '.' right after a number ('0.64.2') is refused.
NUMBER = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
COMMAND = re.compile(r"\\([A-Za-z]+|.)")


@dataclass
class Token:
    kind: str  # num, name, op, cmd, end
    text: str
    pos: int
    value: object = None


def tokenize(text: str, limits: Limits = DEFAULT_LIMITS) -> list[Token]:
    """Tokens of the text as typed (normalized first); positions refer to the normalized text."""
    if len(text) > limits.max_length:
        raise UnsafeInput(f"answer is too long ({len(text)} characters; the limit is {limits.max_length})")
    return tokens_of_normalized(normalize(text), limits)


def tokens_of_normalized(text: str, limits: Limits) -> list[Token]:
    """Tokens of text already normalized."""
    text = STARRED_BEFORE_END.sub(r"\1", STARRED.sub(r"\1", text.replace("⋆", "*")))
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
            m = NUMBER.match(text, i)
            mantissa, exponent = m.group(1), m.group(2)
            if (
                m.end() < n
                and text[m.end()] == "."
                or (m.end() + 1 < n and text[m.end()] in "eE" and text[m.end() + 1] == ".")
            ):
                raise AnswerError(f"malformed number at position {i}: {text[i : m.end() + 2]!r}")
            if len(mantissa.replace(".", "")) > limits.max_literal_digits:
                raise UnsafeInput(
                    f"too large: the number at position {i} has more than {limits.max_literal_digits} digits"
                )
            if exponent is not None and abs(int(exponent)) > 300:
                raise UnsafeInput(f"too large: the number at position {i} has an exponent beyond ±300")
            value = sp.Rational(mantissa) * (sp.Integer(10) ** int(exponent) if exponent else 1)
            tokens.append(Token("num", m.group(0), i, value))
            i = m.end()
            continue
        if ch.isalpha() and ch.isascii():
            m = WORD.match(text, i)
            tokens.append(Token("name", m.group(0), i))
            i = m.end()
            continue
        if ch == "\\":
            m = COMMAND.match(text, i)
            if not m:
                raise AnswerError(f"lone backslash at position {i}")
            cmd = m.group(1)
            if cmd in BARS:
                tokens.append(Token("op", "|", i))
            elif BRACKETS.get(cmd) in ("[", "]"):
                tokens.append(Token("op", BRACKETS[cmd], i))
            else:
                tokens.append(Token("cmd", BRACKETS.get(cmd, cmd), i))
            i = m.end()
            if cmd == "hspace":  # \hspace{1em}: spacing with an argument
                close = text.find("}", i)
                i = close + 1 if text[i : i + 1] == "{" and close > 0 else i
                tokens[-1] = Token("cmd", ",", tokens[-1].pos)
            continue
        if text.startswith("**", i):
            tokens.append(Token("op", "^", i))
            i += 2
            continue
        if ch in "+-*/^()[]{}=,_|!":
            tokens.append(Token("op", ch, i))
            i += 1
            continue
        raise AnswerError(f"unexpected character {ch!r} (U+{ord(ch):04X}) at position {i}")
    if len(tokens) > limits.max_tokens:
        raise UnsafeInput(f"answer is too long ({len(tokens)} tokens; the limit is {limits.max_tokens})")
    tokens.append(Token("end", "", len(text)))
    return tokens
