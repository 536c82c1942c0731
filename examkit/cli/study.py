"""`examkit drill` and `examkit practice`: the student's terminal drill, practice sheet and app."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import api
from .common import (
    EXIT_OK,
    EXIT_USAGE,
    MAX_COUNT,
    bank_option,
    count_type,
    json_option,
    parse_exam_date,
    print_json,
    workers_type,
)


def cmd_drill(args) -> int:
    from ..drill.session import AnswerInputError
    from ..drill.stats import format_table
    from ..study.store import ProgressError

    try:
        exam_date = parse_exam_date(args.exam_date)
        if args.stats:
            result = api.drill_stats(args.db, args.out, bank=args.bank, exam_date=exam_date, bundled=args.bundled)
            if args.json:
                print_json({**result, "coverage": [vars(r) | {"coverage": r.coverage} for r in result["coverage"]]})
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
                bundled=args.bundled,
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
        bundled=args.bundled,
    )
    if args.json:
        print_json(result)
    else:
        print(f"{len(result['questions'])} question(s) -> {result['out']}")
    return EXIT_OK


def cmd_practice_serve(args) -> int:
    app = api.practice_app(db=args.db, bank=args.bank, exam_date=parse_exam_date(args.exam_date), mock=args.mock,
                           bundled=args.bundled)  # fmt: skip
    api.practice_serve(app, port=args.port, open_browser=args.open, bank=args.bank, workers=args.workers,
                       bundled=args.bundled)  # fmt: skip
    return EXIT_OK


def add_commands(sub) -> None:
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
