"""Worked solutions and feedback, over the whole bank: every part has a worked solution (whose final
value `validate` types back for every seed: `bank/keys.py`); every option's feedback says why in
its own words; no numeric key is printed in the stem unless the allow-list says why."""

import re
from collections import Counter

import pytest

from examkit.bank.lint import MOST, answer_leaks
from examkit.bank.loader import load_bank

SEEDS = range(6)
BANK = load_bank()
TEMPLATES = sorted(BANK, key=lambda t: t.id)

# (question, part) whose key the stem prints on purpose, each with its reason (also in the YAML).
KEY_IN_STEM = {}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_every_part_has_a_worked_solution(template):
    """Short answers show their model answer; every other part (diagnosis included) a solution."""
    for part in template.data["parts"]:
        text = part.get("model_answer") if part["type"] == "short" else part.get("solution")
        assert text and text.strip(), f"{template.id}/{part['id']} has no worked solution"


CITATION = re.compile(r"\b(section \d|exam q\d|rapid q&a|q&a \d|the guide|recipe\b)", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_option_feedback_says_why_in_its_own_words(template):
    """No bare citation ('Exam Q6(a).'), no two-word label ('WGAN-GP.'): at least six words that
    explain, and no pointer to the study guide in place of the reason."""
    for seed in SEEDS:
        variant = template.variant(seed)
        for part in variant.parts:
            for option in part.options:
                words = re.findall(r"[\w$\\']+", option.feedback)
                assert len(words) >= 6, f"{template.id}/{part.id}: terse feedback {option.feedback!r}"
                assert not CITATION.search(option.feedback), f"{template.id}/{part.id}: cites {option.feedback!r}"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_no_key_is_printed_in_the_question_unless_allowed(template):
    """As `validate`'s lint counts it (most of 30 seeds, so that a coincidence is not a leak), but
    failing: a key printed in the stem, a prompt or an option is allowed only with its reason."""
    seeds = range(30)
    counts = Counter(p for seed in seeds for p in answer_leaks(template.variant(seed)))
    leaks = {p for p, n in counts.items() if n >= MOST * len(seeds) and (template.id, p) not in KEY_IN_STEM}
    assert not leaks, f"{template.id}: the key of part(s) {sorted(leaks)} is printed in the question"
