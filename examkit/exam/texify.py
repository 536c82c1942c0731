"""Bank text (Markdown-ish prose with $math$) -> LaTeX: escape the prose, keep the math."""

from __future__ import annotations

import re

_MATH = re.compile(r"(\$\$.+?\$\$|\$.+?\$|\\\(.+?\\\)|\\\[.+?\\\])", re.S)
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "$": r"\$",
    "<": r"\ensuremath{<}",
    ">": r"\ensuremath{>}",
}
# Characters pdflatex cannot typeset in text mode, with math equivalents.
UNICODE_MATH = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ε": r"\epsilon",
    "θ": r"\theta",
    "λ": r"\lambda",
    "μ": r"\mu",
    "π": r"\pi",
    "σ": r"\sigma",
    "φ": r"\phi",
    "ω": r"\omega",
    "Σ": r"\Sigma",
    "≤": r"\le",
    "≥": r"\ge",
    "≈": r"\approx",
    "≠": r"\neq",
    "→": r"\to",
    "←": r"\leftarrow",
    "×": r"\times",
    "·": r"\cdot",
    "∞": r"\infty",
    "∈": r"\in",
    "√": r"\surd",
    "²": r"^2",
    "³": r"^3",
    "±": r"\pm",
    "∇": r"\nabla",
    "⊙": r"\odot",
    "‖": r"\|",
}
UNICODE_TEXT = {
    "−": "-",
    "–": "--",
    "—": "---",
    "’": "'",
    "‘": "`",
    "“": "``",
    "”": "''",
    "…": r"\ldots{}",
    "\u00a0": "~",
}


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch in UNICODE_MATH:
            out.append(r"\ensuremath{" + UNICODE_MATH[ch] + "}")
        elif ch in UNICODE_TEXT:
            out.append(UNICODE_TEXT[ch])
        else:
            out.append(ch)
    return "".join(out)


def _spans(text: str, pattern, inside, outside) -> str:
    """Apply `inside` to each match of `pattern` and `outside` to the text between matches."""
    pieces, last = [], 0
    for m in pattern.finditer(text):
        pieces.append(outside(text[last : m.start()]))
        pieces.append(inside(m))
        last = m.end()
    pieces.append(outside(text[last:]))
    return "".join(pieces)


def _bold(text: str) -> str:
    return _spans(text, _BOLD, lambda m: r"\textbf{" + _escape(m.group(1)) + "}", _escape)


def _prose(text: str) -> str:
    return _spans(text, _CODE, lambda m: r"\texttt{" + _escape(m.group(1)) + "}", _bold)


def _math(segment: str) -> str:
    for ch, cmd in {**UNICODE_MATH, "−": "-"}.items():
        segment = segment.replace(ch, cmd + (" " if cmd[-1].isalpha() else ""))
    return segment


def to_latex(text: str) -> str:
    """Prose escaped for LaTeX, `code` in typewriter, **bold**, $math$ and $$math$$ kept as math."""
    if not text:
        return ""
    return _spans(text, _MATH, lambda m: _math(m.group(0)), _prose)


def math_or_text(answer_latex: str, answer_text: str) -> str:
    """An answer for a key: typeset math when we have LaTeX for it, else escaped text."""
    return f"${answer_latex}$" if answer_latex else to_latex(answer_text)
