"""A mock exam in the terminal (`examkit drill --mock NAME|SPEC`): the same mock model as the
browser (`study/mock.py`), asked question by question against the clock, marked at the end."""

from __future__ import annotations

from ..parts.check import check_answer
from ..study.mock import GRACE_S, mark, new_mock, self_mark, version


def run_in_terminal(bank, store, spec_path, minutes, lines, out, now=None) -> dict:
    """The same mock exam in the terminal (`examkit drill --mock NAME|SPEC [--minutes N]`): every question
    in order against the clock, marked at the end with the same report."""
    import time

    from ..markup import to_terminal
    from ..markup.numbers import format_number
    from .session import Drill, DrillOptions, EndOfSession, choice_note

    clock = now or time.time
    io = Drill(bank, store, DrillOptions(), lines, out, now=clock)  # its prompts: readline, wrapping, q to stop
    mock_id = new_mock(store, bank, spec_path, minutes, clock)
    mock = store.mock(mock_id)
    spec, exam = version(bank, mock["spec"], mock["seed"])
    minutes = mock["minutes"]
    ends = mock["started"] + minutes * 60
    io.time_left = lambda: _clock_text(ends - clock())
    io.deadline = ends
    io.say(f"Mock exam: {spec.title}: {len(exam.questions)} questions in {format_number(minutes)} minutes, marked at "
           "the end. An empty answer leaves a part blank; q hands the exam in.")  # fmt: skip
    answers = {}
    try:
        for q in exam.questions:
            left = ends - clock()
            if left <= 0:
                io.say("\nTime is up.")
                break
            v = q.variant
            io.say(f"\n━━ Question {q.number}/{len(exam.questions)} · {q.section} · "
                   f"{format_number(q.points)} points · {int(left // 60)} min {int(left % 60)} s left")  # fmt: skip
            io.say(to_terminal(v.stem))
            for p in v.parts:
                io.say(f"\n{f'({p.label}) ' if p.label else ''}{to_terminal(p.prompt)}  ({format_number(p.points)} pt)")
                for o in p.options:
                    io.say(f"   {o.letter}. {to_terminal(o.text)}")
                if p.options:
                    io.say(f"   ({choice_note(p)})")
                text = _readable_answer(io, v, p)
                if clock() > ends + GRACE_S:
                    io.say("Time was up before this answer: it is not counted.")
                    raise EndOfSession("late")
                answers[f"q{q.number}-{p.id}"] = text
    except EndOfSession as stop:
        if str(stop) == "time":
            io.say("\nTime is up: the exam is handed in as it stands.")
    except KeyboardInterrupt:
        io.say("\nInterrupted: the exam is marked as it stands.")
    io.time_left = io.deadline = None
    report = mark(bank, store, mock, answers, clock)
    store.finish_mock(mock_id, answers, report, at=clock())
    written = [(q, row) for q in report["questions"] for row in q["parts"] if row["status"] == "manual"]
    labels = {(q.number, p.id): p.label for q in exam.questions for p in q.variant.parts}
    if written:
        io.say("\nMark your written answers against the model answer, one rubric item at a time.")
        marks = {}
        try:
            for q, row in written:
                label = labels[q["number"], row["part"]]
                io.say(
                    f"\nQuestion {q['number']}{f' ({label})' if label else ''}. Your answer: {row['answer'] or '(none)'}"
                )
                io.say(f"   Model answer: {to_terminal(row['model_text'])}")
                for i, item in enumerate(row["rubric"]):
                    io.say(f"   [{format_number(item['points'])} pt] {to_terminal(item['text'])}")
                    if io._mark("   Did your answer make this point? y / n> ") >= 1:
                        marks.setdefault(f"q{q['number']}-{row['part']}", []).append(i)
        except (EndOfSession, KeyboardInterrupt):
            io.say("\nMarking stopped: the unmarked items count 0.")
        report = self_mark(store, store.mock(mock_id), marks, clock)
    io.say(f"\nMarked: {format_number(report['score'])} / {format_number(report['max_score'])}"
           + (f" (plus {format_number(report['unmarked_points'])} point(s) of written answers to mark yourself)"
              if report["unmarked_points"] else ""))  # fmt: skip
    _say_questions(io, exam, report)
    io.say("By section:")
    for name, (got, possible) in report["sections"].items():
        io.say(f"   {name}: {format_number(got)} / {format_number(possible)}")
    names = bank.syllabus["objectives"]
    io.say("By objective:")
    for key, (got, possible) in report["objectives"].items():
        io.say(f"   {names.get(key, key)}: {format_number(got)} / {format_number(possible)}")
    return report


def _clock_text(seconds: float) -> str:
    if seconds <= 0:
        return "time is up"
    return f"{int(seconds // 60)}:{int(seconds % 60):02d} left"


def _say_questions(io, exam, report):
    """Question by question: each part's score, and the expected answer where it was missed."""
    from ..markup.numbers import format_number
    from ..study.shown import expected_text

    parts = {(q.number, p.id): p for q in exam.questions for p in q.variant.parts}
    io.say("\nQuestion by question:")
    for q in report["questions"]:
        io.say(f"   Question {q['number']} ({q['section']}): {q['qid']}")
        for row in q["parts"]:
            mark = "✔" if row["status"] == "correct" else ("✎" if row["status"] == "self-marked" else "✘")
            label = parts[q["number"], row["part"]].label
            line = f"      {f'({label}) ' if label else ''}{mark} {format_number(row['score'])}/{format_number(row['max'])}"
            if row["status"] not in ("correct", "self-marked", "manual"):
                line += f"  your answer: {row['answer'] or '(none)'}; expected: {expected_text(parts[q['number'], row['part']])}"
            io.say(line)


def _readable_answer(io, variant, part, tries: int = 5) -> str:
    """An answer the checker can read (or a blank): unreadable text and drill commands are asked
    again, as the drill does, instead of being stored and marked 0."""
    from .session import HINT, REVEAL

    for _ in range(tries):
        text = io.read_answer(part)
        if text.strip().lower() in HINT + REVEAL:
            io.say("   no hints or answers during a mock exam; an empty line leaves the part blank")
            continue
        if not text.strip() or part.response == "text":
            return text
        verdict = check_answer(variant, part.id, text)
        if not verdict.refused:
            return text
        io.say(f"   ? {verdict.message} (not counted; try again)")
    return ""
