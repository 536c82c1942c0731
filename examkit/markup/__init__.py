"""Bank text markup, read once and rendered per surface.

Stems, prompts, options, feedback, hints and solutions are prose with `code`, **bold**, inline math
($...$ or \\(...\\)) and display math ($$...$$ or \\[...\\]). `spans` is the only reader of that
markup; each surface renders the spans with its own escaping:

- `to_latex`: exams, solutions and keys (prose escaped for pdflatex, math kept);
- `to_html`: previews, practice sheets, feedback pages (prose HTML-escaped, math as MathML);
- `to_moodle`: Moodle XML and QTI (prose HTML-escaped, math in MathJax's \\( \\) and \\[ \\]);
- `to_terminal`: the drill and the CLI (Unicode math, no markup characters).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .latex import escape_latex, latex_math
from .mathml import math_to_mathml
from .unicode import math_to_unicode

_SPAN = re.compile(
    r"\$\$(?P<display>.+?)\$\$|\\\[(?P<display2>.+?)\\\]|\$(?P<math>.+?)\$|\\\((?P<math2>.+?)\\\)"
    r"|`(?P<code>[^`]+)`|\*\*(?P<bold>.+?)\*\*",
    re.S,
)


@dataclass(frozen=True)
class Span:
    kind: str  # "text", "code", "bold", "math", "display"
    body: str


def spans(text: str) -> list[Span]:
    """The pieces of a bank text, in order."""
    found, last = [], 0
    for m in _SPAN.finditer(text or ""):
        if m.start() > last:
            found.append(Span("text", text[last : m.start()]))
        kind = next(k for k, v in m.groupdict().items() if v is not None)
        found.append(Span(kind.rstrip("2"), m.group(kind)))
        last = m.end()
    if text and last < len(text):
        found.append(Span("text", text[last:]))
    return found


def _render(text: str, rules: dict) -> str:
    return "".join(rules[span.kind](span.body) for span in spans(text))


# --- LaTeX -----------------------------------------------------------------------------------
_LATEX = {
    "text": escape_latex,
    "code": lambda body: r"\texttt{" + escape_latex(body) + "}",
    "bold": lambda body: r"\textbf{" + escape_latex(body) + "}",
    "math": lambda body: "$" + latex_math(body) + "$",
    "display": lambda body: r"\[" + latex_math(body) + r"\]",
}


def to_latex(text: str) -> str:
    return _render(text, _LATEX)


# --- HTML with MathML --------------------------------------------------------------------------
def _html_prose(body: str) -> str:
    return html.escape(body, quote=False).replace("\n\n", "<br><br>")


_HTML = {
    "text": _html_prose,
    "code": lambda body: f"<code>{html.escape(body, quote=False)}</code>",
    "bold": lambda body: f"<strong>{html.escape(body, quote=False)}</strong>",
    "math": lambda body: math_to_mathml(body),
    "display": lambda body: math_to_mathml(body, display=True),
}


def to_html(text: str) -> str:
    return _render(text, _HTML)


# --- Moodle / QTI HTML with MathJax delimiters -------------------------------------------------
_MOODLE = {
    **_HTML,
    "math": lambda body: r"\(" + html.escape(body, quote=False) + r"\)",
    "display": lambda body: r"\[" + html.escape(body, quote=False) + r"\]",
}


def to_moodle(text: str) -> str:
    return _render(text, _MOODLE)


# --- terminal -----------------------------------------------------------------------------------
_TERMINAL = {
    "text": lambda body: body,
    "code": lambda body: body,
    "bold": lambda body: body,
    "math": math_to_unicode,
    "display": lambda body: "\n    " + math_to_unicode(body) + "\n",
}


def to_terminal(text: str) -> str:
    return _render(text, _TERMINAL)
