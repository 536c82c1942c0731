"""Lints for questions that give their answers away, run by `examkit validate` over many seeds.

- a stem, prompt or option that states another part's numeric answer (an option quoting the
  gradient magnitudes that parts (a) and (b) ask for);
- choice options whose length gives them away (the right one is the longest, by a margin, in
  most variants: test-wise students pick it without reading);
- math written as plain text (`D(G(z))`, `E[log D(x)]`, `p(x|z)`, `s^2`, `sigma`) outside `$...$`
  or backticks, which prints in the text font instead of being typeset.

They are warnings, not errors: a coincidence is possible, so each needs most seeds to agree.
"""

from __future__ import annotations

import re

from ..markup.numbers import format_number

MOST = 0.6  # share of seeds that must show the leak before it is reported
LONGER = 1.2  # the right option this much longer than every wrong one counts as a give-away


def _numbers_of(value: float, short: bool = False) -> set[str]:
    """How a key may appear when written out, at 1 to 4 significant figures. Numbers so short
    they occur everywhere are left out: whole numbers below 100 (below 10 with `short`) and,
    unless `short`, one-figure decimals."""
    found = set()
    for figures in (1, 2, 3, 4):
        text = format_number(value, figures)
        digits = text.replace("-", "").replace(".", "").lstrip("0")
        if text.lstrip("-").isdigit():
            if abs(value) >= (10 if short else 100) and float(text) == value:
                found.add(text)
        elif len(digits) >= (1 if short else 2):
            found.add(text)
    return found


def _mentions(text: str, written: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(written)}(?![\d])", text) is not None


def answer_leaks(variant) -> set[str]:
    """Part ids whose numeric answer is printed elsewhere in this variant: in a choice option
    (any decimal), or in the stem or another prompt (numbers of two or more figures; a stem may
    give a parameter that is also a one-figure answer)."""
    leaks = set()
    options = "\n".join(o.text for p in variant.parts for o in p.options)
    for part in variant.parts:
        if part.response != "number" or part.answer is None:
            continue
        prose = "\n".join([variant.stem] + [p.prompt for p in variant.parts if p is not part])
        value = float(part.answer)
        if any(_mentions(options, w) for w in _numbers_of(value, short=True)) or any(
            _mentions(prose, w) for w in _numbers_of(value)
        ):
            leaks.add(part.id)
    return leaks


_TYPESET = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", re.S)
_PLAIN_MATH = re.compile(
    r"(?<![\w\\])(?:[A-Za-z](?:_\w+)?\((?:[^()]|\([^()]*\))*\)"  # D(x), D(G(z)), p(x|z), N(0, I)
    r"|E\[|log\s*\(|(?:sigma|mu|epsilon|theta|phi|lambda)\b|\w\^\w)"  # E[..], log(..), Greek, s^2
)


def plain_math(variant) -> list[tuple[str, str]]:
    """(where, snippet) for math a student sees in the text font: in the stem, solution, hints,
    prompts, options, feedback, misconception notes and rubric criteria."""
    texts = [("stem", variant.stem), ("solution", variant.solution)] + [("hint", h) for h in variant.hints]
    for part in variant.parts:
        texts += [(f"part {part.id}", text) for text in (part.prompt, part.solution, *part.hints)]
        texts += [(f"part {part.id} option", o.text) for o in part.options]
        texts += [(f"part {part.id} feedback", o.feedback) for o in part.options]
        texts += [(f"part {part.id} feedback", m.feedback) for m in part.misconceptions]
        texts += [(f"part {part.id} rubric", r.get("criterion", "")) for r in part.rubric if isinstance(r, dict)]
    return [(where, m.group()) for where, text in texts for m in _PLAIN_MATH.finditer(_TYPESET.sub(" ", text or ""))]


def longest_is_right(part) -> bool:
    """The right options are all longer, by the margin, than every wrong one."""
    right = [len(o.text) for o in part.options if o.correct]
    wrong = [len(o.text) for o in part.options if not o.correct]
    return bool(right and len(wrong) >= 2) and min(right) > LONGER * max(wrong)


def lint(template, variants) -> list[tuple[str, tuple]]:
    """(message, YAML path) for each give-away most of the variants share."""
    if not variants:
        return []
    found = []
    leaked = [answer_leaks(v) for v in variants]
    for index, spec in enumerate(template.data["parts"]):
        share = sum(spec["id"] in hit for hit in leaked) / len(variants)
        if share >= MOST:
            found.append((f"part {spec['id']}: its answer is printed in the stem, another prompt or an option "
                          f"({share:.0%} of seeds)", ("parts", index)))  # fmt: skip
        parts = [v.parts[index] for v in variants if index < len(v.parts) and v.parts[index].options]
        if parts:
            share = sum(map(longest_is_right, parts)) / len(parts)
            if share >= MOST:
                found.append((f"part {spec['id']}: the right option is the longest in {share:.0%} of seeds; "
                              "make the wrong ones as specific", ("parts", index)))  # fmt: skip
    untypeset = sorted({hit for variant in variants for hit in plain_math(variant)})
    for where, snippet in untypeset:
        found.append((f"{where}: math {snippet!r} is plain text; write it as ${snippet}$ (or `code`)", ()))
    return found
