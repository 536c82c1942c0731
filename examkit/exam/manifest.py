"""The build manifest: every version's questions with each variant's whole identity (question id,
seed, option order, points: `bank/identity.py`), the template digest it was built from, parameters
and correct answers (JSON): enough to rebuild exactly what each student saw and grade against it.
It records the bank's sources too (`bank_entries`), so grading finds the instructor's own folders."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..bank.identity import identity_of
from ..bank.template import _jsonable

FORMAT = "examkit-manifest/2"
READABLE_FORMATS = ("examkit-manifest/1", FORMAT)  # /1 has no option order: rebuilt from the option texts


def part_entry(part) -> dict:
    entry = {"id": part.id, "label": part.label, "type": part.type, "response": str(part.response),
             "points": part.points, "answer": part.answer_text}  # fmt: skip
    if part.response == "number":
        entry["value"] = part.answer
        entry["tolerance"] = part.tolerance
    if part.options:
        entry["options"] = [{"letter": o.letter, "text": o.text, "correct": o.correct} for o in part.options]
        entry["select"] = part.select
    return entry


def bank_entries(bank, qids, folder: Path) -> list[dict]:
    """Each source of the bank (`bank/sources.py`) with its digest and the questions of this exam
    read from it. The bundled bank is marked `bundled`; an own folder or file has its `path`
    relative to `folder` (the manifest's: the two usually move together) and its `absolute` path."""
    drawn = {}
    for qid in sorted(qids):
        drawn.setdefault(bank.source_of(qid), []).append(qid)
    entries = []
    for source in bank.sources:
        if source.bundled:
            where = {"bundled": True}
        else:
            absolute = source.path.resolve()
            try:
                where = {"path": Path(os.path.relpath(absolute, folder.resolve())).as_posix()}
            except ValueError:  # another drive (Windows): no relative path
                where = {}
            where["absolute"] = str(absolute)
        entries.append({**where, "digest": source.digest(), "ids": drawn.get(source, [])})
    return entries


def manifest(spec, versions, bank_digest: str, template_digests: dict, anonymous: bool = False, banks=()) -> dict:
    """`anonymous`: built as numbered versions (no roster), so no LMS knows its student ids;
    `banks`: the bank's sources (`bank_entries`)."""
    return {
        "format": FORMAT,
        "exam": {
            "title": spec.title,
            "course": spec.course,
            "date": spec.date,
            "master_seed": spec.master_seed,
            "spec": spec.path,
            "bank": bank_digest,
            "banks": list(banks),
            **({"anonymous": True} if anonymous else {}),
        },
        "versions": [
            {
                "student_id": v.student.id,
                "name": v.student.name,
                **{key: value for key in ("email", "username") if (value := getattr(v.student, key, ""))},
                "code": v.code,
                "points": v.points,
                "questions": [
                    {
                        "number": q.number,
                        "section": q.section,
                        "qid": q.qid,
                        "seed": q.seed,
                        "points": q.points,
                        "identity": identity_of(q.variant).to_json(),
                        "template": template_digests[q.qid],
                        "params": {k: _jsonable(val) for k, val in q.variant.params.items()},
                        "parts": [part_entry(p) for p in q.variant.parts],
                    }
                    for q in v.questions
                ],
            }
            for v in versions
        ],
    }


def write_manifest(data: dict, path: Path):
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_manifest(path) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable manifest: {exc}") from None
    if not isinstance(data, dict) or data.get("format") not in READABLE_FORMATS:
        raise ValueError(f"{path}: not an examkit manifest (format {FORMAT} expected)")
    return data
