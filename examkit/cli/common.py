"""What every command shares: exit codes, JSON output, the common options and argument types."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import UsageError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def print_json(data):
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def parse_exam_date(text):
    """--exam-date YYYY-MM-DD, or None."""
    import datetime

    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--exam-date {text!r}: write the date as YYYY-MM-DD, e.g. 2026-12-14") from None


def read_answer(text: str) -> str:
    """'-' reads standard input (derivation steps one per line); anything else is taken as typed:
    the two characters '\\n' stay as they are, since '\\nu' and '\\nabla' are LaTeX."""
    if text == "-":
        return sys.stdin.read(1_000_001)
    return text.strip()


def bank_option(p, grading: bool = False):
    """--bank and --no-bundled, the same on every command that reads the question bank; `grading`:
    an exam's manifest records its bank, so both default to what it records."""
    p.add_argument(
        "--bank",
        action="append",
        metavar="PATH",
        help="your own question files or folders, added to the bundled bank (repeatable); a folder's syllabus.yaml "
        "adds objectives and study-guide items"
        + ("; default: the folders the manifest records, found beside it or where they were" if grading else ""),
    )
    bundled_option(p, default=None if grading else True)


def bundled_option(p, default=True):
    p.add_argument(
        "--no-bundled",
        dest="bundled",
        action="store_const",
        const=False,
        default=default,
        help="leave the bundled bank out (its questions and syllabus): only the files and folders given"
        + ("; default: as the manifest records" if default is None else ""),
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
    from ..labs import REGISTERED

    p.add_argument("lab", choices=REGISTERED, help=f"which lab: {', '.join(REGISTERED)}")
