"""The bank serves the whole study guide: every checklist item, exam question part, Q&A and formula."""

import re
from pathlib import Path

import pytest

from examkit.api import coverage
from examkit.bank.loader import load_syllabus

SEED = Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "000_c3f381a6189a4d14.txt"


def test_every_syllabus_entry_has_a_template():
    cov = coverage()
    missing = [k for group in cov.values() for k, ids in group.items() if not ids]
    assert not missing, f"not covered: {missing}"


def test_syllabus_lists_all_exam_parts_qa_and_checklist():
    syllabus = load_syllabus()
    items = set(syllabus["items"])
    exam_parts = {"1": "abc", "2": "abc", "3": "abc", "4": "ab", "5": "abc", "6": "ab"}
    for q, parts in exam_parts.items():
        for p in parts:
            assert f"exam{q}{p}" in items
    assert {f"qa{i}" for i in range(1, 6)} <= items
    assert len(syllabus["objectives"]) == 8
    formulas = {k for k in items if k.startswith("formula_")}
    assert {
        "formula_ae_loss",
        "formula_elbo",
        "formula_gaussian_kl",
        "formula_gan_minimax",
        "formula_optimal_d",
        "formula_ns_loss",
    } <= formulas


def test_checklist_matches_the_study_guide():
    """If the guide is present, its checklist bullets map one-to-one onto the syllabus objectives."""
    if not SEED.exists():
        pytest.skip(f"study guide not found at {SEED}")
    text = SEED.read_text()
    checklist = text.split("## 1. Exam Checklist")[1].split("---")[0]
    bullets = re.findall(r"^- (.+)$", checklist, re.M)
    assert len(bullets) == len(load_syllabus()["objectives"])
    exam = text.split("## 11. Exam-Style Questions")[1]
    numbered = re.findall(r"^(\d)\. \*\*", exam, re.M)
    assert numbered == ["1", "2", "3", "4", "5", "6"]


def test_every_type_is_used_and_each_objective_has_several_templates(bank):
    types = {t for template in bank for t in template.part_types}
    assert types == {"numeric", "expression", "derivation", "choice", "diagnosis", "short"}
    cov = coverage()
    assert all(len(ids) >= 3 for ids in cov["objectives"].values())
