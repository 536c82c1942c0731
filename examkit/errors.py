"""The one channel for a user's mistakes. The CLI prints a `UsageError` as `examkit: error: ...`
and exits 2; any other exception is a bug and keeps its traceback, so a programming slip (a
KeyError deep in the code) is never shown as if the user had typed something wrong."""

from __future__ import annotations


class UsageError(Exception):
    """Input the user can fix: the message says what and how."""


class NotFound(UsageError, KeyError):
    """A name the user gave that is not there (a question, part, topic, scenario). Also a KeyError,
    for code that looks names up and handles a miss."""

    def __str__(self) -> str:  # KeyError's str() would print the message in quotes
        return str(self.args[0]) if self.args else ""
