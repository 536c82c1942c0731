"""What `exam grade` hands out: grades.csv (one row per student, absent ones included) and each
student's feedback file."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from .mark import UNMARKED, printed
from .names import safe_file_name


def write_grades(out: Path, versions, marks, totals):
    """One row per student, absent ones included (status `absent`, no total); one column per
    question number (versions may differ in parts)."""
    per_question = defaultdict(float)
    for m in marks:
        per_question[(m.student_id, m.number)] += m.score
    to_mark = defaultdict(list)
    for m in marks:
        if m.status == UNMARKED:
            to_mark[m.student_id].append(printed(m.number, m.label))
    to_review = {m.student_id for m in marks if m.status == "review"}
    count = max(len(v["questions"]) for v in versions.values())
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "name", "version", "total", "max"] + [f"Q{i}" for i in range(1, count + 1)]
                        + ["status"])  # fmt: skip
        for sid, version in versions.items():
            if sid not in totals:
                writer.writerow(
                    [sid, version["name"], version["code"], "", version["points"]] + [""] * count + ["absent"]
                )
                continue
            row = [sid, version["name"], version["code"], round(totals[sid], 4), version["points"]]
            status = "graded"
            if sid in to_review:
                status = "incomplete: scanned marks to check (see feedback)"
            elif sid in to_mark:
                status = f"not yet marked: {', '.join(to_mark[sid])} (marking.csv); total so far"
            writer.writerow(row + [round(per_question[(sid, i)], 4) for i in range(1, count + 1)] + [status])


def write_feedback(folder: Path, versions, marks):
    folder.mkdir(exist_ok=True)
    by_student = defaultdict(list)
    for m in marks:
        by_student[m.student_id].append(m)
    for sid, student_marks in by_student.items():
        version = versions[sid]
        lines = [f"{version['name'] or sid} (version {version['code']})", ""]
        for m in student_marks:
            name = printed(m.number, m.label)
            if m.status == UNMARKED:
                lines.append(f"{name}: -/{m.max_score:g} {m.message}")
                continue
            said = m.message if m.message.startswith(m.status) else f"{m.status}: {m.message}"  # once, not twice
            lines.append(f"{name}: {m.score:g}/{m.max_score:g} {said}")
            lines.extend(f"    {f}" for f in m.feedback if f not in m.message)
        total = sum(m.score for m in student_marks)
        lines += ["", f"Total: {total:g} / {version['points']:g}"]
        unmarked = sum(m.status == UNMARKED for m in student_marks)
        if unmarked:
            lines.append(f"({unmarked} part(s) not yet marked: the total is what is marked so far)")
        (folder / f"{safe_file_name(sid)}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
