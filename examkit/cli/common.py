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
    from ..labs import REGISTERED

    p.add_argument("lab", choices=REGISTERED, help=f"which lab: {', '.join(REGISTERED)}")
