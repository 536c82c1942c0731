"""Values as a student reads them in plain text (the terminal drill, the mock report in the
terminal): the expected answer of a part."""

from __future__ import annotations

from ..markup import to_terminal
from ..markup.unicode import math_to_unicode
from ..parts.printed import key_text


def expected_text(part) -> str:
    """The key as typed back: a number with its unit, option letters, a formula in Unicode."""
    if part.response == "number":
        return key_text(part) + (f" {part.unit}" if part.unit else "")
    if part.options:
        return key_text(part)
    if part.answer_latex:
        return math_to_unicode(part.answer_latex)
    return to_terminal(part.answer_text)
