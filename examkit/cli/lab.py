"""`examkit lab`: starters, solutions, batch grading in the jail, Gradescope."""

from __future__ import annotations

import sys

from .. import api
from ..progress import Progress
from .common import (
    EXIT_FAIL,
    EXIT_OK,
    json_option,
    lab_argument,
    print_json,
)


def cmd_lab_notebook(args) -> int:
    print(api.lab_notebook(args.lab, args.kind, args.out))
    return EXIT_OK


def cmd_lab_grade(args) -> int:
    summary = api.lab_grade(
        args.lab,
        args.submissions,
        args.out,
        jobs=args.jobs,
        seed=args.seed,
        sandbox=not args.unsafe_no_sandbox,
        roster=args.roster,
        progress_factory=lambda n, label: Progress(n, label, enabled=not args.json),
        time_scale=args.time_scale,
    )
    for warning in summary["warnings"]:
        print(f"examkit: warning: {warning}", file=sys.stderr)
    if args.json:
        print_json(summary)
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
    out = api.lab_autograder(args.lab, args.out, args.seed)
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment")
    return EXIT_OK


def cmd_lab_gradescope(args) -> int:
    results = api.lab_gradescope(args.lab, args.submission, args.results, args.seed, args.jail)
    extra = results["extra_data"]
    print(f"student code: {extra['jail']}")
    if extra.get("refused"):
        print("examkit: error: not graded, the jail's protections do not hold here:", file=sys.stderr)
        for problem in extra["refused"]:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_FAIL
    print(f"{results['score']:g} / {extra['max_score']:g} -> {args.results}")
    return EXIT_OK


def add_commands(sub) -> None:
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
    p.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="multiply every time limit (a check's 10 s, GAN training's 40 s, a notebook's 120 s) by F: "
        "above 1 on a slow machine, below 1 to be done sooner with notebooks that never stop (default 1)",
    )
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
