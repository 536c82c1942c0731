"""Text as students paste and type it -> the plain ASCII/LaTeX the tokenizer reads.

What is folded here is what no reading can depend on: invisible characters pasted from a PDF,
non-breaking and thin spaces, the many Unicode minus signs, Greek and other letters by name,
superscripts, vulgar fractions. Two readings of digits are also settled here, before tokens
exist, and each is said back to the student (`notes`): thousands separators in three-digit groups
(1,584,656 and 1 584 656) and mixed numbers (1 2/3, 1½, 1\\frac{2}{3}), written out as a sum.
"""

from __future__ import annotations

import re
import unicodedata

from .vocabulary import GREEK

UNICODE_LETTERS = {"ℓ": "ell", "ϵ": "epsilon", "ϑ": "theta", "ϕ": "phi", "ϱ": "rho", "ς": "sigma", "µ": "mu", "π": "pi"}
UNICODE_OPERATORS = {
    "−": "-", "–": "-", "‐": "-", "‑": "-", "‒": "-", "—": "-", "﹣": "-", "－": "-",
    "⁄": "/", "∕": "/", "·": "*", "⋅": "*", "∙": "*", "×": "*", "∗": "*", "÷": "/",
    "√": " sqrt ", "∛": " cbrt ", "⌊": "\\lfloor ", "⌋": "\\rfloor ", "⌈": "\\lceil ", "⌉": "\\rceil ",
}  # fmt: skip
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))  # zero-width, soft hyphen
SPACES = dict.fromkeys(map(ord, "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                             "\u202f\u205f\u3000\t\r\n"), " ")  # fmt: skip
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿ", "0123456789+-()n"))
SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789"))
VULGAR = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅐⅛⅜⅝⅞⅑⅒"

# Not a digit group when glued to a name, a decimal point, an exponent or a subscript.
_BEFORE = r"(?<![\w.^_{}\)\]!])"
# 1,584,656 / 1 584 656 / 1\,584\,656 / 1{,}584: one separator, three digits after each
_GROUPED = re.compile(_BEFORE + r"([1-9]\d{0,2})((?:(,|\\,|\{,\}| )\d{3})(?:\3\d{3})*)(\.\d+)?(?![\d/])")
_MIXED_PLAIN = re.compile(_BEFORE + r"(\d+) +(\d+)/(\d+)(?![\w.(^\d])")
_MIXED_LATEX = re.compile(
    _BEFORE + r"(\d+)\s*(?:\\[ ,;:!>]\s*|\\quad\s*)*\\[dt]?frac\s*(?:\{\s*(\d+)\s*\}|(\d))\s*(?:\{\s*(\d+)\s*\}|(\d))"
)
_MIXED_UNICODE = re.compile(r"(?<![\w.^_])(\d+) ?([" + VULGAR + "])")


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


def fold_unicode(text: str) -> str:
    """Greek and other letters by name, operators, runs of superscripts as ^(...), subscript digits
    as _digits, invisible characters dropped and odd spaces made plain; anything else NFKC-folded
    (fullwidth digits, mathematical italic letters)."""
    text = text.translate(INVISIBLE).translate(SPACES)
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
        elif ch in VULGAR:
            out.append("(" + unicodedata.normalize("NFKC", ch).replace("⁄", "/") + ")")  # ½ is (1/2)
        elif not ch.isascii():
            out.append("".join(UNICODE_OPERATORS.get(c, c) for c in unicodedata.normalize("NFKC", ch)))
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _mixed(whole: str, num: str, den: str) -> str | None:
    return f"({whole}+{num}/{den})" if 0 < int(num) < int(den) else None


def normalize_with_notes(text: str) -> tuple[str, list[str]]:
    """The text the tokenizer reads, and a note for each reading of digits it settled: mixed
    numbers written out as sums, thousands separators dropped."""
    notes = []

    def mixed_unicode(m):
        whole, frac = m.group(1), m.group(2)
        fraction = unicodedata.normalize("NFKC", frac).replace("⁄", "/")
        notes.append(f"read {whole}{frac} as the mixed number {whole} + {fraction}")
        return f"({whole}+{fraction})"

    def mixed_plain(m):
        written = _mixed(*m.groups())
        if written:
            notes.append(f"read {m.group(0).strip()} as the mixed number {m.group(1)} + {m.group(2)}/{m.group(3)}")
        return written or m.group(0)

    def mixed_latex(m):
        whole, num, den = m.group(1), m.group(2) or m.group(3), m.group(4) or m.group(5)
        written = _mixed(whole, num, den)
        if written:
            notes.append(f"read {whole} {num}/{den} as the mixed number {whole} + {num}/{den}")
        return written or m.group(0)

    def grouped(m):
        digits = m.group(1) + re.sub(r"\D", "", m.group(2)) + (m.group(4) or "")
        notes.append(f"read {m.group(0)} as {digits} (thousands separators)")
        return digits

    text = fold_unicode(_MIXED_UNICODE.sub(mixed_unicode, text))
    text = _MIXED_LATEX.sub(mixed_latex, text)
    text = _GROUPED.sub(grouped, text)
    text = _MIXED_PLAIN.sub(mixed_plain, text)
    return text, notes


def normalize(text: str) -> str:
    """The text the tokenizer reads (the same function for every caller, so positions agree)."""
    return normalize_with_notes(text)[0]
