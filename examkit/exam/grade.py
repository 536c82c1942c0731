"""`examkit exam grade`: mark typed answers against each student's own version, write grades,
per-student feedback and an item analysis (mean score, discrimination, frequent misconceptions).

ANSWERS.csv is long (`student_id,question,part,answer`, optionally `marker_score`: the score a
marker filled in on a scanned answer sheet, and `review`) or wide (`student_id,Q1,Q2a,Q2b,...`).
A blank number or choice part scores 0; a part a person marks (written, and a formula or derivation
with nothing typed: answered on paper) is "not yet marked" until a marker score is given, in the
answer sheet's score row or in `marking.csv` (read back from OUT, or from `--marks`). Each variant is rebuilt from its identity in the manifest (question id,
seed, option order, points), and only from the bank it was built from, found from the sources the
manifest records (or given with --bank): a missing question is named with its folder, a changed
template is refused, naming the questions, unless the caller allows it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..parts.check import check_answer
from .answers import (
    AnswersError,
    Given,
    cell_where,
    listing,
    match_parts,
    printed_labels,
    read_answers,
    resolve_students,
)
from .lms import write_gradebooks
from .manifest import read_manifest
from .mark import UNMARKED, Mark, printed
from .marking import MARKED_BY_HAND, read_marks, write_marking_sheet
from .rebuild import check_bank, exam_bank, variant_from_manifest
from .reports import write_feedback, write_grades
from .stats import item_analysis

HAND_MARKED = ("formula", "steps", "text")  # responses written on paper when not typed


def needs_a_marker(part, text: str) -> bool:
    """A written part always; a formula or derivation when nothing was typed for it (it was
    answered on paper). Numbers and choices are read from the typed row or the bubbles."""
    return part.response == "text" or (part.response in HAND_MARKED and not str(text).strip())


def grade(manifest_path, answers_path, out, bank_paths=None, progress=None, allow_bank_change=False,
          marks_path=None, bundled=None) -> dict:  # fmt: skip
    """`bank_paths` and `bundled` (None: as the manifest records): see `rebuild.exam_bank`."""
    if Path(out).exists() and not Path(out).is_dir():
        raise AnswersError(f"{out}: is a file; --out names the folder for grades.csv, feedback/ and marking.csv")
    data = read_manifest(manifest_path)
    bank = exam_bank(data, manifest_path, bank_paths, bundled)
    if not allow_bank_change:
        check_bank(data, bank)
    versions = {v["student_id"]: v for v in data["versions"]}
    answers = resolve_students(read_answers(answers_path), versions, answers_path)
    errors = []
    for sid, cells in answers.items():
        numbers = {q["number"] for q in versions[sid]["questions"]}
        for (number, _), given in cells.items():
            if number not in numbers:
                errors.append(f"{answers_path}:{given.line}: {sid}'s exam has no question {number} (1-{max(numbers)})")
    matched = {
        sid: {q["number"]: match_parts(q, cells, sid, answers_path, errors) for q in versions[sid]["questions"]}
        for sid, cells in answers.items()
    }
    if errors:
        raise AnswersError(listing(errors))
    sheet_path = Path(out) / "marking.csv"
    if marks_path is None and sheet_path.is_file():
        marks_path = sheet_path  # an earlier run's sheet, maybe filled in place: read, never overwritten blank
    notes = {}
    rubric_marks = read_marks(marks_path, versions, bank, notes) if marks_path else {}
    marks, totals = [], {}
    for sid, version in versions.items():
        if sid not in answers and sid not in {k[0] for k in rubric_marks}:
            continue  # absent: no answer row at all; listed, never counted as zeros
        student_marks = []
        for q in version["questions"]:
            variant = variant_from_manifest(q, bank)
            given = matched.get(sid, {}).get(q["number"], {})
            for part_entry in q["parts"]:
                pid = part_entry["id"]
                cell = given.get(pid, Given("", 0))
                student_marks.append(_mark_cell(sid, q, variant, part_entry, cell, rubric_marks, answers_path))
        marks.extend(student_marks)
        totals[sid] = sum(m.score for m in student_marks)
        if progress:
            progress()
    for m in marks:  # the marker's notes go to the student's feedback
        if m.message == MARKED_BY_HAND:
            m.feedback = [
                text for (where, _), text in sorted(notes.items()) if where == (m.student_id, m.number, m.part)
            ]
    absent = sorted(set(versions) - set(totals))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_grades(out, versions, marks, totals)
    write_feedback(out / "feedback", versions, marks)
    sheet = write_marking_sheet(out / "marking.csv", versions, marks, bank, rubric_marks, notes)
    analysis = item_analysis(marks, totals, versions)
    gradebooks = write_gradebooks(out, data, versions, marks, totals)
    (out / "item_analysis.json").write_text(json.dumps(analysis, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {
        "students": len(totals),
        "absent": absent,
        "graded_answers": sum(m.status not in ("blank", UNMARKED) for m in marks),
        "to_mark_by_hand": sum(m.status == UNMARKED for m in marks),
        "not_yet_marked": _unmarked_counts(marks),
        "marking_sheet": str(sheet) if sheet else None,
        "marks_read": str(marks_path) if marks_path else None,
        "to_review": sum(m.status == "review" for m in marks),
        "out": str(out),
        "item_analysis": analysis["questions"],
        "slots": analysis["slots"],
        "reliability": analysis["reliability"],
        "gradebook": gradebooks,
    }


def _unmarked_counts(marks) -> dict:
    """'Q3(b)' -> how many students' answers to it are not yet marked, in question order."""
    counts = Counter((m.number, m.label) for m in marks if m.status == UNMARKED)
    return {printed(n, label): c for (n, label), c in sorted(counts.items())}


ON_SHEET = "scored on the answer sheet"


NOT_YET_MARKED = "not yet marked: give it a marker_score in marking.csv"


def _mark_cell(sid, q, variant, part_entry, cell: Given, rubric_marks, path) -> Mark:
    """A part's mark from its answer cell: held back for review where the scan was doubtful, the
    marker's score from a paper sheet's score row, else the answer checked (or rubric-marked)."""
    pid, points = part_entry["id"], part_entry["points"]
    label = dict(zip((e["id"] for e in q["parts"]), printed_labels(q)))[pid]
    base = dict(student_id=sid, number=q["number"], qid=q["qid"], part=pid, label=label, answer=cell.text,
                max_score=points, misconception=None, feedback=[])  # fmt: skip
    if cell.review:
        return Mark(**base, status="review", score=0.0, message=f"to check on the scanned sheet: {cell.review}")
    if not cell.marker_score:
        return _mark(sid, q, variant, part_entry, cell.text, rubric_marks)
    if (sid, q["number"], pid) in rubric_marks:
        raise AnswersError(f"{path}:{cell.line}: {sid} {printed(q['number'], label)} has a score on the "
                           "answer sheet and rubric marks in the marks file: keep one")  # fmt: skip
    score = float(cell.marker_score)
    if score > points + 1e-9:
        raise AnswersError(f"{cell_where(path, cell.line, cell.score_column, 'marker_score')}: {score:g} is more than "
                           f"the {points:g} points of {sid} {printed(q['number'], label)}")  # fmt: skip
    status = "correct" if score >= points else ("partial" if score > 0 else "incorrect")
    return Mark(**base, status=status, score=round(score, 4), message=ON_SHEET)


def _mark(sid, q, variant, part_entry, text, rubric_marks) -> Mark:
    pid, points = part_entry["id"], part_entry["points"]
    label = dict(zip((e["id"] for e in q["parts"]), printed_labels(q)))[pid]
    base = dict(student_id=sid, number=q["number"], qid=q["qid"], part=pid, label=label, answer=str(text))
    part = variant.part(pid)
    items = rubric_marks.get((sid, q["number"], pid))
    if items is not None:
        score = round(sum(items.values()), 4)
        status = "correct" if score >= points else ("partial" if score > 0 else "incorrect")
        return Mark(**base, status=status, score=score, max_score=points, message=MARKED_BY_HAND,
                    misconception=None, feedback=[])  # fmt: skip
    if needs_a_marker(part, text):
        return Mark(**base, status=UNMARKED, score=0.0, max_score=points, message=NOT_YET_MARKED,
                    misconception=None, feedback=[])  # fmt: skip
    if not str(text).strip():
        return Mark(**base, status="blank", score=0.0, max_score=points, message="no answer", misconception=None,
                    feedback=[])  # fmt: skip
    verdict = check_answer(variant, pid, text)
    texts = {o.letter: o.text for o in part.options}
    return Mark(**base, status=verdict.status, score=round(verdict.score, 4), max_score=verdict.max_score,
                message=verdict.message, misconception=verdict.misconception, feedback=verdict.feedback,
                chosen=[texts[c] for c in verdict.details.get("chosen", []) if c in texts],
                options={o.text: o.correct for o in part.options})  # fmt: skip
