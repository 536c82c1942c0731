"""Self-contained HTML (math as MathML via latex2mathml; no scripts, no network) for previews
and practice sheets."""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def math_to_mathml(latex: str, display: bool = False) -> str:
    try:
        return convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many types on unsupported input; show the source instead
        return f'<code class="tex">{html.escape(latex)}</code>'


def _prose(text: str) -> str:
    text = html.escape(text, quote=False)
    text = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", text)
    text = _BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>", text)
    return text.replace("\n\n", "<br><br>")


def to_html(text: str) -> str:
    """Prose escaped, `code`, **bold**, and $math$ / $$math$$ as MathML."""
    if not text:
        return ""
    out, last = [], 0
    for m in _MATH.finditer(text):
        out.append(_prose(text[last : m.start()]))
        out.append(math_to_mathml(m.group(1) if m.group(1) is not None else m.group(2), m.group(1) is not None))
        last = m.end()
    out.append(_prose(text[last:]))
    return "".join(out)
