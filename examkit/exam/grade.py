"""`examkit exam grade`: mark typed answers against each student's own version, write grades,
per-student feedback and an item analysis (mean score, discrimination, frequent misconceptions).

ANSWERS.csv is long (`student_id,question,part,answer`, optionally `marker_score`: the score a
marker filled in on a scanned answer sheet, and `review`) or wide (`student_id,Q1,Q2a,Q2b,...`).
A blank number or choice part scores 0; a part a person marks (written, and a formula or derivation
with nothing typed: answered on paper) is "not yet marked" until a marker score is given, in the
answer sheet's score row or in `marking.csv` (read back from OUT, or from `--marks`). Each variant is rebuilt from its identity in the manifest (question id,
seed, option order, points), and only from the bank it was built from: a changed template is
refused, naming the questions, unless the caller allows it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..bank.identity import VariantIdentity, apply_identity, realize, template_digest
from ..bank.loader import load_bank
from ..bank.points import split_points
from ..bank.template import part_labels
from ..checking.check import check_answer
from .lms import write_gradebooks
from .manifest import read_manifest
from .names import safe_file_name
from .stats import pearson, slot_statistics

_WIDE = re.compile(r"^q?(\d+)[._ -]?([A-Za-z0-9_]*)$", re.I)


class AnswersError(ValueError):
    pass


class BankChanged(ValueError):
    """The bank's templates differ from those the exam was built from."""

    def __init__(self, qids):
        self.qids = sorted(qids)
        super().__init__(
            f"the question bank changed since this exam was built: {', '.join(self.qids)} "
            "(rebuild the exam, or grade anyway with --allow-bank-change)"
        )


def variant_from_manifest(q: dict, bank):
    """The variant the student saw, from its recorded identity; for manifests of format /1 (no
    identity), the option order is read back from the printed option texts."""
    if "identity" in q:
        return realize(bank, VariantIdentity.from_json(q["identity"]))
    variant = bank.get(q["qid"]).variant(q["seed"])
    order = {}
    for entry in q["parts"]:
        if entry.get("options"):
            by_text = {o.text: o.key for o in variant.part(entry["id"]).options}
            order[entry["id"]] = tuple(by_text[o["text"]] for o in entry["options"])
    points = {e["id"]: e["points"] for e in q["parts"]}
    return apply_identity(variant, VariantIdentity(q["qid"], q["seed"], order or None, points))


def check_bank(data: dict, bank):
    """Raise BankChanged naming every question whose template is missing or edited."""
    recorded = {q["qid"]: q.get("template") for version in data["versions"] for q in version["questions"]}
    changed = {
        qid
        for qid, digest in recorded.items()
        if qid not in bank.templates or (digest is not None and digest != template_digest(bank.get(qid)))
    }
    if changed:
        raise BankChanged(changed)


@dataclass
class Mark:
    student_id: str
    number: int
    qid: str
    part: str
    label: str
    answer: str
    status: str
    score: float
    max_score: float
    message: str
    misconception: str | None
    feedback: list
    chosen: list = field(default_factory=list)  # texts of the options picked, for the distractor tables
    options: dict = field(default_factory=dict)  # a choice part's option texts -> correct


@dataclass
class Given:
    """One answer cell of ANSWERS.csv and the line it came from (for messages)."""

    text: str
    line: int
    marker_score: str = ""  # a score the marker filled on a paper answer sheet (`exam scan`)
    review: str = ""  # why a person must look at the scanned sheet before this part is graded
    sheet: bool = False  # from a scanned answer sheet (the file has a marker_score column)
    score_column: int = 0  # where marker_score is in the file (1-based), for messages


UNMARKED = "unmarked"  # a part a person marks, with no marker score yet: never counted as a blank
HAND_MARKED = ("formula", "steps", "text")  # responses written on paper when not typed


def needs_a_marker(part, text: str) -> bool:
    """A written part always; a formula or derivation when nothing was typed for it (it was
    answered on paper). Numbers and choices are read from the typed row or the bubbles."""
    return part.response == "text" or (part.response in HAND_MARKED and not str(text).strip())


def _where(path, line, column: int, name: str) -> str:
    return f"{path}:{line}: column {column} ({name})"


def _read_csv(path, what: str) -> list[list[str]]:
    path = Path(path)
    try:
        # newline="" keeps line breaks inside quoted cells: a derivation typed one step per line
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AnswersError(f"{path}: cannot read {what}: {exc}") from None
    if not rows:
        raise AnswersError(f"{path}: empty file")
    return rows


def _part_key(text: str) -> str:
    """'(a)', 'A', 'a)' and 'a' all name the printed part (a); internal ids compare lower-cased."""
    return text.strip().strip("()").rstrip(")").strip().lower()


def _question_number(text: str, where: str) -> int:
    try:
        return int(text.strip().lstrip("Qq").rstrip("."))
    except ValueError:
        raise AnswersError(f"{where}: question must be a number, got {text!r}") from None


def read_answers(path) -> dict:
    """student id or version code -> {(question number, part label or id, lower-cased): Given}.
    The same answer twice (or the same student twice in a wide file) is refused with both lines."""
    rows = _read_csv(path, "answers")
    header = [h.strip().lower() for h in rows[0]]
    if not header or header[0] not in ("student_id", "id", "sid"):
        raise AnswersError(f"{path}:1: the first column must be student_id")
    answers, first_row, errors = defaultdict(dict), {}, []
    long_form = header[1:4] == ["question", "part", "answer"]
    score_col = header.index("marker_score") if long_form and "marker_score" in header else None
    review_col = header.index("review") if long_form and "review" in header else None
    columns = []
    if not long_form:
        for col in rows[0][1:]:
            m = _WIDE.match(col.strip())
            if not m:
                raise AnswersError(f"{path}:1: column {col!r} is not a question (use Q1, Q2a, Q2.b, ...)")
            columns.append((int(m.group(1)), _part_key(m.group(2))))
        if len(set(columns)) < len(columns):
            raise AnswersError(f"{path}:1: a question column appears twice")
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        sid = row[0].strip()
        if not sid:
            errors.append(f"{path}:{line}: no student id")
            continue
        if long_form:
            if len(row) < 4:
                errors.append(f"{path}:{line}: expected student_id,question,part,answer")
                continue
            score = row[score_col].strip() if score_col is not None and len(row) > score_col else ""
            review = row[review_col].strip() if review_col is not None and len(row) > review_col else ""
            try:
                number = _question_number(row[1], f"{path}:{line}")
            except AnswersError as exc:
                errors.append(str(exc))
                continue
            cells = [((number, _part_key(row[2])), (row[3], score, review))]
        else:
            if sid in first_row:
                errors.append(f"{path}:{line}: student {sid!r} again (first on line {first_row[sid]})")
                continue
            cells = [(key, (text, "", "")) for key, text in zip(columns, row[1:])]
        first_row.setdefault(sid, line)
        for key, text in cells:
            if text[1] and not _is_score(text[1]):
                errors.append(f"{_where(path, line, score_col + 1, 'marker_score')}: must be a number of points "
                              f"(0 or more), got {text[1]!r}")  # fmt: skip
                continue
            if key in answers[sid]:
                number, part = key
                errors.append(f"{path}:{line}: a second answer for {sid} Q{number}{part and f'({part})'} "
                              f"(first on line {answers[sid][key].line})")  # fmt: skip
                continue
            sheet = score_col is not None
            answers[sid][key] = Given(text[0], line, text[1], text[2], sheet, (score_col or 0) + 1)
    if errors:
        raise AnswersError(_listing(errors))
    return answers


def _is_score(text: str) -> bool:
    try:
        return math.isfinite(float(text)) and float(text) >= 0
    except ValueError:
        return False


def _listing(errors: list[str], most: int = 20) -> str:
    more = f"\n... and {len(errors) - most} more" if len(errors) > most else ""
    return "\n".join(errors[:most]) + more


def _resolve_students(answers: dict, versions: dict, path) -> dict:
    """Answer rows by student id, or by the version code printed on an anonymous paper."""
    student_of = _student_lookup(versions)
    resolved, errors = {}, []
    for given_id, cells in answers.items():
        sid = student_of(given_id)
        line = min(g.line for g in cells.values()) if cells else 0
        if sid is None:
            errors.append(_not_a_student(path, line, given_id))
        elif sid in resolved:
            errors.append(f"{path}:{line}: {given_id!r} is version {versions[sid]['code']}, already answered "
                          f"as {resolved[sid][0]!r}")  # fmt: skip
        else:
            resolved[sid] = (given_id, cells)
    if errors:
        raise AnswersError(_listing(errors))
    return {sid: cells for sid, (_, cells) in resolved.items()}


def _labels(q: dict) -> list[str]:
    return [e.get("label", label) for e, label in zip(q["parts"], part_labels(len(q["parts"])))]


def _part_names(q: dict) -> dict:
    """What a row may call each part of a question -> its id: the printed label (nothing, or a,
    for a one-part question), or the internal id where that is no other part's label."""
    labels, names = _labels(q), {}
    for entry, label in zip(q["parts"], labels):
        keys = {label} if label else {"", "a"}
        if entry["id"].lower() not in labels or entry["id"].lower() == label:
            keys.add(entry["id"].lower())
        for key in keys:
            names[key] = entry["id"]
    return names


def _student_lookup(versions: dict):
    """A row's student column -> the version's student id: the id itself, or the version code
    printed on an anonymous paper (any case); None for neither."""
    by_code = {v["code"].upper(): sid for sid, v in versions.items()}
    return lambda given: given if given in versions else by_code.get(given.upper())


def _not_a_student(path, line, given_id) -> str:
    return f"{path}:{line}: {given_id!r} is neither a student id nor a version code of this exam"


def _match_parts(q: dict, cells: dict, sid: str, path, errors: list) -> dict:
    """part id -> Given, for one question of one student: by printed label, by question number
    alone for a one-part question, or by internal part id where that names no other part's label."""
    labels, names = _labels(q), _part_names(q)
    found = {}
    for (number, key), given in cells.items():
        if number != q["number"]:
            continue
        pid = names.get(key)
        if pid is None:
            printed = ", ".join(f"({lb})" for lb in labels if lb) or "none: answer it as the question number alone"
            errors.append(f"{path}:{given.line}: {sid} Q{number} has no part {key!r} (its parts: {printed})")
        elif pid in found:
            errors.append(f"{path}:{given.line}: a second answer for {sid} Q{number} part {pid} "
                          f"(first on line {found[pid].line})")  # fmt: skip
        else:
            found[pid] = given
    return found


def grade(manifest_path, answers_path, out, bank_paths=None, progress=None, allow_bank_change=False,
          marks_path=None) -> dict:  # fmt: skip
    if Path(out).exists() and not Path(out).is_dir():
        raise AnswersError(f"{out}: is a file; --out names the folder for grades.csv, feedback/ and marking.csv")
    data = read_manifest(manifest_path)
    bank = load_bank(bank_paths)
    if not allow_bank_change:
        check_bank(data, bank)
    versions = {v["student_id"]: v for v in data["versions"]}
    answers = _resolve_students(read_answers(answers_path), versions, answers_path)
    errors = []
    for sid, cells in answers.items():
        numbers = {q["number"] for q in versions[sid]["questions"]}
        for (number, _), given in cells.items():
            if number not in numbers:
                errors.append(f"{answers_path}:{given.line}: {sid}'s exam has no question {number} (1-{max(numbers)})")
    matched = {
        sid: {q["number"]: _match_parts(q, cells, sid, answers_path, errors) for q in versions[sid]["questions"]}
        for sid, cells in answers.items()
    }
    if errors:
        raise AnswersError(_listing(errors))
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
    _write_grades(out, versions, marks, totals)
    _write_feedback(out / "feedback", versions, marks)
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


def printed(number, label) -> str:
    """A part as the paper prints it: Q3(b), or Q3 for a one-part question."""
    return f"Q{number}({label})" if label else f"Q{number}"


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
    label = dict(zip((e["id"] for e in q["parts"]), _labels(q)))[pid]
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
        raise AnswersError(f"{_where(path, cell.line, cell.score_column, 'marker_score')}: {score:g} is more than "
                           f"the {points:g} points of {sid} {printed(q['number'], label)}")  # fmt: skip
    status = "correct" if score >= points else ("partial" if score > 0 else "incorrect")
    return Mark(**base, status=status, score=round(score, 4), message=ON_SHEET)


def _mark(sid, q, variant, part_entry, text, rubric_marks) -> Mark:
    pid, points = part_entry["id"], part_entry["points"]
    label = dict(zip((e["id"] for e in q["parts"]), _labels(q)))[pid]
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


def rubric_items(part, points: float) -> list[tuple[str, float]]:
    """(criterion, points) of a written part's rubric, adding up to the part's value on this exam
    (a section may rescale a question's points: `bank/points.py`)."""
    if not part.rubric:
        return [("the whole answer", points)]
    shares = split_points([r["points"] for r in part.rubric], points)
    return [(r["criterion"], share) for r, share in zip(part.rubric, shares)]


MARKED_BY_HAND = "marked by hand (marking.csv)"
MARKING_HEADER = ["student_id", "name", "version", "question", "part", "item", "criterion", "max_points", "answer",
                  "key", "marker_score", "marker_note"]  # fmt: skip


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
    rows = _read_csv(path, "marks")
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
    student_of = _student_lookup(versions)
    items, errors, seen = defaultdict(dict), [], {}
    blanks = defaultdict(list)
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(header) - len(row))
        given_id = row[col["student_id"]].strip()
        sid = student_of(given_id)
        if sid is None:
            errors.append(_not_a_student(path, line, given_id))
            continue
        try:
            number = _question_number(row[col["question"]], f"{path}:{line}")
        except AnswersError as exc:
            errors.append(str(exc))
            continue
        q = next((q for q in versions[sid]["questions"] if q["number"] == number), None)
        if q is None:
            errors.append(f"{path}:{line}: {sid}'s exam has no question {number}")
            continue
        pid = _part_names(q).get(_part_key(row[col["part"]]))
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
        cell = _where(path, line, col["points"] + 1, score_name)
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
        raise AnswersError(_listing(errors))
    return dict(items)


def _write_grades(out: Path, versions, marks, totals):
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


def _write_feedback(folder: Path, versions, marks):
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
            lines.append(f"{name}: {m.score:g}/{m.max_score:g} {m.status}: {m.message}")
            lines.extend(f"    {f}" for f in m.feedback)
        total = sum(m.score for m in student_marks)
        lines += ["", f"Total: {total:g} / {version['points']:g}"]
        unmarked = sum(m.status == UNMARKED for m in student_marks)
        if unmarked:
            lines.append(f"({unmarked} part(s) not yet marked: the total is what is marked so far)")
        (folder / f"{safe_file_name(sid)}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def item_analysis(marks, totals, versions) -> dict:
    """Per question (template id): mean score share, discrimination (item vs rest-of-test
    correlation), the most frequent misconceptions and, for choice parts, how often each option
    was picked (by option text: letters differ between versions). Per slot (the variants drawn
    for one position) and for the exam, KR-20 and Cronbach's alpha: `stats.py`."""
    per_item = defaultdict(lambda: defaultdict(float))
    maxima, misconceptions = defaultdict(float), defaultdict(Counter)
    picks = defaultdict(Counter)  # (qid, part) -> option text -> times picked
    options = defaultdict(dict)  # (qid, part) -> option text -> correct
    pickers = defaultdict(int)
    for m in marks:
        if m.status == UNMARKED:  # not a 0: left out until marked (slot_statistics counts them apart)
            continue
        per_item[m.qid][m.student_id] += m.score
        maxima[(m.qid, m.student_id)] += m.max_score
        if m.misconception:
            misconceptions[m.qid][m.misconception] += 1
        if m.options:
            options[m.qid, m.part].update(m.options)
            pickers[m.qid, m.part] += 1
            picks[m.qid, m.part].update(m.chosen)
    rows = []
    for qid, scores in sorted(per_item.items()):
        students = sorted(scores)
        shares = [scores[s] / maxima[(qid, s)] if maxima[(qid, s)] else 0 for s in students]
        rest = [totals[s] - scores[s] for s in students]
        r = pearson(shares, rest)
        distractors = {
            part: [{"option": text, "correct": right, "picked": picks[q, part][text],
                    "share": round(picks[q, part][text] / pickers[q, part], 4)} for text, right in opts.items()]
            for (q, part), opts in sorted(options.items()) if q == qid
        }  # fmt: skip
        rows.append(
            {
                "qid": qid,
                "students": len(students),
                "mean_score": round(statistics.fmean(shares), 4),
                "discrimination": None if r is None else round(r, 4),
                "misconceptions": misconceptions[qid].most_common(3),
                "distractors": distractors,
            }
        )
    slots, rel = slot_statistics(marks, versions)
    return {"questions": rows, "slots": slots, "reliability": rel}
