"""Check a typed answer against one part of a variant: the single entry point graders use.

How each part type judges an answer lives in its module under `examkit/parts/`; this entry point
adds what every check needs: a hard time limit, and unreadable or unsafe input as a verdict (never
an exception) so one bad answer never stops a batch.
"""

from __future__ import annotations

from ..parts import part_type
from .parse import AnswerError
from .timeout import CheckTimeout, time_limit
from .verdict import Verdict

CHECK_TIMEOUT_S = 2.0


def check_answer(variant, part_id, answer, timeout: float = CHECK_TIMEOUT_S) -> Verdict:
    part = variant.part(part_id)
    try:
        with time_limit(timeout):
            return part_type(part.type).check(variant, part, answer)
    except AnswerError as exc:
        where = {"step": exc.step} if hasattr(exc, "step") else {}
        return Verdict(exc.kind, 0.0, part.points, str(exc), details=where)
    except CheckTimeout:
        return Verdict("unsafe", 0.0, part.points, f"checking took longer than {timeout:g} s; simplify the answer")
    except RecursionError:
        return Verdict("unsafe", 0.0, part.points, "answer is nested too deeply")
