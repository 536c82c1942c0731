"""Check a typed answer against one part of a variant: the single entry point graders use.

How each part type judges an answer lives in its module under `examkit/parts/`; this entry point
adds what every check needs: a hard time limit, and unreadable or unsafe input as a verdict (never
an exception) so one bad answer never stops a batch.
"""

from __future__ import annotations

from ..checking.errors import AnswerError, CheckerFault
from ..checking.timeout import CheckTimeout, time_limit
from ..checking.verdict import Verdict
from . import part_type

CHECK_TIMEOUT_S = 2.0


def check_answer(variant, part_id, answer, timeout: float = CHECK_TIMEOUT_S) -> Verdict:
    part = variant.part(part_id)
    try:
        with time_limit(timeout):
            return part_type(part.type).check(variant, part, answer)
    except AnswerError as exc:
        return _refused(exc, part)
    except CheckTimeout:
        return Verdict(
            "unsafe", 0.0, part.points, f"too large: checking took longer than {timeout:g} s; simplify the answer"
        )
    except RecursionError:
        return Verdict("unsafe", 0.0, part.points, "too large: the answer is nested too deeply")
    except Exception as exc:  # the boundary: whatever the answer, a verdict, never a traceback
        return _refused(CheckerFault(exc), part)


def _refused(exc: AnswerError, part) -> Verdict:
    details = {"step": exc.step} if hasattr(exc, "step") else {}
    if isinstance(exc, CheckerFault):
        details["fault"] = repr(exc.cause)[:300]
    return Verdict(exc.kind, 0.0, part.points, str(exc), details=details)
