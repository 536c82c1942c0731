"""Choice and diagnosis answers: option letters in, per-option feedback and partial credit out."""

from __future__ import annotations

import re

from .parse import AnswerError

MODES = ("all_or_nothing", "right_minus_wrong", "per_option")


def read_letters(text: str, letters: list[str], select: str) -> list[str]:
    if not isinstance(text, str) or len(text) > 200:
        raise AnswerError("answer with option letters, e.g. 'B' or 'A, C'")
    cleaned = re.sub(r"[\s,;/&+]|\band\b", " ", text.strip(), flags=re.I).upper()
    tokens = cleaned.split()
    if len(tokens) == 1 and len(tokens[0]) > 1 and tokens[0].isalpha():
        tokens = list(tokens[0])  # "AC"
    chosen = []
    for tok in tokens:
        tok = tok.strip("().")
        if tok not in letters:
            raise AnswerError(f"{tok!r} is not an option (options: {', '.join(letters)})")
        if tok not in chosen:
            chosen.append(tok)
    if not chosen:
        raise AnswerError("no option chosen")
    if select == "single" and len(chosen) > 1:
        raise AnswerError("choose exactly one option")
    return chosen


def score_fraction(chosen: set, correct: set, all_letters: list, mode: str) -> float:
    if mode == "all_or_nothing":
        return 1.0 if chosen == correct else 0.0
    if mode == "right_minus_wrong":
        right = len(chosen & correct)
        wrong = len(chosen - correct)
        return max(0.0, (right - wrong) / len(correct))
    if mode == "per_option":
        # Each right option earns 1/#right and each wrong pick costs 1/#wrong (Canvas's and Moodle's
        # rule): a lone wrong pick earns nothing, and ticking every option earns nothing.
        wrong_options = len(all_letters) - len(correct)
        earned = len(chosen & correct) / len(correct)
        lost = len(chosen - correct) / wrong_options if wrong_options else 0.0
        return max(0.0, earned - lost)
    raise ValueError(f"unknown partial-credit mode {mode!r}")
