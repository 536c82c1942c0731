"""`examkit exam grade`: mark typed answers against each student's own version, write grades,
per-student feedback and an item analysis (mean score, discrimination, frequent misconceptions).

ANSWERS.csv is long (`student_id,question,part,answer`) or wide (`student_id,Q1,Q2a,Q2b,...`);
blank answers score 0. Each variant is rebuilt from its identity in the manifest (question id,
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
from dataclasses import dataclass
from pathlib import Path

from ..bank.identity import VariantIdentity, apply_identity, realize, template_digest
from ..bank.loader import load_bank
from ..checking.check import check_answer
from .manifest import read_manifest

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
    answer: str
    status: str
    score: float
    max_score: float
    message: str
    misconception: str | None
    feedback: list


def read_answers(path) -> dict:
    """student_id -> {(question number, part id or ''): answer text}."""
    path = Path(path)
    try:
        # newline="" keeps line breaks inside quoted cells: a derivation typed one step per line
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersError(f"{path}: cannot read answers: {exc}") from None
    if not rows:
        raise AnswersError(f"{path}: empty file")
    header = [h.strip().lower() for h in rows[0]]
    if not header or header[0] not in ("student_id", "id", "sid"):
        raise AnswersError(f"{path}:1: the first column must be student_id")
    answers = defaultdict(dict)
    long_form = header[1:4] == ["question", "part", "answer"]
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        sid = row[0].strip()
        if long_form:
            if len(row) < 4:
                raise AnswersError(f"{path}:{line}: expected student_id,question,part,answer")
            try:
                number = int(row[1].strip().lstrip("Qq"))
            except ValueError:
                raise AnswersError(f"{path}:{line}: question must be a number, got {row[1]!r}") from None
            answers[sid][(number, row[2].strip())] = row[3]
        else:
            for col, cell in zip(rows[0][1:], row[1:]):
                m = _WIDE.match(col.strip())
                if not m:
                    raise AnswersError(f"{path}:1: column {col!r} is not a question (use Q1, Q2a, Q2.b, ...)")
                answers[sid][(int(m.group(1)), m.group(2))] = cell
    return answers


def grade(manifest_path, answers_path, out, bank_paths=None, progress=None, allow_bank_change=False) -> dict:
    data = read_manifest(manifest_path)
    answers = read_answers(answers_path)
    bank = load_bank(bank_paths)
    if not allow_bank_change:
        check_bank(data, bank)
    versions = {v["student_id"]: v for v in data["versions"]}
    unknown = sorted(set(answers) - set(versions))
    marks, totals = [], {}
    for sid, version in versions.items():
        given = answers.get(sid, {})
        student_marks = []
        for q in version["questions"]:
            variant = variant_from_manifest(q, bank)
            for part_entry in q["parts"]:
                pid = part_entry["id"]
                text = given.get((q["number"], pid))
                if text is None and len(q["parts"]) == 1:
                    text = given.get((q["number"], ""))  # wide files may name a one-part question just "Q3"
                text = text or ""
                if not str(text).strip():
                    mark = Mark(
                        sid, q["number"], q["qid"], pid, "", "blank", 0.0, part_entry["points"], "no answer", None, []
                    )
                else:
                    verdict = check_answer(variant, pid, text)
                    mark = Mark(
                        sid,
                        q["number"],
                        q["qid"],
                        pid,
                        str(text),
                        verdict.status,
                        round(verdict.score, 4),
                        verdict.max_score,
                        verdict.message,
                        verdict.misconception,
                        verdict.feedback,
                    )
                student_marks.append(mark)
        marks.extend(student_marks)
        totals[sid] = sum(m.score for m in student_marks)
        if progress:
            progress()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _write_grades(out, versions, marks, totals)
    _write_feedback(out / "feedback", versions, marks)
    analysis = item_analysis(marks, totals)
    (out / "item_analysis.json").write_text(json.dumps(analysis, indent=2) + "\n")
    return {
        "students": len(versions),
        "graded_answers": sum(m.status != "blank" for m in marks),
        "unknown_students": unknown,
        "out": str(out),
        "item_analysis": analysis,
    }


def _write_grades(out: Path, versions, marks, totals):
    """One row per student; one column per question number (versions may differ in parts)."""
    per_question = defaultdict(float)
    for m in marks:
        per_question[(m.student_id, m.number)] += m.score
    count = max(len(v["questions"]) for v in versions.values())
    with open(out / "grades.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "name", "version", "total", "max"] + [f"Q{i}" for i in range(1, count + 1)])
        for sid, version in versions.items():
            row = [sid, version["name"], version["code"], round(totals[sid], 4), version["points"]]
            writer.writerow(row + [round(per_question[(sid, i)], 4) for i in range(1, count + 1)])


def _write_feedback(folder: Path, versions, marks):
    folder.mkdir(exist_ok=True)
    by_student = defaultdict(list)
    for m in marks:
        by_student[m.student_id].append(m)
    for sid, version in versions.items():
        lines = [f"{version['name'] or sid} (version {version['code']})", ""]
        for m in by_student[sid]:
            lines.append(
                f"Q{m.number}{m.part and '(' + m.part + ')'} [{m.qid}]: {m.score:g}/{m.max_score:g} {m.status}: "
                f"{m.message}"
            )
            lines.extend(f"    {f}" for f in m.feedback)
        total = sum(m.score for m in by_student[sid])
        lines += ["", f"Total: {total:g} / {version['points']:g}"]
        (folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', sid)}.txt").write_text("\n".join(lines) + "\n")


def _pearson(xs, ys) -> float | None:
    if len(xs) < 3 or statistics.pstdev(xs) == 0 or statistics.pstdev(ys) == 0:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    return cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


def item_analysis(marks, totals) -> list[dict]:
    """Per question (template id): mean score share, discrimination (item vs rest-of-test
    correlation) and the most frequent misconceptions."""
    per_item = defaultdict(lambda: defaultdict(float))
    maxima, misconceptions = defaultdict(float), defaultdict(Counter)
    seen = defaultdict(set)
    for m in marks:
        per_item[m.qid][m.student_id] += m.score
        if (m.student_id, m.part) not in seen[m.qid]:
            maxima[(m.qid, m.student_id)] += m.max_score
            seen[m.qid].add((m.student_id, m.part))
        if m.misconception:
            misconceptions[m.qid][m.misconception] += 1
    rows = []
    for qid, scores in sorted(per_item.items()):
        students = sorted(scores)
        shares = [scores[s] / maxima[(qid, s)] if maxima[(qid, s)] else 0 for s in students]
        rest = [totals[s] - scores[s] for s in students]
        r = _pearson(shares, rest)
        rows.append(
            {
                "qid": qid,
                "students": len(students),
                "mean_score": round(statistics.fmean(shares), 4),
                "discrimination": None if r is None else round(r, 4),
                "misconceptions": misconceptions[qid].most_common(3),
            }
        )
    return rows
