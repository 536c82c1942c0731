"""`examkit exam build | scan | grade`: paper and typed exams."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import api
from ..progress import Progress
from .common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_USAGE,
    bank_option,
    json_option,
    print_json,
)


def cmd_exam_build(args) -> int:
    from ..exam.spec import SpecError

    try:
        report = api.exam_build(
            args.spec,
            args.out,
            roster=args.roster,
            versions=args.versions,
            formats=args.format,
            jobs=args.jobs,
            bank=args.bank,
            bundled=args.bundled,
            answer_sheets=args.answer_sheets,
            progress_factory=lambda n, label: Progress(n, label, enabled=not args.json),
        )
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print_json(report.to_json())
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
    result, review = api.exam_scan(args.scans, args.manifest, args.out, dpi=args.dpi)
    out = Path(args.out)
    if args.json:
        print_json({**result.to_json(), "out": str(out), "review": str(review) if review else None})
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
    from ..exam.stats import describe

    result = api.exam_grade(args.manifest, args.answers, args.out, bank=args.bank, marks=args.marks,
                            allow_bank_change=args.allow_bank_change, bundled=args.bundled)  # fmt: skip
    if args.json:
        print_json(result)
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


def add_commands(sub) -> None:
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
    bank_option(p, grading=True)
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
