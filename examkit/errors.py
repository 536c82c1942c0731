"""The one channel for a user's mistakes. The CLI prints a `UsageError` as `examkit: error: ...`
and exits 2; any other exception is a bug and keeps its traceback, so a programming slip (a
KeyError deep in the code) is never shown as if the user had typed something wrong."""

from __future__ import annotations

import difflib


class UsageError(Exception):
    """Input the user can fix: the message says what and how."""


class NotFound(UsageError, KeyError):
    """A name the user gave that is not there (a question, part, topic, scenario). Also a KeyError,
    for code that looks names up and handles a miss."""

    def __str__(self) -> str:  # KeyError's str() would print the message in quotes
        return str(self.args[0]) if self.args else ""


def close_matches(word, names) -> list[str]:
    """The names a misspelt `word` most likely meant, best first (at most three): similar spellings,
    then a name the word abbreviates or spells out (`absolute` for `abs`)."""
    word, names = str(word), [str(n) for n in names]
    close = difflib.get_close_matches(word, names, n=3, cutoff=0.6)
    lower = word.lower()
    close += [n for n in names if len(n) >= 3 and n not in close and (lower.startswith(n) or n.startswith(lower))]
    return close[:3]


def did_you_mean(word, names) -> str:
    """' (did you mean 'tolerance'?)' for a misspelt name, '' when no name is close: an error that
    names the fix teaches more than one that lists every name."""
    close = close_matches(word, names)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
