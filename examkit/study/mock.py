"""Mock exams: one fresh version of an exam spec for the student, answered against the clock (in
the browser, `practice/pages/mock.py`, or the terminal, `drill/mock.py`), marked at the end by the
same checker as everything else (`check`: the browser's goes to its worker processes), with a
report per section and per objective. The version is rebuilt from (spec, seed), so only those
and the answers are stored."""

from __future__ import annotations

import functools
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from ..checking.verdict import Verdict
from ..exam.assemble import build_version, section_pools
from ..exam.spec import Student, load_spec
from ..markup import to_html
from ..parts.check import check_answer
from ..parts.short import self_marked, ticked
from ..resources import bundled

GRACE_S = 60  # a submission this late still counts (the page submits itself at 0:00)
DEFAULT_MINUTES = 50
MAX_MINUTES = 600


def checked_minutes(minutes) -> float:
    """The time allowed, in minutes; the same rule for the terminal, the API and the browser."""
    if minutes is None:
        return DEFAULT_MINUTES
    try:
        value = float(minutes)
    except (TypeError, ValueError):
        raise ValueError(
            f"the time allowed must be a number of minutes, e.g. {DEFAULT_MINUTES} (got {minutes!r})"
        ) from None
    if not 0 < value <= MAX_MINUTES:
        raise ValueError(f"the time allowed must be more than 0 and at most {MAX_MINUTES} minutes (got {value:g})")
    return value


DEFAULT_MOCK = "whole-unit"


@dataclass(frozen=True)
class MockChoice:
    """A mock exam offered by name: one of the bundled mocks, or a spec a course offers."""

    name: str
    title: str
    path: Path
    minutes: float


def mock_choice(path, name: str | None = None) -> MockChoice:
    """The spec at `path` as a choice named `name` (default: the file's stem); a spec that cannot be
    read raises SpecError naming its file and line."""
    spec = load_spec(str(path))
    return MockChoice(name or Path(path).stem, spec.title, Path(path), spec_minutes(spec))


@functools.cache
def bundled_mocks() -> dict[str, MockChoice]:
    """The mock exams shipped in the wheel (`mocks/*.yaml`), by name: a student has mocks for every
    topic set from any folder, with nothing to download or write. Read once: they never change."""
    return {path.stem: mock_choice(path) for path in sorted(bundled("mocks").glob("*.yaml"))}


def spec_minutes(spec) -> float:
    """The time a spec's `duration` gives ("30 minutes"), else the default."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?) minutes", spec.duration or "")
    return float(m.group(1)) if m else DEFAULT_MINUTES


def resolve_spec(name_or_path: str) -> str:
    """A bundled mock's name (`gans`) or the path of the student's own spec -> the spec's path."""
    text = str(name_or_path).strip() or DEFAULT_MOCK
    mocks = bundled_mocks()
    if text in mocks and not Path(text).is_file():
        return str(mocks[text].path)
    if not Path(text).is_file():
        raise ValueError(f"no exam spec {text!r}: name a bundled mock ({', '.join(mocks)}) or give a spec file's path")
    return str(Path(text).resolve())


def version(bank, spec_path: str, seed: int):
    """The mock's exam version: the spec's sections, drawn with the mock's own seed."""
    spec = replace(load_spec(spec_path), master_seed=str(seed))
    return spec, build_version(spec, section_pools(spec, bank), Student("mock", "practice"))


def part_labels(exam) -> dict:
    """ "q<N>-<part>" -> how the student sees it: "Question 2 (b)"."""
    return {
        f"q{q.number}-{p.id}": f"Question {q.number}" + (f" ({p.label})" if len(q.variant.parts) > 1 else "")
        for q in exam.questions
        for p in q.variant.parts
    }


def new_mock(store, bank, spec_path, minutes: float | None, clock) -> str:
    """A new mock of a bundled mock or a spec file; `minutes` None: the time the spec gives."""
    path = resolve_spec(spec_path)
    minutes = checked_minutes(minutes if minutes is not None else spec_minutes(load_spec(path)))
    seed = secrets.randbelow(10**9)
    version(bank, path, seed)  # a spec that does not build fails here, before anything is stored
    mock_id = secrets.token_hex(6)
    store.start_mock(mock_id, path, seed, minutes, at=clock())
    return mock_id


def mark(bank, store, mock: dict, answers: dict, clock, check=check_answer) -> dict:
    """Check every answer, record the attempts (session "mock-<id>"), and build the report."""
    spec, exam = version(bank, mock["spec"], mock["seed"])
    late = clock() - (mock["started"] + mock["minutes"] * 60)
    sections, objectives = defaultdict(lambda: [0.0, 0.0]), defaultdict(lambda: [0.0, 0.0])
    questions, unmarked = [], 0.0
    for q in exam.questions:
        v = q.variant
        rows = []
        for p in v.parts:
            key = f"q{q.number}-{p.id}"
            typed = str(answers.get(key, ""))[:4000]
            if p.response == "text":  # the student marks these against the rubric (self_mark)
                rows.append({"part": p.id, "answer": typed, "status": "manual", "score": 0, "max": p.points,
                             "model": to_html(p.answer_text), "model_text": p.answer_text,
                             "objectives": v.objectives, "section": q.section,
                             "rubric": [{"points": float(r["points"]), "criterion": to_html(r["criterion"]),
                                         "text": r["criterion"]} for r in p.rubric]})  # fmt: skip
                unmarked += p.points
                continue
            verdict = check(v, p.id, typed) if typed.strip() else None
            score = verdict.score if verdict and not verdict.refused else 0.0
            status = verdict.status if verdict else "unanswered"
            rows.append({"part": p.id, "answer": typed, "status": status, "score": score, "max": p.points,
                         "message": verdict.message if verdict else "no answer"})  # fmt: skip
            store.record(f"mock-{mock['id']}", v.qid, v.seed, p.id, v.objectives,
                         verdict or _unanswered(p), 0, typed, at=clock())  # fmt: skip
            for table, key2 in [(sections, q.section)] + [(objectives, o) for o in v.objectives]:
                table[key2][0] += score
                table[key2][1] += p.points
        questions.append({"number": q.number, "qid": q.qid, "seed": q.seed, "section": q.section, "parts": rows})
    got = sum(s[0] for s in sections.values())
    possible = sum(s[1] for s in sections.values())
    return {
        "score": round(got, 4),
        "max_score": round(possible, 4),
        "unmarked_points": round(unmarked, 4),
        "late_seconds": max(0, round(late)),
        "counted": late <= GRACE_S,
        "sections": {k: [round(a, 4), round(b, 4)] for k, (a, b) in sections.items()},
        "objectives": {k: [round(a, 4), round(b, 4)] for k, (a, b) in objectives.items()},
        "questions": questions,
        "title": spec.title,
    }


def _unanswered(part):
    return Verdict("incorrect", 0.0, part.points, "no answer")


def self_mark(store, mock: dict, marks: dict, clock) -> dict:
    """The student's marks for the written parts: `marks` maps "q<N>-<part>" to the indices of the
    rubric items their answer made. Added to the report once; the attempts are recorded."""
    report = mock["report"]
    if report.get("self_marked"):
        return report
    for q in report["questions"]:
        for row in q["parts"]:
            if row["status"] != "manual":
                continue
            verdict = self_marked(row["rubric"], ticked(marks.get(f"q{q['number']}-{row['part']}", []), row["rubric"]),
                                  row["max"])  # fmt: skip
            earned = verdict.score
            row.update(score=earned, status="self-marked")
            report["score"] = round(report["score"] + earned, 4)
            report["max_score"] = round(report["max_score"] + row["max"], 4)
            for table, name in [("sections", row["section"])] + [("objectives", o) for o in row["objectives"]]:
                got, possible = report[table].get(name, [0, 0])
                report[table][name] = [round(got + earned, 4), round(possible + row["max"], 4)]
            store.record(f"mock-{mock['id']}", q["qid"], q["seed"], row["part"], row["objectives"], verdict, 0,
                         row["answer"], at=clock())  # fmt: skip
    report["unmarked_points"] = 0
    report["self_marked"] = True
    store.finish_mock(mock["id"], mock["answers"], report, at=mock["finished"] or clock())
    return report
