"""Answer checking: safe parsing, equivalence, and per-type verdicts."""

from .check import check_answer
from .equivalence import Equivalence, Variables, check_equivalence
from .parse import AnswerError, UnsafeInput, parse_math
from .verdict import Verdict

__all__ = [
    "check_answer",
    "check_equivalence",
    "Equivalence",
    "Variables",
    "AnswerError",
    "UnsafeInput",
    "parse_math",
    "Verdict",
]
