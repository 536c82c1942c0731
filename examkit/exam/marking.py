"""marking.csv: the marker's sheet of every part a person marks (written parts, and formulas and
derivations answered on paper), one row per rubric item, and the filled sheet read back."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

from ..bank.points import split_points
from .answers import (
    AnswersError,
    cell_where,
    listing,
    not_a_student,
    part_key,
    part_names,
    question_number,
    read_rows,
    student_lookup,
)
from .mark import UNMARKED
from .rebuild import variant_from_manifest

MARKED_BY_HAND = "marked by hand (marking.csv)"


MARKING_HEADER = ["student_id", "name", "version", "question", "part", "item", "criterion", "max_points", "answer",
                  "key", "marker_score", "marker_note"]  # fmt: skip


def rubric_items(part, points: float) -> list[tuple[str, float]]:
    """(criterion, points) of a written part's rubric, adding up to the part's value on this exam
    (a section may rescale a question's points: `bank/points.py`)."""
    if not part.rubric:
        return [("the whole answer", points)]
    shares = split_points([r["points"] for r in part.rubric], points)
    return [(r["criterion"], share) for r, share in zip(part.rubric, shares)]


def _key_text(part) -> str:
    """What the marker compares with: the model answer, or a derivation's start and model steps."""
    if part.response == "steps":
        return "\n".join([f"start: {part.start}", *part.steps])
    return str(part.answer_text)


def write_marking_sheet(path: Path, versions, marks, bank, given=None, notes=None) -> Path | None:
    """marking.csv: one row per rubric item (a part without a rubric: one item, the whole answer)
    of every part a person marks, for every student who sat the exam: written parts, formulas and
    derivations answered on paper. The marker fills `marker_score` (points for that item) and
    maybe `marker_note`; the scores given so far (`given`) and notes are written back, so a rerun
    keeps them. Parts scored on a scanned sheet's score row are not listed (their score is there)."""
    given, notes = given or {}, notes or {}
    written = [m for m in marks if m.status == UNMARKED or m.message == MARKED_BY_HAND]
    if not written:
        path.unlink(missing_ok=True)
        return None
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(MARKING_HEADER)
        for m in written:
            version = versions[m.student_id]
            q = next(q for q in version["questions"] if q["number"] == m.number)
            part = variant_from_manifest(q, bank).part(m.part)
            entry = next(e for e in q["parts"] if e["id"] == m.part)
            where = (m.student_id, m.number, m.part)
            done = given.get(where, {})
            for i, (criterion, most) in enumerate(rubric_items(part, entry["points"]), start=1):
                first = i == 1
                writer.writerow([m.student_id, version.get("name", ""), version["code"], m.number, m.label or m.part,
                                 i, criterion, f"{most:g}", m.answer if first else "",
                                 _key_text(part) if first else "", f"{done[i]:g}" if i in done else "",
                                 notes.get((where, i), "")])  # fmt: skip
    return path


def read_marks(path, versions, bank, notes=None) -> dict:
    """(student id, question number, part id) -> {item: points}, from a filled marking.csv
    (`marker_score`; `points` in sheets of earlier versions); `notes` gets each row's marker_note.
    Every problem (unknown student, part or item, a score out of range or not a number, a part
    half filled) is refused with its line and column; a blank score means not marked yet."""
    rows = read_rows(path, "marks")
    header = [h.strip().lower() for h in rows[0]]
    score_name = "marker_score" if "marker_score" in header else "points"
    need = ["student_id", "question", "part", "item", score_name]
    if any(col not in header for col in need):
        raise AnswersError(f"{path}:1: the marks file needs the columns student_id, question, part, item, "
                           "marker_score (as marking.csv has)")  # fmt: skip
    col = {name: header.index(name) for name in need}
    col["points"] = col[score_name]
    note_col = header.index("marker_note") if "marker_note" in header else None
    notes = {} if notes is None else notes
    student_of = student_lookup(versions)
    items, errors, seen = defaultdict(dict), [], {}
    blanks = defaultdict(list)
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(header) - len(row))
        given_id = row[col["student_id"]].strip()
        sid = student_of(given_id)
        if sid is None:
            errors.append(not_a_student(path, line, given_id))
            continue
        try:
            number = question_number(row[col["question"]], f"{path}:{line}")
        except AnswersError as exc:
            errors.append(str(exc))
            continue
        q = next((q for q in versions[sid]["questions"] if q["number"] == number), None)
        if q is None:
            errors.append(f"{path}:{line}: {sid}'s exam has no question {number}")
            continue
        pid = part_names(q).get(part_key(row[col["part"]]))
        entry = next((e for e in q["parts"] if e["id"] == pid), None)
        part = variant_from_manifest(q, bank).part(pid) if entry else None
        if part is None or part.response in ("number", "options"):
            errors.append(f"{path}:{line}: {sid} Q{number} has no part {row[col['part']].strip()!r} to mark by hand")
            continue
        try:
            item = int(row[col["item"]].strip())
        except ValueError:
            errors.append(f"{path}:{line}: item must be the rubric item's number, got {row[col['item']]!r}")
            continue
        where = (sid, number, pid)
        if (where, item) in seen:
            errors.append(
                f"{path}:{line}: item {item} of {sid} Q{number} marked twice (first on line {seen[where, item]})"
            )
            continue
        seen[where, item] = line
        if note_col is not None and row[note_col].strip():
            notes[where, item] = row[note_col].strip()
        text = row[col["points"]].strip()
        cell = cell_where(path, line, col["points"] + 1, score_name)
        if not text:
            blanks[where].append(line)
            continue
        try:
            value = float(text)
        except ValueError:
            errors.append(f"{cell}: must be a number of points, got {text!r}")
            continue
        scale = rubric_items(part, entry["points"])
        if not 1 <= item <= len(scale):
            errors.append(f"{path}:{line}: {sid} Q{number} has rubric items 1-{len(scale)}, not {item}")
            continue
        most = scale[item - 1][1]
        if not math.isfinite(value) or value < 0 or value > most + 1e-9:
            errors.append(f"{cell}: {value:g} points is outside 0 to {most:g} for this item "
                          f"({sid} Q{number} item {item})")  # fmt: skip
            continue
        items[where][item] = value
    for where, lines in blanks.items():
        if where in items:
            errors.append(f"{path}:{lines[0]}: {where[0]} Q{where[1]} is half marked: give every item of it points "
                          "(0 where the point was not made)")  # fmt: skip
    if errors:
        raise AnswersError(listing(errors))
    return dict(items)
