"""What a lab batch hands out: each submission's results.json and feedback page, grades.csv,
canvas.csv (through `examkit/gradebook.py`) and review.csv, the submissions a person should see."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .. import gradebook
from ..gradebook import Entry


def write_outputs(folder: Path, results: dict, feedback: str | None = None) -> None:
    folder.mkdir(exist_ok=True)
    if feedback is not None:
        (folder / "feedback.html").write_text(feedback)
    (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")


def write_grades_csv(path: Path, checks, max_score: float, graded) -> None:
    """grades.csv: one row per submission, a column per check."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", "student", "file", "score", "max_score"] + [c.name for c in checks])
        for s, results in graded:
            row = [s.name, s.student, str(s.path), results["score"], max_score]
            writer.writerow(row + [t["score"] for t in results["tests"]])


def write_canvas_csv(path: Path, title: str, max_score: float, graded) -> None:
    """canvas.csv for the graded submissions (`examkit/gradebook.py` writes it)."""
    entries = [Entry(s.student, s.canvas_id, s.sis_id, s.login, score=results["score"]) for s, results in graded]
    gradebook.write_canvas_csv(path, title, max_score, entries)


def write_review(path: Path, graded) -> list[str]:
    """Submissions a person should look at: zero scores, time-outs, and what could not be graded."""
    rows = []
    for s, results in graded:
        outputs = " ".join(t["output"] for t in results["tests"])
        reasons = [why for why, hit in (
            ("score 0", results["score"] == 0),
            ("timed out", "timed out" in outputs),
            ("not graded", "not graded" in outputs or "grading failed" in results.get("output", "")),
        ) if hit]  # fmt: skip
        if reasons:
            rows.append([s.name, s.student, str(s.path), "; ".join(reasons), results.get("output", "")[:300]])
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", "student", "file", "why", "notes"])
        writer.writerows(rows)
    return [r[0] for r in rows]
