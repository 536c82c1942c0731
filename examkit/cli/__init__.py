"""`examkit` command line: one module per command group, each with its parser block beside its
commands. Exit codes: 0 success, 1 a negative result, 2 bad usage or input (a `UsageError`); any
other exception is a bug and keeps its traceback."""

from __future__ import annotations

import argparse
import sys

from ..bank.loader import BankError
from ..bank.template import TemplateError
from ..checking.parse import AnswerError
from ..checking.timeout import CheckTimeout
from ..errors import UsageError
from ..extras import missing_extra
from . import classroom, exam, lab, questions, reference, study
from .common import EXIT_FAIL, EXIT_OK, EXIT_USAGE

GROUPS = (questions, exam, lab, reference, study, classroom)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="examkit", description="Exams, drills and grading for a unit on generative models."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_commands(sub)
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
