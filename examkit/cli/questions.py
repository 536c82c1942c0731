"""`examkit validate`, `bank`, `check` and `equiv`: the question bank and the checker."""

from __future__ import annotations

import os
import sys

from .. import api
from ..checking.echo import echo_line
from ..checking.parse import AnswerError
from ..markup import to_terminal
from ..preview.validation import PREVIEW_SEEDS
from ..progress import Progress
from .common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_USAGE,
    bank_option,
    bundled_option,
    json_option,
    print_json,
    read_answer,
)


def cmd_validate(args) -> int:
    report = api.validate(
        args.paths or None,
        bundled=args.bundled,
        seeds=args.seeds,
        jobs=args.jobs,
        progress_factory=lambda total: Progress(total, "validate", enabled=not args.json),
    )
    if args.json:
        print_json(report.to_json())
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
    rows = api.list_questions(topic=args.topic, objective=args.objective, bank=args.bank, bundled=args.bundled)
    if args.json:
        print_json(rows)
        return EXIT_OK
    for r in rows:
        print(f"{r['id']:<32} {r['topic']:<28} {r['difficulty']:<7} {r['points']:>4g} pt  {','.join(r['types'])}")
    print(f"{len(rows)} question(s)")
    return EXIT_OK


def cmd_bank_show(args) -> int:
    variant = api.show(args.qid, args.seed, bank=args.bank, bundled=args.bundled)
    figures = api.write_figures(variant, args.figures) if args.figures else []
    if args.json:
        data = variant.to_json(student=args.no_answers)
        data["figure_files"] = [str(f) for f in figures]
        print_json(data)
    else:
        print(api.format_variant(variant, show_answers=not args.no_answers), end="")
        for f in figures:
            print(f"figure written: {f}")
    return EXIT_OK


def cmd_bank_preview(args) -> int:
    app = api.bank_preview_app(args.path, seed=args.seed, seeds=args.seeds)
    api.bank_preview_serve(app, port=args.port, host=args.host, open_browser=args.open)
    return EXIT_OK


def cmd_bank_coverage(args) -> int:
    cov = api.coverage(bank=args.bank, bundled=args.bundled)
    missing = [k for group in cov.values() for k, ids in group.items() if not ids]
    if args.json:
        print_json({"coverage": cov, "missing": missing})
    else:
        for group, entries in cov.items():
            print(f"{group}:")
            for key, ids in entries.items():
                print(f"  {key:<30} {len(ids):>2}  {', '.join(ids) if ids else 'MISSING'}")
        print("complete" if not missing else f"missing: {', '.join(missing)}")
    return EXIT_OK if not missing else EXIT_FAIL


def cmd_check(args) -> int:
    verdict = api.check(args.qid, args.seed, read_answer(args.answer), part=args.part, bank=args.bank,
                        bundled=args.bundled)  # fmt: skip
    if args.json:
        print_json(verdict.to_json())
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
            read_answer(args.expected),
            read_answer(args.answer),
            assume=args.assume,
            variables=args.var,
            unknown=args.unknown,
        )
    except AnswerError as exc:
        if args.json:
            print_json({"equivalent": False, "reason": str(exc), "error": exc.kind})
        else:
            print(f"{exc.kind} input: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print_json(result.to_json())
    else:
        print(("equivalent" if result.equivalent else "not equivalent") + f": {result.reason}")
        if result.interpreted:
            print(f"  interpreted as: {echo_line(result.interpreted)}")
    return EXIT_OK if result.equivalent else EXIT_FAIL


def add_commands(sub) -> None:
    p = sub.add_parser("validate", help="check question files: schema, references, 200 seeds of each template")
    p.add_argument(
        "paths",
        nargs="*",
        help="question files or folders to check (default: the bundled bank); their ids must not clash with the "
        "bundled bank's, and their objectives and items are those of the bundled syllabus and each folder's "
        "syllabus.yaml",
    )
    p.add_argument(
        "--seeds", type=int, default=api.DEFAULT_SEEDS, help=f"seeds per template (default {api.DEFAULT_SEEDS})"
    )
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    bundled_option(p)
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
    p = bank.add_parser(
        "preview",
        help="preview question files in the browser as you write them: every template with its key, "
        "solution, feedback and validate problems, updated when you save",
    )
    p.add_argument("path", help="a folder of question files (*.yaml), or one file")
    p.add_argument("--port", type=int, default=8766, help="port (default 8766; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--seed", type=int, default=0, help="the variant each template shows first (default 0)")
    p.add_argument(
        "--seeds",
        type=int,
        default=PREVIEW_SEEDS,
        help=f"seeds per template for the page's validate report (default {PREVIEW_SEEDS})",
    )
    p.add_argument("--open", action="store_true", help="open the preview in the default browser")
    p.set_defaults(func=cmd_bank_preview)

    p = sub.add_parser("check", help="check an answer to one variant")
    p.add_argument("qid", help="question id (see examkit bank list)")
    p.add_argument("--seed", type=int, default=0, help="variant seed (default 0), as in bank show or an exam manifest")
    p.add_argument("--part", help="part id (needed for multi-part questions)")
    p.add_argument("--answer", required=True, help="the answer; '-' reads stdin; derivation steps on separate lines")
    bank_option(p)
    json_option(p)
    p.set_defaults(func=cmd_check)

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
