"""Why an answer could not be checked: the message is shown to the student, the kind is the verdict."""

from __future__ import annotations


class AnswerError(ValueError):
    """An answer that cannot be read; the message is shown to the student."""

    kind = "invalid"


class UnsafeInput(AnswerError):
    """Input refused because it could cost unbounded time or memory (too large), or looks like code."""

    kind = "unsafe"


class CheckerFault(AnswerError):
    """Checking failed inside the checker (a bug, or a limit of sympy no rule foresaw): the answer
    gets an 'invalid' verdict that says so, never a traceback, and the fuzz tests require none."""

    def __init__(self, exc: BaseException):
        super().__init__(f"this answer could not be checked ({type(exc).__name__}); please write it another way")
        self.cause = exc
