"""LaTeX escaping for bank text: prose characters pdflatex would misread, and Unicode in math."""

from __future__ import annotations

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\textasciitilde{}",  # \~{} is an accent over nothing: a raised, small tilde
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


def escape_specials(text: str) -> str:
    """Only TeX's special characters escaped: for names, which LuaLaTeX sets as Unicode text."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def escape_latex(text: str) -> str:
    """Prose for pdflatex: special characters escaped, Unicode symbols as math."""
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


def latex_math(segment: str) -> str:
    """Math as written in the bank, with Unicode symbols replaced by their commands."""
    for ch, cmd in {**UNICODE_MATH, "−": "-"}.items():
        segment = segment.replace(ch, cmd + (" " if cmd[-1].isalpha() else ""))
    return segment


def math_or_text(answer_latex: str, answer_text: str) -> str:
    """An answer for a key: typeset math when we have LaTeX for it, else escaped text."""
    return f"${answer_latex}$" if answer_latex else escape_latex(answer_text)
