"""`examkit practice sheet`: a self-contained HTML page of fresh variants (MathML, figures inline,
no scripts, no network) with each answer and worked solution folded under its question.

It reuses the exam preview's page, so a sheet looks like the exam the students will sit."""

from __future__ import annotations

import random
from pathlib import Path

from ..exam.preview import question_view, render_page
from .schedule import question_ref, select_templates


def build_sheet(bank, out, topic=None, objective=None, count: int = 10, seed: int = 0, questions=None) -> dict:
    """Draw `count` distinct templates (or the given qid / qid@seed list) and write the page."""
    page, listed = sheet_page(bank, topic, objective, count, seed, questions)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return {"out": str(out), "seed": seed, "questions": listed}


def sheet_page(bank, topic=None, objective=None, count: int = 10, seed: int = 0, questions=None):
    """The sheet's HTML and the (qid, seed) of each question on it: the CLI writes it to a file,
    the practice app serves it."""
    rng = random.Random(seed)
    if questions:
        chosen = []
        for qid, variant_seed in map(question_ref, questions):
            chosen.append((bank.get(qid), variant_seed if variant_seed is not None else rng.randrange(1_000_000)))
    else:
        templates = select_templates(bank, topic, objective)
        picked = sorted(rng.sample(templates, min(count, len(templates))), key=lambda t: t.topic)
        chosen = [(t, rng.randrange(1_000_000)) for t in picked]
    views, listed = [], []
    for number, (template, variant_seed) in enumerate(chosen, 1):
        variant = template.variant(variant_seed)
        section = bank.topic_titles.get(template.topic, template.topic)
        views.append(question_view(number, section, template.id, variant_seed, variant))
        listed.append({"qid": template.id, "seed": variant_seed})
    scope = (
        ", ".join(x for x in (topic and f"topic {topic}", objective and f"objective {objective}") if x) or "whole unit"
    )
    subtitle = (
        f"Practice sheet · {scope} · sheet seed {seed} · each question's id and seed reproduce it "
        f"(examkit bank show ID --seed N)"
    )
    return render_page("Generative models: practice", subtitle, views, show_answers=True, printable=True), listed
