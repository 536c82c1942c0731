"""`examkit` command line. Exit codes: 0 success, 1 a negative result, 2 bad usage or input."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import api
from .bank.loader import BankError
from .bank.template import TemplateError
from .checking.echo import echo_line
from .checking.parse import AnswerError
from .checking.timeout import CheckTimeout
from .errors import UsageError
from .extras import missing_extra
from .markup import to_terminal
from .progress import Progress

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _print_json(data):
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def cmd_validate(args) -> int:
    report = api.validate(
        args.paths or None,
        seeds=args.seeds,
        jobs=args.jobs,
        progress_factory=lambda total: Progress(total, "validate", enabled=not args.json),
    )
    if args.json:
        _print_json(report.to_json())
    else:
        for p in report.problems:
            print(p)
        for w in report.warnings:
            print(f"warning: {w}")
        state = "OK" if report.ok else f"{len(report.problems)} problem(s)"
        if report.warnings:
            state += f", {len(report.warnings)} warning(s) (answers given away; not failing)"
        print(
            f"{state}: {report.files} files, {report.templates} templates, {report.variants} variants, "
            f"{report.checks} answer checks"
        )
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_bank_list(args) -> int:
    rows = api.list_questions(topic=args.topic, objective=args.objective, bank=args.bank)
    if args.json:
        _print_json(rows)
        return EXIT_OK
    for r in rows:
        print(f"{r['id']:<32} {r['topic']:<28} {r['difficulty']:<7} {r['points']:>4g} pt  {','.join(r['types'])}")
    print(f"{len(rows)} question(s)")
    return EXIT_OK


def cmd_bank_show(args) -> int:
    variant = api.show(args.qid, args.seed, bank=args.bank)
    figures = api.write_figures(variant, args.figures) if args.figures else []
    if args.json:
        data = variant.to_json(student=args.no_answers)
        data["figure_files"] = [str(f) for f in figures]
        _print_json(data)
    else:
        print(api.format_variant(variant, show_answers=not args.no_answers), end="")
        for f in figures:
            print(f"figure written: {f}")
    return EXIT_OK


def cmd_bank_coverage(args) -> int:
    cov = api.coverage(bank=args.bank)
    missing = [k for group in cov.values() for k, ids in group.items() if not ids]
    if args.json:
        _print_json({"coverage": cov, "missing": missing})
    else:
        for group, entries in cov.items():
            print(f"{group}:")
            for key, ids in entries.items():
                print(f"  {key:<30} {len(ids):>2}  {', '.join(ids) if ids else 'MISSING'}")
        print("complete" if not missing else f"missing: {', '.join(missing)}")
    return EXIT_OK if not missing else EXIT_FAIL


def _read_answer(text: str) -> str:
    """'-' reads standard input (derivation steps one per line); anything else is taken as typed:
    the two characters '\\n' stay as they are, since '\\nu' and '\\nabla' are LaTeX."""
    if text == "-":
        return sys.stdin.read(1_000_001)
    return text.strip()


def cmd_check(args) -> int:
    verdict = api.check(args.qid, args.seed, _read_answer(args.answer), part=args.part, bank=args.bank)
    if args.json:
        _print_json(verdict.to_json())
    else:
        print(f"{verdict.status}: {verdict.score:g}/{verdict.max_score:g}  {to_terminal(verdict.message)}")
        if verdict.interpreted:
            print(f"  interpreted as: {echo_line(verdict.interpreted)}")
        for line in verdict.feedback:
            print(f"  - {to_terminal(line)}")
    if verdict.refused:
        return EXIT_USAGE
    return EXIT_OK if verdict.status in ("correct", "manual") else EXIT_FAIL


def cmd_equiv(args) -> int:
    try:
        result = api.equiv(
            _read_answer(args.expected),
            _read_answer(args.answer),
            assume=args.assume,
            variables=args.var,
            unknown=args.unknown,
        )
    except AnswerError as exc:
        if args.json:
            _print_json({"equivalent": False, "reason": str(exc), "error": exc.kind})
        else:
            print(f"{exc.kind} input: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json(result.to_json())
    else:
        print(("equivalent" if result.equivalent else "not equivalent") + f": {result.reason}")
        if result.interpreted:
            print(f"  interpreted as: {echo_line(result.interpreted)}")
    return EXIT_OK if result.equivalent else EXIT_FAIL


def cmd_reference_list(args) -> int:
    rows = api.reference_list()
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            print(
                f"{r['name']:<15} {r['family']:<12} default: {r['default_dataset']}, {r['default_epochs']} epochs  "
                f"({r['description']}; datasets: {', '.join(r['datasets'])}"
                + (f"; presets: {', '.join(r['presets'])}" if r["presets"] else "")
                + ")"
            )
    return EXIT_OK


def cmd_reference_train(args) -> int:
    try:
        result = api.reference_train(
            args.model,
            args.dataset,
            args.epochs,
            args.seed,
            args.out,
            progress_factory=lambda total, label: Progress(total, label, enabled=not args.json),
            preset=args.preset,
            latent_dim=args.latent,
            hidden=args.hidden,
            batch_size=args.batch_size,
            beta=args.beta,
            lr=args.lr,
            binarize=args.binarize,
        )
    except ValueError as exc:
        print(f"examkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from reference_models.health import message

    summary = {k: v for k, v in result["metrics"].items() if k != "history"}
    summary["seconds"] = round(result["seconds"], 1)
    summary["out"] = str(result["out"])
    health = summary["health"]
    if args.json:
        _print_json(summary)
    else:
        for key, value in summary.items():
            if not isinstance(value, (list, dict)):
                print(f"{key:<40} {value}")
        print(f"{'healthy':<40} {health['healthy']}")
    if not health["healthy"]:
        print(
            f"examkit: the {args.model} run is unhealthy, not fit as ground truth: {message(health)} "
            f"(details: {result['out']}/metrics.json)",
            file=sys.stderr,
        )
        return EXIT_FAIL
    return EXIT_OK


def cmd_reference_scenarios(args) -> int:
    from reference_models.scenarios import SCENARIOS

    names = args.only or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(
            f"examkit: error: unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    summary = api.reference_scenarios(
        args.out, args.seed, names, progress=Progress(len(names), "scenarios", enabled=not args.json)
    )
    if args.json:
        _print_json(summary)
    else:
        for name, s in summary.items():
            print(f"{'PASS' if s['passed'] else 'FAIL'}  {name:<26} {s['claim']}")
            print(f"      {json.dumps(s['metrics'])}")
    return EXIT_OK if all(s["passed"] for s in summary.values()) else EXIT_FAIL


def cmd_reference_cache_runs(args) -> int:
    from reference_models.cached_runs import SCENARIOS

    names = args.only or list(SCENARIOS)
    total = sum(len(SCENARIOS[n][1]) for n in names if n in SCENARIOS)
    try:
        report = api.reference_cache_runs(
            args.out, args.only, progress=Progress(total, "cached runs", enabled=not args.json)
        )
    except RuntimeError as exc:
        print(f"examkit: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        _print_json({"out": str(args.out), "left_out": report})
    else:
        for name, dropped in report.items():
            print(f"{args.out}/{name}.json: {len(SCENARIOS[name][1]) - len(dropped)} runs")
            for line in dropped:
                print(f"  left out {line}")
    return EXIT_OK


def cmd_exam_build(args) -> int:
    from .exam.build import build_exam
    from .exam.spec import SpecError

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    try:
        report = build_exam(
            args.spec,
            args.out,
            roster=args.roster,
            versions=args.versions,
            formats=formats,
            jobs=args.jobs,
            progress_factory=lambda n, label: Progress(n, label, enabled=not args.json),
            bank_paths=args.bank,
            answer_sheets=args.answer_sheets,
        )
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        print(f"examkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json(report.to_json())
    else:
        print(
            f"{report.versions} version(s), {len(report.tex)} .tex, {len(report.pdfs)} PDF(s) in "
            f"{report.seconds:.1f} s -> {report.out}"
        )
        for failure in report.failures:
            print(failure.error, file=sys.stderr)
        for warning in report.warnings + report.notes:
            print(warning, file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_exam_scan(args) -> int:
    from .exam.manifest import read_manifest
    from .sheets.scan import ScanError, scan, write_answers, write_review

    out = Path(args.out)
    if not 50 <= args.dpi <= 600:
        print(f"examkit: error: --dpi must be between 50 and 600 (got {args.dpi})", file=sys.stderr)
        return EXIT_USAGE
    if out.is_dir():
        print(f"examkit: error: {out}: is a folder; --out names the answers CSV to write", file=sys.stderr)
        return EXIT_USAGE
    try:
        manifest = read_manifest(args.manifest)
        result = scan(args.scans, manifest, dpi=args.dpi)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_answers(result, out)
        review = write_review(result, out)
    except (ScanError, ValueError, OSError) as exc:
        print(f"examkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json({**result.to_json(), "out": str(out), "review": str(review) if review else None})
    else:
        print(f"{result.read} of {result.pages} page(s) read, {len(result.rows)} answer row(s) -> {out}")
        for line in result.unreadable:
            print(f"unreadable: {line}", file=sys.stderr)
        for d in result.doubts:
            print(f"check by eye: {d.source}: version {d.code} {d.field}: {d.reason}", file=sys.stderr)
        if review:
            print(f"{len(result.doubts)} doubtful mark(s) left blank for review: {review}", file=sys.stderr)
    return EXIT_FAIL if result.doubts or result.unreadable else EXIT_OK


def cmd_exam_grade(args) -> int:
    from .exam.grade import AnswersError, grade
    from .exam.stats import describe

    try:
        result = grade(
            args.manifest, args.answers, args.out, bank_paths=args.bank, allow_bank_change=args.allow_bank_change,
            marks_path=args.marks,
        )  # fmt: skip
    except (AnswersError, ValueError) as exc:
        print(f"examkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json(result)
    else:
        print(f"graded {result['graded_answers']} answer(s) of {result['students']} student(s) -> {result['out']}")
        for row in result["item_analysis"]:
            disc = "n/a" if row["discrimination"] is None else f"{row['discrimination']:+.2f}"
            common = ", ".join(f"{name} x{n}" for name, n in row["misconceptions"]) or "-"
            print(f"  {row['qid']:<30} mean {row['mean_score']:.2f}  discrimination {disc}  misconceptions: {common}")
        for line in describe(result["reliability"]):
            print(line)
        if result["gradebook"]["files"]:
            print(f"gradebook: {', '.join(result['gradebook']['files'])}")
        for note in result["gradebook"]["notes"]:
            print(f"gradebook: {note}")
        if result["absent"]:
            print(f"absent (no answers; left out of the statistics): {', '.join(result['absent'])}")
        if result["marks_read"]:
            print(f"marker scores read from {result['marks_read']}")
        if result["to_mark_by_hand"]:
            counts = ", ".join(f"{part} x{n}" for part, n in result["not_yet_marked"].items())
            print(f"not yet marked: {result['to_mark_by_hand']} answer(s) marked by a person ({counts}); fill "
                  f"marker_score in {result['marking_sheet']} and rerun (it is read back from --out, or give "
                  "--marks FILE)", file=sys.stderr)  # fmt: skip
        if result["to_review"]:
            print(f"{result['to_review']} scanned answer(s) held back for review (0 points until settled): look "
                  "at the sheet, type the answer into the answers CSV, clear its review cell and rerun",
                  file=sys.stderr)  # fmt: skip
    return EXIT_FAIL if result["to_review"] or result["to_mark_by_hand"] else EXIT_OK


def cmd_lab_notebook(args) -> int:
    from .labs import get_lab
    from .labs.notebook import write_notebook

    lab = get_lab(args.lab)
    default = lab.filename if args.kind == "starter" else lab.filename.replace(".ipynb", "_solution.ipynb")
    out = Path(args.out) if args.out else Path(default)
    if out.is_dir() or out.suffix != ".ipynb":  # a folder, existing or to be made
        out = out / lab.filename
    out.parent.mkdir(parents=True, exist_ok=True)
    print(write_notebook(lab, args.kind == "solution", out))
    return EXIT_OK


def cmd_lab_grade(args) -> int:
    from .labs.grade import grade_batch
    from .labs.jail.sandbox import SandboxUnavailable, bwrap_path
    from .labs.submissions import collect

    if not args.unsafe_no_sandbox and not bwrap_path():
        print(
            "examkit: error: bubblewrap (bwrap) is not installed, so student code cannot be jailed. Install it "
            "(Debian: apt-get install bubblewrap) or pass --unsafe-no-sandbox to run it without a jail.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    missing = [s for s in args.submissions if not Path(s).exists()]
    if missing:
        print(f"examkit: error: no such submission file(s): {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        submissions = collect(args.submissions)  # once: the progress bar's count, then the batch
        summary = grade_batch(
            args.lab,
            submissions,
            args.out,
            jobs=args.jobs,
            seed=args.seed,
            sandbox=not args.unsafe_no_sandbox,
            progress=Progress(len(submissions), f"grade {args.lab}", enabled=not args.json),
            roster=args.roster,
        )
    except (ValueError, SandboxUnavailable) as exc:
        print(f"examkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for warning in summary["warnings"]:
        print(f"examkit: warning: {warning}", file=sys.stderr)
    if args.json:
        _print_json(summary)
    else:
        for name, score in summary["scores"].items():
            print(f"{score:>6g} / {summary['max_score']:g}  {name}")
        print(f"{summary['submissions']} graded ({summary['reused']} from the cache) -> {summary['out']}")
        if summary["review"]:
            print(
                f"to review ({len(summary['review'])}: zero scores, time-outs, not graded): {summary['out']}/review.csv"
            )
    return EXIT_OK


def cmd_lab_autograder(args) -> int:
    from .labs.gradescope import autograder_zip

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(autograder_zip(args.lab, args.seed))
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment")
    return EXIT_OK


def cmd_lab_gradescope(args) -> int:
    from .labs.gradescope import grade_for_gradescope
    from .labs.jail.sandbox import SandboxUnavailable

    folder = Path(args.submission)
    if not folder.is_dir():
        print(f"examkit: error: no submission folder {folder}", file=sys.stderr)
        return EXIT_USAGE
    try:
        results = grade_for_gradescope(args.lab, folder, Path(args.results), args.seed, args.jail)
    except SandboxUnavailable as exc:
        print(f"examkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    extra = results["extra_data"]
    print(f"student code: {extra['jail']}")
    if extra.get("refused"):
        print("examkit: error: not graded, the jail's protections do not hold here:", file=sys.stderr)
        for problem in extra["refused"]:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_FAIL
    print(f"{results['score']:g} / {extra['max_score']:g} -> {args.results}")
    return EXIT_OK


def cmd_drill(args) -> int:
    from .drill.session import AnswerInputError
    from .drill.stats import format_table
    from .study.store import ProgressError

    try:
        exam_date = _exam_date(args.exam_date)
        if args.stats:
            result = api.drill_stats(args.db, args.out, bank=args.bank, exam_date=exam_date)
            if args.json:
                _print_json({**result, "coverage": [vars(r) | {"coverage": r.coverage} for r in result["coverage"]]})
            else:
                print(format_table(result["coverage"]))
                print("\nNext up: " + "; ".join(f"{q['qid']} ({q['why']})" for q in result["next"]))
                print(f"{result['attempts']} attempt(s) in {result['database']}; progress plot: {result['plot']}")
                if result["plan"]:
                    plan = result["plan"]
                    print(
                        f"Exam on {plan['exam_date']}, {plan['days_left']} day(s) left: about {plan['per_day']} new "
                        f"question(s) a day ({len(plan['questions'])} in all) meets every objective and study-guide "
                        f"item. Today: {', '.join(plan['today']) or 'nothing new: review what is due'}"
                    )
            return EXIT_OK
        lines = open(args.answers, encoding="utf-8") if args.answers and args.answers != "-" else sys.stdin
        try:
            api.drill(
                lines,
                sys.stdout,
                db=args.db,
                bank=args.bank,
                count=args.count,
                topic=args.topic,
                objective=args.objective,
                seed=args.seed,
                questions=args.question or [],
                review=args.review,
                exam_date=exam_date,
                mock=args.mock,
                minutes=args.minutes,
                figures_dir=Path(args.figures) if args.figures else None,
                open_figures=not args.no_open and not args.json and sys.stdin.isatty() and lines is sys.stdin,
                json_mode=args.json,
            )
        finally:
            if lines is not sys.stdin:
                lines.close()
    except (ProgressError, AnswerInputError, ValueError) as exc:
        print(f"examkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nSession interrupted; answered questions are saved.", file=sys.stderr)
    return EXIT_OK


def cmd_practice_sheet(args) -> int:
    result = api.practice_sheet(
        args.out,
        topic=args.topic,
        objective=args.objective,
        count=args.count,
        seed=args.seed,
        questions=args.question,
        bank=args.bank,
    )
    if args.json:
        _print_json(result)
    else:
        print(f"{len(result['questions'])} question(s) -> {result['out']}")
    return EXIT_OK


def cmd_practice_serve(args) -> int:
    from .bank.loader import load_bank
    from .practice.app import create_app, serve
    from .study.store import ProgressError

    try:
        exam_date = _exam_date(args.exam_date)
        app = create_app(
            db=args.db, bank=load_bank(args.bank) if args.bank else None, exam_date=exam_date, mock_spec=args.mock
        )
    except (ValueError, ProgressError) as exc:
        print(f"examkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        serve(app, port=args.port, open_browser=args.open, bank_paths=args.bank, workers=args.workers)
    except OSError as exc:  # the port is taken, or not ours to bind
        print(f"examkit: error: cannot listen on 127.0.0.1:{args.port} ({exc}); pass --port", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _exam_date(text):
    """--exam-date YYYY-MM-DD, or None."""
    import datetime

    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--exam-date {text!r}: write the date as YYYY-MM-DD, e.g. 2026-12-14") from None


def bank_option(p):
    """--bank, the same on every command that reads the question bank."""
    p.add_argument(
        "--bank",
        action="append",
        metavar="PATH",
        help="question files or folders to use instead of the bundled bank (repeatable)",
    )


def json_option(p):
    p.add_argument("--json", action="store_true", help="print the result as JSON (for scripts)")


MAX_COUNT = 200


def whole_number(low: int, high: int, what: str):
    """An argparse type: a whole number from `low` to `high` (argparse turns the error into exit 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: give {low} to {high} {what}")
        return value

    return parse


count_type = whole_number(1, MAX_COUNT, "questions")
workers_type = whole_number(1, 32, "processes")


def lab_argument(p):
    from .labs import REGISTERED

    p.add_argument("lab", choices=REGISTERED, help=f"which lab: {', '.join(REGISTERED)}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="examkit", description="Exams, drills and grading for a unit on generative models."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check question files: schema, references, 200 seeds of each template")
    p.add_argument("paths", nargs="*", help="question files or folders (default: the bundled bank)")
    p.add_argument("--seeds", type=int, default=200, help="seeds per template (default 200)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    json_option(p)
    p.set_defaults(func=cmd_validate)

    bank = sub.add_parser("bank", help="browse the question bank").add_subparsers(
        dest="bank_command", required=True, metavar="ACTION"
    )
    p = bank.add_parser("list", help="list question templates")
    p.add_argument("--topic", help="only this topic (vae, gan, autoencoders, ...)")
    p.add_argument("--objective", help="only templates serving this checklist objective")
    json_option(p)
    p.set_defaults(func=cmd_bank_list)
    p = bank.add_parser("show", help="show one variant: stem, parameters, answers, solution")
    p.add_argument("qid", help="question id (see examkit bank list)")
    p.add_argument("--seed", type=int, default=0, help="variant seed (default 0): the same seed gives the same numbers")
    json_option(p)
    p.add_argument(
        "--no-answers", action="store_true", help="student view: only what the stem shows (no parameters or answers)"
    )
    p.add_argument("--figures", metavar="DIR", help="also write the variant's figures (PNG) here")
    p.set_defaults(func=cmd_bank_show)
    p = bank.add_parser("coverage", help="which templates serve each checklist objective and study-guide item")
    json_option(p)
    p.set_defaults(func=cmd_bank_coverage)
    for action in bank.choices.values():
        bank_option(action)

    p = sub.add_parser("check", help="check an answer to one variant")
    p.add_argument("qid", help="question id (see examkit bank list)")
    p.add_argument("--seed", type=int, default=0, help="variant seed (default 0), as in bank show or an exam manifest")
    p.add_argument("--part", help="part id (needed for multi-part questions)")
    p.add_argument("--answer", required=True, help="the answer; '-' reads stdin; derivation steps on separate lines")
    bank_option(p)
    json_option(p)
    p.set_defaults(func=cmd_check)

    exam = sub.add_parser(
        "exam", help="randomized exams: build PDFs, keys, manifest; grade typed answers"
    ).add_subparsers(dest="exam_command", required=True, metavar="ACTION")
    p = exam.add_parser("build", help="build every version of an exam spec")
    p.add_argument("spec", help="exam spec (YAML): title, master_seed, sections drawing from the bank")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--roster", help="CSV with student_id,name: one version per student")
    group.add_argument("--versions", type=int, help="N anonymous versions")
    p.add_argument(
        "--format", default="pdf", help="comma-separated: pdf,tex,moodle,qti,html (default pdf; .tex is always written)"
    )
    p.add_argument(
        "--out",
        required=True,
        help="output folder, replaced by each successful build: students/ (exam PDFs to hand out) and instructor/ "
        "(manifest.json, answer key, solutions, previews with answers, exports, TeX sources)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="parallel pdflatex processes (default: the number of cores)",
    )
    p.add_argument(
        "--answer-sheets",
        action="store_true",
        help="also print each version's bubble answer sheet (students/NAME-answer-sheet.pdf) for `exam scan`",
    )
    bank_option(p)
    json_option(p)
    p.set_defaults(func=cmd_exam_build)
    p = exam.add_parser("grade", help="grade typed answers against each student's version")
    p.add_argument("manifest", help="the manifest.json that `exam build` wrote (in its instructor/ folder)")
    p.add_argument(
        "answers",
        help="CSV: student_id,question,part,answer (or wide: student_id,Q1,Q2a,...); student_id may be the "
        "version code printed on an anonymous paper, part the printed label (a), (b) or empty for one-part questions",
    )
    p.add_argument(
        "--out",
        required=True,
        help="folder for grades.csv, canvas.csv, moodle.csv, feedback/, item_analysis.json and marking.csv",
    )
    p.add_argument(
        "--marks",
        help="a filled marking.csv (marker_score per rubric item) for the parts a person marks: written parts, "
        "formulas and derivations answered on paper; default: OUT/marking.csv when it exists",
    )
    bank_option(p)
    p.add_argument(
        "--allow-bank-change",
        action="store_true",
        help="grade even though questions of the bank changed since the exam was built (they are named)",
    )
    json_option(p)
    p.set_defaults(func=cmd_exam_grade)
    p = exam.add_parser("scan", help="read scanned answer sheets into the answers CSV `exam grade` takes")
    p.add_argument("scans", help="a multi-page PDF, an image, or a folder of PDFs/images (150-300 dpi)")
    p.add_argument("--manifest", required=True, help="the manifest.json of the build that printed the sheets")
    p.add_argument(
        "--out",
        required=True,
        help="answers CSV to write (student_id,question,part,answer,marker_score; student_id is the version code); "
        "doubtful marks go to OUT's name with -review.csv",
    )
    p.add_argument("--dpi", type=int, default=200, help="resolution to rasterize PDF scans at (default 200)")
    json_option(p)
    p.set_defaults(func=cmd_exam_scan)

    lab = sub.add_parser("lab", help="lab notebooks: starter, solution, autograding in a jail").add_subparsers(
        dest="lab_command", required=True, metavar="ACTION"
    )
    for kind in ("starter", "solution"):
        p = lab.add_parser(kind, help=f"write the {kind} notebook of a lab")
        lab_argument(p)
        p.add_argument("--out", help="file or folder (default: the lab's notebook name)")
        p.set_defaults(func=cmd_lab_notebook, kind=kind)
    p = lab.add_parser("grade", help="grade .ipynb/.py submissions against the reference models")
    lab_argument(p)
    p.add_argument(
        "submissions",
        nargs="+",
        help=".ipynb or .py files, or folders of them (a Gradescope export, a Canvas bulk download)",
    )
    p.add_argument(
        "--out",
        required=True,
        help="output folder (created): per-student results.json and feedback.html, grades.csv, canvas.csv, review.csv",
    )
    p.add_argument(
        "--roster", metavar="CSV", help="CSV with a file column and student, id, sis_id, login: names for canvas.csv"
    )
    p.add_argument("--jobs", type=int, default=2, help="submissions graded in parallel (default 2)")
    p.add_argument("--seed", type=int, default=0, help="grading seed: the same inputs for every submission")
    p.add_argument("--unsafe-no-sandbox", action="store_true", help="run student code without bubblewrap (not safe)")
    json_option(p)
    p.set_defaults(func=cmd_lab_grade)
    p = lab.add_parser("autograder", help="write a Gradescope autograder zip (setup.sh, run_autograder) for a lab")
    lab_argument(p)
    p.add_argument("--out", required=True, help="the zip to write, e.g. autograder.zip")
    p.add_argument("--seed", type=int, default=0, help="grading seed baked into the autograder (default 0)")
    p.set_defaults(func=cmd_lab_autograder)
    p = lab.add_parser("gradescope", help="grade one Gradescope submission folder into results.json (run_autograder)")
    lab_argument(p)
    p.add_argument("--submission", required=True, help="the submission folder (/autograder/submission)")
    p.add_argument("--results", required=True, help="results.json to write (/autograder/results/results.json)")
    p.add_argument("--seed", type=int, default=0, help="grading seed: the same inputs for every submission")
    p.add_argument(
        "--jail",
        choices=["auto", "bwrap", "user"],
        default="auto",
        help="bwrap, or user: run student code as the unprivileged examkit-student behind a network filter, "
        "after making the grader's installed packages, /autograder/source and the results folder root-only "
        "(meant for Gradescope's container; refuses unless every protection is verified). auto: bwrap where "
        "it works",
    )
    p.set_defaults(func=cmd_lab_gradescope)

    ref = sub.add_parser("reference", help="reference PyTorch models: train, failure scenarios").add_subparsers(
        dest="reference_command", required=True, metavar="ACTION"
    )
    p = ref.add_parser("list", help="the reference models and their data sets")
    json_option(p)
    p.set_defaults(func=cmd_reference_list)
    p = ref.add_parser(
        "train",
        help="train one model; writes metrics.json, model.pt and figures/ (exit 1 when the run is unhealthy)",
    )
    p.add_argument("model", help="reference model (see examkit reference list)")
    p.add_argument("--dataset", help="digits | digits28 | gaussians8 | gaussians25 | mnist:PATH")
    p.add_argument("--epochs", type=int, help="training epochs (default: the model's own)")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="training seed (default 0): the same seed gives the same metrics and figures",
    )
    p.add_argument("--out", required=True, help="output folder (created): metrics.json, model.pt, figures/")
    p.add_argument(
        "--preset",
        help="a published recipe to reproduce (vae: pytorch-examples = 784-400-20, batch 128, 10 epochs)",
    )
    p.add_argument("--latent", type=int, metavar="N", help="latent (code or z) size (default: the model's own)")
    p.add_argument("--hidden", type=int, metavar="N", help="hidden layer width of the MLP models")
    p.add_argument("--batch-size", type=int, metavar="N", help="minibatch size")
    p.add_argument("--beta", type=float, metavar="B", help="KL weight of the VAEs (1 = the ELBO; beta_vae: 4)")
    p.add_argument("--lr", type=float, metavar="LR", help="Adam learning rate (GANs: both players)")
    p.add_argument(
        "--binarize",
        choices=["static", "dynamic"],
        help="VAEs: train on binarized pixels, one fixed draw (static) or a fresh draw per batch (dynamic); "
        "the test set is one fixed draw either way",
    )
    json_option(p)
    p.set_defaults(func=cmd_reference_train)
    p = ref.add_parser("scenarios", help="run every failure scenario (mode collapse, KL collapse, ...)")
    p.add_argument("--out", required=True, help="output folder (created): one run per scenario and scenarios.json")
    p.add_argument("--seed", type=int, default=0, help="seed of every run (default 0)")
    p.add_argument("--only", action="append", metavar="NAME", help="run only this scenario (repeatable)")
    json_option(p)
    p.set_defaults(func=cmd_reference_scenarios)
    p = ref.add_parser(
        "cache-runs",
        help="train the runs behind the bank's diagnosis figures (questions/runs/*.json)",
        description="Runs each scenario's grid of seeded trainings and keeps the runs that show the "
        "scenario's story; questions with a {run: SCENARIO} parameter draw their numbers and figures from them.",
    )
    p.add_argument(
        "--out",
        default="questions/runs",
        help="folder of <scenario>.json files, the runs/ folder beside the bank's YAML files "
        "(default questions/runs, from the current folder)",
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="cache only this scenario (repeatable); an unknown name lists the scenarios",
    )
    json_option(p)
    p.set_defaults(func=cmd_reference_cache_runs)

    p = sub.add_parser(
        "drill",
        help="practise in the terminal: fresh variants, instant checking, spaced repetition",
        epilog="At an answer prompt: ? shows a hint, ! shows the answer, q ends the session. "
        "Derivations and short answers take several lines; an empty line ends them.",
    )
    p.add_argument("--topic", help="only this topic (see examkit bank list)")
    p.add_argument("--objective", help="only this checklist objective (see examkit bank coverage)")
    p.add_argument(
        "--count", type=count_type, default=5, help=f"questions in the session, 1 to {MAX_COUNT} (default 5)"
    )
    p.add_argument("--seed", type=int, help="session seed: the same seed and progress give the same questions")
    p.add_argument("--question", action="append", metavar="ID[@SEED]", help="drill exactly this question (repeatable)")
    p.add_argument("--answers", metavar="FILE", help="read answers from FILE ('-' for stdin) instead of the terminal")
    p.add_argument("--json", action="store_true", help="one JSON event per line instead of text (for scripts)")
    p.add_argument("--db", metavar="PATH", help="progress database (default: $XDG_DATA_HOME/examkit/drill.sqlite)")
    p.add_argument("--figures", metavar="DIR", help="where figures are saved (default: $XDG_CACHE_HOME/examkit)")
    p.add_argument("--no-open", action="store_true", help="do not open figures in a viewer")
    p.add_argument("--stats", action="store_true", help="print mastery per objective and write a progress plot")
    p.add_argument(
        "--review",
        action="store_true",
        help="redo your mistakes: questions whose latest answer missed marks (up to --count), the same variants",
    )
    p.add_argument(
        "--mock",
        metavar="SPEC",
        help="a timed mock exam, marked at the end: a bundled mock's name (whole-unit, autoencoders-vae, gans, "
        "foundations-and-labs) or an exam spec file",
    )
    p.add_argument(
        "--minutes", type=float, help="with --mock: the time allowed (default: the spec's duration, else 50)"
    )
    p.add_argument(
        "--exam-date",
        metavar="YYYY-MM-DD",
        help="plan for this date: its questions come first (with --stats: the plan)",
    )
    p.add_argument("--out", metavar="FILE.png", help="with --stats: where the plot goes")
    bank_option(p)
    p.set_defaults(func=cmd_drill)

    practice = sub.add_parser("practice", help="practice material for students").add_subparsers(
        dest="practice_command", required=True, metavar="ACTION"
    )
    p = practice.add_parser("sheet", help="a self-contained HTML practice sheet with folded answers and solutions")
    p.add_argument("--topic", help="only this topic (see examkit bank list)")
    p.add_argument("--objective", help="only this checklist objective (see examkit bank coverage)")
    p.add_argument(
        "--count", type=count_type, default=10, help=f"questions on the sheet, 1 to {MAX_COUNT} (default 10)"
    )
    p.add_argument("--seed", type=int, default=0, help="sheet seed (default 0): the same seed gives the same sheet")
    p.add_argument(
        "--question", action="append", metavar="ID[@SEED]", help="put exactly this question on the sheet (repeatable)"
    )
    p.add_argument("--out", required=True, metavar="FILE.html", help="the HTML file to write (its folder is created)")
    bank_option(p)
    json_option(p)
    p.set_defaults(func=cmd_practice_sheet)
    p = practice.add_parser("serve", help="the practice app in your browser: practice, mock exams, review, progress")
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the app in the default browser")
    p.add_argument("--db", metavar="PATH", help="progress database (default: $XDG_DATA_HOME/examkit/drill.sqlite)")
    p.add_argument("--exam-date", metavar="YYYY-MM-DD", help="plan practice so everything is met before this date")
    p.add_argument("--workers", type=workers_type, default=2, help="processes that check answers at once (default 2)")
    p.add_argument(
        "--mock",
        metavar="SPEC",
        help="the mock exam offered first: a bundled mock's name or an exam spec file (default whole-unit)",
    )
    bank_option(p)
    p.set_defaults(func=cmd_practice_serve)

    p = sub.add_parser(
        "equiv",
        help="are two expressions equivalent? (0 yes, 1 no, 2 invalid input)",
        epilog="Put '--' before expressions that start with '-': examkit equiv -- -log(4) '-2*log(2)'",
    )
    p.add_argument("expected", help="the expected expression (plain or LaTeX; may start with '-')")
    p.add_argument("answer", help="the expression to compare with it")
    p.add_argument("--assume", action="append", default=[], metavar="COND", help="e.g. 'sigma>0' or '0<D<1'")
    p.add_argument("--var", action="append", default=[], metavar="NAME", help="declare a variable")
    p.add_argument("--unknown", help="compare equations by their solutions for this variable")
    json_option(p)
    p.set_defaults(func=cmd_equiv)
    return parser


def _option_strings(parser: argparse.ArgumentParser) -> set[str]:
    found = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _option_strings(sub)
    return found


def protect_leading_minus(argv: list[str], options: set[str]) -> list[str]:
    """Answers start with '-' all the time in this unit (-ELBO, -log D, -0.138). argparse takes such a
    word for an option, so a word that starts with '-' and is no option of examkit's is marked as a
    value by a leading space (argparse reads words with a space as values; answers are stripped).
    Long options ('--answer', or an abbreviation such as '--ans') are left to argparse."""
    out = []
    for word in argv:
        is_value = word.startswith("-") and not word.startswith("--") and word != "-" and word not in options
        out.append(" " + word if is_value else word)
    return out


def main(argv=None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(protect_leading_minus(argv, _option_strings(parser)))
    try:
        return args.func(args)
    except BankError as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAIL
    except (UsageError, TemplateError, AnswerError, FileNotFoundError) as exc:
        print(f"examkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CheckTimeout:
        print("examkit: error: checking took too long; simplify the input", file=sys.stderr)
        return EXIT_USAGE
    except ModuleNotFoundError as exc:
        message = missing_extra(args.command, getattr(args, f"{args.command}_command", ""), exc)
        if message is None:
            raise
        print(f"examkit: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:  # Ctrl-C: what was half done is already cleaned up; no traceback
        print("\nexamkit: interrupted", file=sys.stderr)
        return 130
