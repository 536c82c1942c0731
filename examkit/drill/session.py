"""One drill session: pick a question, show a fresh variant, read and check each answer, give the
verdict, feedback and worked solution, record the attempt and move the question between boxes.

Input is any line stream (a terminal, a file, stdin), so the same code serves students and scripts;
`json_mode` replaces the text with one JSON event per line.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..bank.figures import render_figure
from ..bank.identity import VariantIdentity, realize
from ..checking.echo import echo_line
from ..checking.verdict import Verdict
from ..markup import to_terminal
from ..markup.numbers import format_number
from ..markup.unicode import plain_to_unicode
from ..parts.check import check_answer
from ..parts.short import self_marked
from ..resources import user_cache_dir
from ..study import schedule
from ..study.schedule import question_ref, schedule_days, select_templates
from ..study.shown import expected_text
from ..study.store import ProgressStore

HINT, REVEAL, QUIT = ("?", "hint"), ("!", "show", "give up"), ("q", "quit", "exit")
MAX_INVALID = 5
SELF_MARKS = {"y": 1.0, "yes": 1.0, "p": 0.5, "partly": 0.5, "n": 0.0, "no": 0.0}
HELP = "? for a hint, ! to see the answer, q to quit"


class EndOfSession(Exception):
    """The student quit, or the input ran out."""


class AnswerInputError(Exception):
    """The answers cannot be read (not UTF-8): the message names the file."""


@dataclass
class DrillOptions:
    count: int = 5
    topic: str | None = None
    objective: str | None = None
    seed: int | None = None  # the session's seed: same seed and same progress, same questions
    questions: list = field(default_factory=list)  # "qid" or "qid@seed": exactly these variants
    figures_dir: Path | None = None
    open_figures: bool = False
    json_mode: bool = False
    exam_date: object = None  # a datetime.date: questions on the plan to meet everything by then come first


class Drill:
    def __init__(self, bank, store: ProgressStore, options: DrillOptions, lines, out, now=None):
        self.bank, self.store, self.options = bank, store, options
        self.lines, self.out = lines, out
        self.clock = now or time.time
        self.session_seed = options.seed if options.seed is not None else secrets.randbelow(10**9)
        self.rng = random.Random(self.session_seed)
        self.session = f"{int(self.clock())}-{self.session_seed}"
        self.results = []
        self.stopped_marking: EndOfSession | None = None
        self.time_left = None  # a mock exam's clock: a callable giving the text shown before each prompt
        self.deadline = None  # a mock exam's end (on `clock`): a prompt still waiting then is cut short
        self.interactive = interactive_terminal(lines, out) and not options.json_mode
        self.width = max(40, min(shutil.get_terminal_size((100, 24)).columns, 120)) if self.interactive else 100
        if self.interactive:
            try:
                import readline  # noqa: F401  (input() then edits lines: arrow keys, history)
            except ImportError:
                pass

    # --- output -----------------------------------------------------------------------------
    def say(self, text: str = ""):
        if not self.options.json_mode:
            self.out.write(wrap(text, self.width) + "\n")
            self.out.flush()

    def event(self, kind: str, **data):
        if self.options.json_mode:
            self.out.write(json.dumps({"event": kind, **data}, ensure_ascii=False, default=str) + "\n")
            self.out.flush()

    def read(self, prompt: str) -> str:
        if self.time_left:
            prompt = f"[{self.time_left()}] {prompt}"
        with self.until_deadline():
            if self.interactive:  # input() edits the line with readline: arrows, history, Ctrl-A/E
                try:
                    line = input(prompt) + "\n"
                except EOFError:
                    line = ""
            else:
                if not self.options.json_mode:
                    self.out.write(prompt)
                    self.out.flush()
                try:
                    line = self.lines.readline()
                except UnicodeDecodeError as exc:
                    raise AnswerInputError(
                        f"{getattr(self.lines, 'name', 'the answers')}: not UTF-8 text ({exc.reason} at byte "
                        f"{exc.start}); answers before it are saved"
                    ) from None
        if not line:
            raise EndOfSession("end of input")
        text = line.rstrip("\r\n")
        if text.strip().lower() in QUIT:
            raise EndOfSession("quit")
        return text

    @contextmanager
    def until_deadline(self):
        """A mock exam ends at 0:00 even while a prompt waits, as the browser's does: an alarm
        (SIGALRM, main thread only) interrupts the read with EndOfSession("time")."""
        if self.deadline is None or threading.current_thread() is not threading.main_thread():
            yield
            return
        left = self.deadline - self.clock()
        if left <= 0:
            raise EndOfSession("time")

        def time_up(signum, frame):
            raise EndOfSession("time")

        previous = signal.signal(signal.SIGALRM, time_up)
        signal.setitimer(signal.ITIMER_REAL, left)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    # --- the session ------------------------------------------------------------------------
    def plan(self):
        """Templates to draw from, in the student's filter; raises KeyError for an unknown id."""
        if self.options.questions:
            return [(self.bank.get(qid), seed) for qid, seed in map(question_ref, self.options.questions)]
        return select_templates(self.bank, self.options.topic, self.options.objective)

    def run(self) -> dict:
        pool = self.plan()
        self.event("session", session=self.session, seed=self.session_seed, database=self.store.where)
        self.say(
            f"Drill session (seed {self.session_seed}). Answers: numbers, expressions (plain or LaTeX), "
            f"option letters; derivations one step per line, then an empty line. {HELP}."
        )
        asked = set()
        total = len(pool) if self.options.questions else self.options.count
        try:
            for number in range(1, total + 1):
                if self.options.questions:
                    template, seed = pool[number - 1]
                    why = "chosen"
                else:
                    attempts = self.store.attempts()
                    skills = schedule.mastery(attempts)
                    template, why = schedule.pick(
                        pool, self.store.boxes(), skills, self.clock(), self.rng, asked, prefer=self.planned(attempts)
                    )
                    seed = None
                asked.add(template.id)
                seed = seed if seed is not None else self.rng.randrange(1_000_000)
                self.ask_question(number, total, template, seed, why)
        except EndOfSession as stop:
            self.say(f"\nSession ended ({stop}).")
        except KeyboardInterrupt:
            self.say("\nSession interrupted (Ctrl-C); your answers so far are saved.")
        return self.summary()

    def planned(self, attempts) -> dict:
        if not self.options.exam_date:
            return {}
        import datetime

        from ..study import progress

        today = datetime.date.fromtimestamp(self.clock())
        plan = progress.plan(self.bank, self.bank.syllabus, attempts, self.options.exam_date, today)
        return progress.preference(plan)

    def ask_question(self, number, total, template, seed, why):
        variant = realize(self.bank, VariantIdentity(template.id, seed))
        figures = self.figures(variant)
        self.event(
            "question",
            number=number,
            qid=variant.qid,
            seed=seed,
            title=variant.title,
            why=why,
            objectives=variant.objectives,
            stem=to_terminal(variant.stem),
            figures=[str(f) for f in figures],
            parts=[
                {
                    "id": p.id,
                    "type": p.type,
                    "points": p.points,
                    "prompt": to_terminal(p.prompt),
                    "options": [{"letter": o.letter, "text": to_terminal(o.text)} for o in p.options],
                    **({"start": plain_to_unicode(p.start)} if p.response == "steps" else {}),
                }
                for p in variant.parts
            ],
        )
        self.say(f"\n━━ Question {number}/{total} · {variant.title} · {variant.qid} seed {seed} ({why})")
        self.say(to_terminal(variant.stem))
        for f in figures:
            self.say(f"[figure: {f}]")
        hints = list(variant.hints)
        got = possible = 0.0
        used_hints = 0
        answered = 0
        for part in variant.parts:
            try:
                verdict, answer, part_hints = self.ask_part(variant, part, hints)
            except (EndOfSession, KeyboardInterrupt):
                self.leave_question(variant, got, answered, used_hints)
                raise
            answered += 1
            used_hints += part_hints
            got, possible = got + verdict.score, possible + verdict.max_score
            self.store.record(
                self.session,
                variant.qid,
                seed,
                part.id,
                variant.objectives,
                verdict,
                part_hints,
                answer,
                at=self.clock(),
            )
            if self.stopped_marking:  # q while self-marking: the marks so far are kept, then the session ends
                stop, self.stopped_marking = self.stopped_marking, None
                self.leave_question(variant, got, answered, used_hints)
                raise stop
        self.show_solution(variant)
        fraction = got / possible if possible else 0.0
        state = self.store.finish_question(variant.qid, seed, fraction, used_hints, at=self.clock())
        self.results.append(
            {"qid": variant.qid, "seed": seed, "score": round(got, 4), "max_score": possible, "box": state.box}
        )
        self.say(
            f"Score {format_number(got)}/{format_number(possible)}; this question is now in box {state.box} "
            f"(due again: {schedule_days(state, self.clock())})." + (f" {state.note}" if state.note else "")
        )

    def leave_question(self, variant, got, answered, used_hints):
        """A question left half-done goes back to box 1, so it comes again soon."""
        if not answered:
            return
        state = self.store.finish_question(variant.qid, variant.seed, 0.0, used_hints, at=self.clock())
        self.results.append({"qid": variant.qid, "seed": variant.seed, "score": round(got, 4),
                             "max_score": variant.points, "box": state.box})  # fmt: skip

    def ask_part(self, variant, part, hints: list):
        hints = list(part.hints) + hints
        label = f"({part.label}) " if part.label else ""
        unit = f" [{part.unit}]" if part.unit else ""
        self.say(f"\n{label}{to_terminal(part.prompt)}{unit}  ({format_number(part.points)} pt)")
        for o in part.options:
            self.say(f"   {o.letter}. {to_terminal(o.text)}")
        if part.options:
            self.say(f"   ({choice_note(part)})")
        if part.response == "steps":
            self.say(f"   Start from: {plain_to_unicode(part.start)}   (one step per line; an empty line ends)")
        used, retyped = 0, None
        for _ in range(MAX_INVALID):
            answer = retyped if retyped is not None else self.read_answer(part)
            retyped = None
            if answer.strip().lower() in HINT:
                if used < len(hints):
                    self.say(f"   hint: {to_terminal(hints[used])}")
                    self.event("hint", qid=variant.qid, part=part.id, hint=to_terminal(hints[used]))
                    used += 1
                else:
                    self.say("   no more hints; ! shows the answer")
                    self.event("hint", qid=variant.qid, part=part.id, hint=None)
                continue
            if answer.strip().lower() in REVEAL:
                verdict = Verdict("incorrect", 0.0, part.points, "answer shown without an attempt")
            elif part.response == "text":
                verdict = self.self_assess(part)
            else:
                verdict = check_answer(variant, part.id, answer)
            self.report(variant, part, answer, verdict)
            if verdict.refused:
                retyped = self.retype_step(answer, verdict.details.get("step"))
                continue
            return verdict, answer, used
        verdict = Verdict("incorrect", 0.0, part.points, f"no readable answer after {MAX_INVALID} tries")
        self.report(variant, part, "", verdict)
        return verdict, "", used

    def read_answer(self, part) -> str:
        if part.response not in ("steps", "text"):
            return self.read("answer> ")
        lines = []
        while True:
            line = self.read("step> " if part.response == "steps" else "text> ")
            if not lines and line.strip().lower() in HINT + REVEAL:
                return line
            if not line.strip():
                if lines:
                    return "\n".join(lines)
                continue
            lines.append(line)

    def retype_step(self, answer: str, step: int | None) -> str | None:
        """One unreadable step of a derivation is typed again; the steps around it are kept."""
        lines = [line for line in answer.splitlines() if line.strip()]
        if not step or not 1 <= step <= len(lines):
            return None
        self.say(f"   Retype step {step} (the other {len(lines) - 1} are kept; an empty line types them all again):")
        line = self.read(f"step {step}> ")
        if not line.strip():
            return None
        lines[step - 1] = line
        return "\n".join(lines)

    def self_assess(self, part) -> Verdict:
        """Short answers are marked by the student against the model answer, one rubric item at a time."""
        self.say(f"   Model answer: {to_terminal(part.answer_text)}")
        self.event("rubric", answer=to_terminal(part.answer_text), rubric=part.rubric)
        marks = {}
        try:
            for i, r in enumerate(part.rubric):
                self.say(
                    f"   {i + 1}/{len(part.rubric)} [{format_number(r['points'])} pt] {to_terminal(r['criterion'])}"
                )
                marks[i] = self._mark("   Did your answer make this point? y / p / n> ")
        except (EndOfSession, KeyboardInterrupt) as stop:
            if not marks:  # nothing marked yet: the part is left unanswered, not recorded as wrong
                raise EndOfSession("quit") from None
            self.say("   Marking stopped: the items not marked count 0.")
            self.stopped_marking = stop if isinstance(stop, EndOfSession) else EndOfSession("interrupted")
        return self_marked(part.rubric, marks, part.points)

    def _mark(self, prompt) -> float:
        while True:
            mark = self.read(prompt).strip().lower()
            if mark in SELF_MARKS:
                return SELF_MARKS[mark]
            self.say("   answer y (yes), p (partly) or n (no)")

    def report(self, variant, part, answer, verdict: Verdict):
        self.event("verdict", qid=variant.qid, seed=variant.seed, part=part.id, answer=answer, **verdict.to_json())
        mark = {"correct": "✔", "partial": "◐", "imprecise": "◐", "invalid": "?", "unsafe": "?"}.get(
            verdict.status, "✘"
        )
        if verdict.interpreted:
            self.say(f"   you typed: {plain_to_unicode(echo_line(verdict.interpreted))}")
        self.say(f"   {mark} {to_terminal(verdict.message)}")
        if verdict.refused:
            self.say("   (not counted; try again)")
            return
        for line in verdict.feedback:
            if not verdict.misconception or line not in verdict.message:
                self.say(f"     {to_terminal(line)}")
        if verdict.status != "correct" and part.response != "text":  # a written part showed its model answer
            self.say(f"   Expected: {expected_text(part)}")

    def show_solution(self, variant):
        texts = [(p.id, p.solution) for p in variant.parts if p.solution]
        if variant.solution:
            texts.append((None, variant.solution))
        self.event(
            "solution",
            qid=variant.qid,
            seed=variant.seed,
            answers={p.id: expected_text(p) for p in variant.parts},
            solutions={pid or "all": to_terminal(t) for pid, t in texts},
            steps={p.id: [plain_to_unicode(s) for s in p.steps] for p in variant.parts if p.steps},
        )
        shown = [(pid, t) for pid, t in texts if not any(p.id == pid and t == p.answer_text for p in variant.parts)]
        if not shown and not any(p.steps for p in variant.parts):
            return
        texts = shown
        self.say("\nWorked solution:")
        for p in variant.parts:
            if p.steps:
                self.say(
                    f"   {f'({p.label}) ' if p.label else ''}"
                    + f"\n        {p.step_link} ".join(plain_to_unicode(s) for s in p.steps)
                )
        for pid, text in texts:
            label = next((p.label for p in variant.parts if p.id == pid), "")
            self.say(("   " + (f"({label}) " if label else "")) + to_terminal(text))

    def figures(self, variant) -> list[Path]:
        if not variant.figures:
            return []
        folder = self.options.figures_dir or default_figures_dir()
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for spec in variant.figures:
            path = folder / f"{variant.qid}-{variant.seed}-{spec['id']}.png"
            if not path.exists():
                render_figure(spec, variant, path)
            paths.append(path)
            if self.options.open_figures:
                open_in_viewer(path)
        return paths

    def summary(self) -> dict:
        skills = schedule.mastery(self.store.attempts())
        got = sum(r["score"] for r in self.results)
        possible = sum(r["max_score"] for r in self.results)
        data = {
            "session": self.session,
            "seed": self.session_seed,
            "questions": self.results,
            "score": round(got, 4),
            "max_score": possible,
            "mastery": skills,
        }
        self.event("summary", **data)
        if self.results:
            self.say(
                f"\nThis session: {format_number(got)}/{format_number(possible)} points over "
                f"{len(self.results)} question(s). examkit drill --stats shows your progress."
            )
        else:
            self.say(
                "\nThis session: no question answered, nothing recorded. examkit drill --stats shows your progress."
            )
        return data


def interactive_terminal(lines, out) -> bool:
    return lines is sys.stdin and out is sys.stdout and sys.stdin.isatty() and sys.stdout.isatty()


def wrap(text: str, width: int) -> str:
    """Each line wrapped at spaces to the terminal's width, its indentation kept on the lines it
    continues on; words, formulas without spaces and paths are never split."""
    import textwrap

    out = []
    for line in text.split("\n"):
        indent = line[: len(line) - len(line.lstrip())]
        if len(line) <= width:
            out.append(line)
            continue
        out.extend(textwrap.wrap(line, width, subsequent_indent=indent + "  ",
                                 break_long_words=False, break_on_hyphens=False, drop_whitespace=True))  # fmt: skip
    return "\n".join(out)


def choice_note(part) -> str:
    """What a choice part asks for, said once for every surface (the web and LaTeX say it too)."""
    return "select all that apply: letters such as A, C" if part.select == "multiple" else "choose one letter"


def default_figures_dir() -> Path:
    return user_cache_dir() / "drill-figures"


def open_in_viewer(path: Path):
    """Open a figure where a desktop viewer exists; otherwise its path was printed."""
    opener = shutil.which("xdg-open") or shutil.which("open")
    if opener and (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or opener.endswith("/open")):
        subprocess.Popen(
            [opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
