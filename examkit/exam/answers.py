"""ANSWERS.csv as `exam grade` reads it: long (`student_id,question,part,answer`, optionally
`marker_score` and `review`, as `exam scan` writes) or wide (`student_id,Q1,Q2a,...`), each row
matched to a student (by id, or by the version code printed on an anonymous paper) and each cell to
a part of that student's own version. Every problem is refused with its file, line and column."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..bank.template import part_labels

_WIDE = re.compile(r"^q?(\d+)[._ -]?([A-Za-z0-9_]*)$", re.I)


class AnswersError(ValueError):
    pass


@dataclass
class Given:
    """One answer cell of ANSWERS.csv and the line it came from (for messages)."""

    text: str
    line: int
    marker_score: str = ""  # a score the marker filled on a paper answer sheet (`exam scan`)
    review: str = ""  # why a person must look at the scanned sheet before this part is graded
    sheet: bool = False  # from a scanned answer sheet (the file has a marker_score column)
    score_column: int = 0  # where marker_score is in the file (1-based), for messages


def cell_where(path, line, column: int, name: str) -> str:
    return f"{path}:{line}: column {column} ({name})"


def read_rows(path, what: str) -> list[list[str]]:
    path = Path(path)
    try:
        # newline="" keeps line breaks inside quoted cells: a derivation typed one step per line
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AnswersError(f"{path}: cannot read {what}: {exc}") from None
    if not rows:
        raise AnswersError(f"{path}: empty file")
    return rows


def part_key(text: str) -> str:
    """'(a)', 'A', 'a)' and 'a' all name the printed part (a); internal ids compare lower-cased."""
    return text.strip().strip("()").rstrip(")").strip().lower()


def question_number(text: str, where: str) -> int:
    try:
        return int(text.strip().lstrip("Qq").rstrip("."))
    except ValueError:
        raise AnswersError(f"{where}: question must be a number, got {text!r}") from None


def read_answers(path) -> dict:
    """student id or version code -> {(question number, part label or id, lower-cased): Given}.
    The same answer twice (or the same student twice in a wide file) is refused with both lines."""
    rows = read_rows(path, "answers")
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
            columns.append((int(m.group(1)), part_key(m.group(2))))
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
                number = question_number(row[1], f"{path}:{line}")
            except AnswersError as exc:
                errors.append(str(exc))
                continue
            cells = [((number, part_key(row[2])), (row[3], score, review))]
        else:
            if sid in first_row:
                errors.append(f"{path}:{line}: student {sid!r} again (first on line {first_row[sid]})")
                continue
            cells = [(key, (text, "", "")) for key, text in zip(columns, row[1:])]
        first_row.setdefault(sid, line)
        for key, text in cells:
            if text[1] and not _is_score(text[1]):
                errors.append(f"{cell_where(path, line, score_col + 1, 'marker_score')}: must be a number of points "
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
        raise AnswersError(listing(errors))
    return answers


def _is_score(text: str) -> bool:
    try:
        return math.isfinite(float(text)) and float(text) >= 0
    except ValueError:
        return False


def listing(errors: list[str], most: int = 20) -> str:
    more = f"\n... and {len(errors) - most} more" if len(errors) > most else ""
    return "\n".join(errors[:most]) + more


def resolve_students(answers: dict, versions: dict, path) -> dict:
    """Answer rows by student id, or by the version code printed on an anonymous paper."""
    student_of = student_lookup(versions)
    resolved, errors = {}, []
    for given_id, cells in answers.items():
        sid = student_of(given_id)
        line = min(g.line for g in cells.values()) if cells else 0
        if sid is None:
            errors.append(not_a_student(path, line, given_id))
        elif sid in resolved:
            errors.append(f"{path}:{line}: {given_id!r} is version {versions[sid]['code']}, already answered "
                          f"as {resolved[sid][0]!r}")  # fmt: skip
        else:
            resolved[sid] = (given_id, cells)
    if errors:
        raise AnswersError(listing(errors))
    return {sid: cells for sid, (_, cells) in resolved.items()}


def printed_labels(q: dict) -> list[str]:
    return [e.get("label", label) for e, label in zip(q["parts"], part_labels(len(q["parts"])))]


def part_names(q: dict) -> dict:
    """What a row may call each part of a question -> its id: the printed label (nothing, or a,
    for a one-part question), or the internal id where that is no other part's label."""
    labels, names = printed_labels(q), {}
    for entry, label in zip(q["parts"], labels):
        keys = {label} if label else {"", "a"}
        if entry["id"].lower() not in labels or entry["id"].lower() == label:
            keys.add(entry["id"].lower())
        for key in keys:
            names[key] = entry["id"]
    return names


def student_lookup(versions: dict):
    """A row's student column -> the version's student id: the id itself, or the version code
    printed on an anonymous paper (any case); None for neither."""
    by_code = {v["code"].upper(): sid for sid, v in versions.items()}
    return lambda given: given if given in versions else by_code.get(given.upper())


def not_a_student(path, line, given_id) -> str:
    return f"{path}:{line}: {given_id!r} is neither a student id nor a version code of this exam"


def match_parts(q: dict, cells: dict, sid: str, path, errors: list) -> dict:
    """part id -> Given, for one question of one student: by printed label, by question number
    alone for a one-part question, or by internal part id where that names no other part's label."""
    labels, names = printed_labels(q), part_names(q)
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
