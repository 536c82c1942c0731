"""Math as MathML (via latex2mathml; no scripts, no network), for previews, practice sheets and
feedback pages."""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

# latex2mathml writes \log x as <mi>log</mi><mi>x</mi>, which browsers set as "logx"; TeX sets an
# operator name apart by thin spaces, and so do we.
_OPERATOR_NAME = re.compile(r"<mi>(log|ln|exp|sin|cos|tan|tanh|sigmoid|max|min|arg|det|dim|lim|Pr)</mi>")
_THIN = '<mspace width="0.1667em"></mspace>'


def math_to_mathml(latex: str, display: bool = False) -> str:
    try:
        mathml = convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many types on unsupported input; show the source instead
        return f'<code class="tex">{html.escape(latex)}</code>'
    return _OPERATOR_NAME.sub(lambda m: f"{_THIN}<mi>{m.group(1)}</mi><mo>&#x2061;</mo>{_THIN}", mathml)
