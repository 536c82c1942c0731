"""The Python API; each function is one CLI subcommand (see `examkit --help`).

Every function that reads the question bank takes `bank`: the instructor's own question files and
folders (a folder's syllabus.yaml adds objectives and study-guide items), added to the bundled bank;
`bundled=False` leaves the bundled bank (its questions and syllabus) out."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .bank.figures import render_figure
from .bank.identity import VariantIdentity, realize
from .bank.loader import load_bank
from .bank.template import _jsonable
from .bank.validate import DEFAULT_SEEDS, Report
from .bank.validate import validate as _validate
from .checking.equivalence import Equivalence, check_equivalence
from .checking.verdict import Verdict
from .errors import NotFound, UsageError
from .parts.check import check_answer
from .resources import bundled


def validate(paths=None, seeds: int = DEFAULT_SEEDS, jobs: int = 1, progress_factory=None, bundled=True) -> Report:
    """Check `paths` (default: the bundled bank) against the bank they join (`bank/validate.py`)."""
    return _validate(paths, seeds=seeds, jobs=jobs, progress_factory=progress_factory, bundled=bundled)


def list_questions(topic=None, objective=None, bank=None, bundled=True) -> list[dict]:
    return [
        {
            "id": t.id,
            "title": t.title,
            "topic": t.topic,
            "objectives": t.objectives,
            "covers": t.covers,
            "difficulty": t.difficulty,
            "points": t.points,
            "types": t.part_types,
        }
        for t in load_bank(bank, bundled).select(topic=topic, objective=objective)
    ]


def show(qid: str, seed: int = 0, bank=None, bundled=True):
    """The variant of question `qid` for `seed`."""
    return realize(load_bank(bank, bundled), VariantIdentity(qid, seed))


def write_figures(variant, out_dir, suffix=".png") -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        render_figure(spec, variant, out / f"{variant.qid}-{variant.seed}-{spec['id']}{suffix}")
        for spec in variant.figures
    ]


def format_variant(variant, show_answers: bool = True) -> str:
    env = Environment(
        loader=FileSystemLoader(str(bundled("templates") / "text")),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    params = {k: _jsonable(v) for k, v in variant.params.items()}
    return env.get_template("question.txt.j2").render(
        v=variant, params=params, figures=[f["id"] for f in variant.figures], show_answers=show_answers
    )


def check(qid: str, seed: int, answer: str, part: str | None = None, bank=None, bundled=True) -> Verdict:
    return check_answer(show(qid, seed, bank, bundled), part, answer)


def equiv(expected: str, answer: str, assume=(), variables=(), unknown: str | None = None) -> Equivalence:
    return check_equivalence(expected, answer, names=variables, assume=assume, unknown=unknown)


def coverage(bank=None, bundled=True) -> dict:
    """Syllabus item -> question ids serving it (objectives and study-guide items of the merged syllabus)."""
    loaded = load_bank(bank, bundled)
    syllabus, templates = loaded.syllabus, list(loaded)
    return {
        "objectives": {o: [t.id for t in templates if o in t.objectives] for o in syllabus["objectives"]},
        "items": {i: [t.id for t in templates if i in t.covers] for i in syllabus["items"]},
    }


def reference_list() -> list[dict]:
    from reference_models.runs import MODELS

    return [
        {
            "name": m.name,
            "family": m.family,
            "description": m.description,
            "default_dataset": m.default_dataset,
            "datasets": list(m.datasets),
            "default_epochs": m.config().epochs,
            "settings": dataclasses.asdict(m.config()),
            "presets": list(m.presets),
        }
        for m in MODELS.values()
    ]


def reference_train(
    model: str, dataset=None, epochs=None, seed: int = 0, out=".", progress_factory=None, preset=None, **settings
) -> dict:
    """Train a reference model; writes metrics.json, model.pt and figures/ under `out`.
    `settings`: latent_dim, hidden, batch_size, beta, lr, binarize (None = the model's default).
    The result's metrics["health"]["healthy"] says whether the run can be trusted as ground truth."""
    from reference_models.runs import train_reference

    return train_reference(model, dataset, epochs, seed, out, progress_factory, preset, **settings)


def reference_scenarios(out, seed: int = 0, names=None, progress=None) -> dict:
    from reference_models.scenarios import run_all

    return run_all(out, seed, names, progress)


def reference_cache_runs(out, names=None, progress=None) -> dict:
    """Train the runs behind the bank's diagnosis figures into `<out>/<scenario>.json`;
    returns {scenario: [runs left out, with why]}."""
    from reference_models.cached_runs import SCENARIOS, cache

    unknown = [n for n in names or [] if n not in SCENARIOS]
    if unknown:
        raise NotFound(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    return cache(out, names, progress)


def drill(lines, out, db=None, bank=None, now=None, review=False, mock=None, minutes=None, bundled=True,
          **options) -> dict:  # fmt: skip
    """A drill session reading answers from `lines` (a file object) and writing to `out`; see DrillOptions.
    `review`: redo the mistakes to review (study/mistakes.py); `mock`: a timed mock exam of this spec (`minutes` long).
    `now` is a clock (a function returning seconds), for tests of spaced repetition."""
    from .drill.session import Drill, DrillOptions
    from .study.store import ProgressStore

    if minutes is not None and not mock:
        raise ValueError("--minutes is the time allowed for a mock exam: give it with --mock SPEC")
    if mock:
        from .study.mock import checked_minutes

        checked_minutes(minutes)
    store = ProgressStore(db)
    try:
        loaded = load_bank(bank, bundled)
        if review:  # the mistakes to review, the variant answered last, newest first
            from .study.schedule import review_questions

            options["questions"] = review_questions(store.attempts(), loaded, options.get("count", 5))
            if not options["questions"]:
                raise NotFound(
                    "no mistakes to review: every question's latest answer had full marks, or none was answered yet"
                )
        if mock:
            from .drill.mock import run_in_terminal

            return run_in_terminal(loaded, store, mock, minutes, lines, out, now=now)
        return Drill(loaded, store, DrillOptions(**options), lines, out, now=now).run()
    finally:
        store.close()


def drill_stats(db=None, out=None, bank=None, now=None, exam_date=None, bundled=True) -> dict:
    """Per-objective mastery (weakest first), the questions due next, a progress plot (PNG), and
    with `exam_date` (a datetime.date) the plan to meet every objective and study-guide item by then."""
    import random
    import time

    from .drill.stats import plot_progress, progress_table
    from .study import schedule
    from .study.store import ProgressStore, default_path

    store = ProgressStore(db, writable=False)
    try:
        attempts, boxes = store.attempts(), store.boxes()
    finally:
        store.close()
    from datetime import date

    from .study import progress

    loaded = load_bank(bank, bundled)
    syllabus = loaded.syllabus
    plan = progress.plan(loaded, syllabus, attempts, exam_date, date.fromtimestamp(now or time.time()))
    skills, prefer = schedule.mastery(attempts), progress.preference(plan)  # as a drill would draw them
    upcoming = schedule.plan(list(loaded), boxes, skills, now or time.time(), 5, random.Random(0), prefer)
    objectives = dict(syllabus["objectives"])
    coverage = progress.objective_rows(loaded, syllabus, attempts)
    plot = Path(out) if out else default_path().with_name("drill-progress.png")
    plot_progress(attempts, objectives, plot, coverage)
    return {
        "database": store.where,
        "attempts": len(attempts),
        "objectives": progress_table(attempts, objectives),
        "coverage": coverage,
        "next": upcoming,
        "plot": str(plot),
        "plan": plan,
    }


def practice_sheet(out, topic=None, objective=None, count: int = 10, seed: int = 0, questions=None, bank=None,
                   bundled=True) -> dict:  # fmt: skip
    from .study.sheet import build_sheet

    return build_sheet(
        load_bank(bank, bundled), out, topic=topic, objective=objective, count=count, seed=seed, questions=questions
    )


# --- exams ----------------------------------------------------------------------------------------
def exam_build(spec, out, roster=None, versions=None, formats="pdf", jobs=None, bank=None, answer_sheets=False,
               progress_factory=None, bundled=True):  # fmt: skip
    """`examkit exam build`: every version of an exam spec. A bad spec raises SpecError (its
    problems with file and line), other bad input UsageError; TeX failures are in the report."""
    from .exam.build import build_exam
    from .exam.spec import SpecError

    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    try:
        jobs = (os.cpu_count() or 1) if jobs is None else jobs  # the CLI's default
        return build_exam(spec, out, roster=roster, versions=versions, formats=formats, jobs=jobs,
                          progress_factory=progress_factory, bank_paths=bank, answer_sheets=answer_sheets,
                          bundled=bundled)  # fmt: skip
    except SpecError:
        raise
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def exam_scan(scans, manifest, out, dpi: int = 200):
    """`examkit exam scan`: read scanned sheets into the answers CSV at `out` (and the review file
    beside it where marks are doubtful); returns (ScanResult, review path or None)."""
    from .exam.manifest import read_manifest
    from .sheets.scan import ScanError, scan, write_answers, write_review

    out = Path(out)
    if not 50 <= dpi <= 600:
        raise UsageError(f"--dpi must be between 50 and 600 (got {dpi})")
    if out.is_dir():
        raise UsageError(f"{out}: is a folder; --out names the answers CSV to write")
    try:
        result = scan(scans, read_manifest(manifest), dpi=dpi)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_answers(result, out)
        return result, write_review(result, out)
    except (ScanError, ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None


def exam_grade(manifest, answers, out, bank=None, marks=None, allow_bank_change=False, bundled=None) -> dict:
    """`examkit exam grade`: grades, feedback, marking sheet, item analysis and gradebooks in `out`. The
    bank is the one the manifest records (own folders found again beside it or where they were);
    `bank` replaces its own folders, `bundled` (None: as recorded) says whether the bundled bank joins."""
    from .exam.grade import AnswersError, grade

    try:
        return grade(manifest, answers, out, bank_paths=bank, allow_bank_change=allow_bank_change, marks_path=marks,
                     bundled=bundled)  # fmt: skip
    except (AnswersError, ValueError) as exc:
        raise UsageError(str(exc)) from None


# --- labs -----------------------------------------------------------------------------------------
def lab_notebook(lab: str, kind: str = "starter", out=None) -> Path:
    """`examkit lab starter|solution`: the lab's notebook; `out` a file or a folder (made if need be)."""
    from .labs import get_lab
    from .labs.notebook import write_notebook

    spec = get_lab(lab)
    default = spec.filename if kind == "starter" else spec.filename.replace(".ipynb", "_solution.ipynb")
    path = Path(out) if out else Path(default)
    if path.is_dir() or path.suffix != ".ipynb":  # a folder, existing or to be made
        path = path / spec.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    return Path(write_notebook(spec, kind == "solution", path))


def lab_grade(lab: str, submissions, out, jobs: int = 2, seed: int = 0, sandbox: bool = True, roster=None,
              progress_factory=None, time_scale: float = 1.0) -> dict:  # fmt: skip
    """`examkit lab grade`: files and folders of submissions graded in the jail (without it only
    when `sandbox` is False, on purpose); `progress_factory(count, label)` makes the progress bar;
    `time_scale` multiplies every time limit."""
    from .labs.grade import grade_batch
    from .labs.jail.sandbox import SandboxUnavailable, bwrap_path
    from .labs.submissions import collect

    if sandbox and not bwrap_path():
        raise UsageError(
            "bubblewrap (bwrap) is not installed, so student code cannot be jailed. Install it "
            "(Debian: apt-get install bubblewrap) or pass --unsafe-no-sandbox to run it without a jail."
        )
    missing = [str(s) for s in submissions if not Path(s).exists()]
    if missing:
        raise UsageError(f"no such submission file(s): {', '.join(missing)}")
    try:
        found = collect(submissions)  # once: the progress bar's count, then the batch
        progress = progress_factory(len(found), f"grade {lab}") if progress_factory else None
        return grade_batch(lab, found, out, jobs=jobs, seed=seed, sandbox=sandbox, progress=progress, roster=roster,
                           time_scale=time_scale)  # fmt: skip
    except (ValueError, SandboxUnavailable) as exc:
        raise UsageError(str(exc)) from None


def lab_autograder(lab: str, out, seed: int = 0) -> Path:
    """`examkit lab autograder`: the Gradescope autograder zip for a lab."""
    from .labs.gradescope import autograder_zip

    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(autograder_zip(lab, seed))
    return path


def lab_gradescope(lab: str, submission, results, seed: int = 0, jail: str = "auto") -> dict:
    """`examkit lab gradescope`: one Gradescope submission folder graded into results.json."""
    from .labs.gradescope import grade_for_gradescope
    from .labs.jail.sandbox import SandboxUnavailable

    folder = Path(submission)
    if not folder.is_dir():
        raise UsageError(f"no submission folder {folder}")
    try:
        return grade_for_gradescope(lab, folder, Path(results), seed, jail)
    except SandboxUnavailable as exc:
        raise UsageError(str(exc)) from None


# --- the practice app -------------------------------------------------------------------------------
def practice_app(db=None, bank=None, exam_date=None, mock=None, bundled=True):
    """The practice app (a Flask app) on a progress database; `exam_date` a date or YYYY-MM-DD."""
    from .practice.app import create_app
    from .study.store import ProgressError

    try:
        if isinstance(exam_date, str):
            exam_date = datetime.date.fromisoformat(exam_date)
        return create_app(db=db, bank=load_bank(bank, bundled), exam_date=exam_date, mock_spec=mock)
    except (ValueError, ProgressError) as exc:
        raise UsageError(str(exc)) from None


def practice_serve(app, port: int = 8765, open_browser: bool = False, bank=None, workers: int = 2, bundled=True) -> str:
    """`examkit practice serve`: serve `app` on 127.0.0.1 until Ctrl-C; returns its address."""
    from .practice.app import serve

    try:
        return serve(app, port=port, open_browser=open_browser, bank_paths=bank, workers=workers, bundled=bundled)
    except OSError as exc:  # the port is taken, or not ours to bind
        raise UsageError(f"cannot listen on 127.0.0.1:{port} ({exc}); pass --port") from None


# --- the authoring preview --------------------------------------------------------------------------
def bank_preview_app(path, seed: int = 0, seeds: int | None = None):
    """`examkit bank preview`: the live preview (a Flask app) of a folder of question files, or of
    one file; `seed` is the first variant each template shows, `seeds` how many `validate` tries."""
    from .preview.app import create_app
    from .preview.validation import PREVIEW_SEEDS

    where = Path(path)
    if not where.exists():
        raise NotFound(f"no such file or folder {where}")
    if where.is_file() and where.suffix != ".yaml":
        raise UsageError(f"{where}: not a question file (.yaml); give the file or its folder")
    if seed < 0:
        raise UsageError(f"--seed must be 0 or more (got {seed})")
    seeds = PREVIEW_SEEDS if seeds is None else seeds
    if not 1 <= seeds <= 1000:
        raise UsageError(f"--seeds must be between 1 and 1000 (got {seeds})")
    return create_app(where, seed=seed, seeds=seeds)


def bank_preview_serve(app, port: int = 8766, host: str = "127.0.0.1", open_browser: bool = False) -> str:
    """Serve the preview until Ctrl-C; returns its address."""
    from .preview.app import serve

    try:
        return serve(app, host=host, port=port, open_browser=open_browser)
    except OSError as exc:  # the port is taken, or not ours to bind
        raise UsageError(f"cannot listen on {host}:{port} ({exc}); pass --port") from None


# --- class mode -------------------------------------------------------------------------------------
def class_serve(class_file, host: str = "127.0.0.1", port: int = 8000, workers: int = 2) -> int:
    """`examkit class serve`: the course's practice server (gunicorn, `workers` processes) until
    Ctrl-C or SIGTERM; returns its exit status (0: stopped as asked)."""
    from .classroom import server
    from .classroom.app import create_class_app
    from .classroom.config import load_course

    if not 1 <= workers <= 32:
        raise UsageError(f"--workers must be between 1 and 32 (got {workers})")
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535 (got {port})")
    course = load_course(class_file)
    where = _class_database(course, server.prepare)
    return server.run(create_class_app(course), host, port, workers, course.title, where)


def class_links(class_file, base_url: str, out, days: float | None = None, now: float | None = None) -> dict:
    """`examkit class links`: every member's personal sign-in link, valid `days` (default: the
    course's link_days) from `now`, written to the CSV `out` (id,name,email,link,role), readable by
    its owner only: a link signs its member in."""
    import csv
    import time

    from .classroom.config import load_course
    from .classroom.signin import links

    course = load_course(class_file, bank=False)
    now = time.time() if now is None else now
    rows = links(course, base_url, course.link_days if days is None else days, now)
    with _private(out) as fh:
        writer = csv.DictWriter(fh, ["id", "name", "email", "link", "role"])
        writer.writeheader()
        writer.writerows(rows)
    expires = datetime.datetime.fromtimestamp(now + (course.link_days if days is None else days) * 86400)
    return {"out": str(out), "students": len(course.students), "instructors": len(course.instructors),
            "expires": expires.isoformat(timespec="minutes")}  # fmt: skip


def class_export(class_file, out) -> dict:
    """`examkit class export`: every student's progress as JSON Lines (a backup; class restore reads it)."""
    from .classroom.config import load_course
    from .study.archive import export_lines

    course = load_course(class_file, bank=False, secret=False)
    store = _class_database(course)
    try:
        with _private(out) as fh:
            count = export_lines(store, fh)
    finally:
        store.close()
    return {"out": str(out), "students": count}


def class_restore(class_file, source) -> dict:
    """`examkit class restore`: put back the students of an export (each one's progress replaced by
    the export's, in one transaction; others are left alone). Also names restored students who are
    no longer on the course."""
    from .classroom.config import load_course
    from .study.archive import restore_lines

    course = load_course(class_file, bank=False, secret=False)
    if not Path(source).is_file():
        raise NotFound(f"no export file {source}")
    store = _class_database(course)
    try:
        with open(source, encoding="utf-8") as fh:
            restored = restore_lines(store, fh, str(source))
    finally:
        store.close()
    return {"students": restored, "not_on_course": [s for s in restored if course.member(s) is None]}


def class_forget(class_file, student: str) -> dict:
    """`examkit class forget`: remove every row of one student (their data removed on request),
    whether or not they are still on the roster."""
    from .classroom import limits, lti_store
    from .classroom.config import load_course
    from .study.archive import remove_student, students

    course = load_course(class_file, bank=False, secret=False)
    store = _class_database(course)
    try:
        if student not in students(store) and course.member(student) is None:
            raise NotFound(f"no progress of {student!r} in {store.where}, and no one of that id on the course")
        view = store.for_student(student)
        limits.create(store)
        lti_store.create(store)
        member = course.member(student)
        launches = lti_store.forget(store, student, member.email if member else "")
        rows = remove_student(view) + limits.forget(view) + launches
    finally:
        store.close()
    return {"student": student, "rows": rows}


def _class_database(course, use=None):
    """The course's progress store (or `use(database)`'s result); an unusable database is a UsageError."""
    from .study.store import ProgressError, ProgressStore

    try:
        return (use or ProgressStore)(course.database)
    except ProgressError as exc:
        raise UsageError(str(exc)) from None


@contextlib.contextmanager
def _private(out):
    """A text file only its owner can read, written whole or not at all (a temporary file renamed)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
