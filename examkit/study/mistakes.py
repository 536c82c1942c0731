"""What "a mistake to review" is, for every front-end: the terminal's `examkit drill --review` and
the practice app's review page read it here, so the two lists can never disagree.

A question (template) is a mistake to review when its latest answer, by time, scored less than full
marks. A later answer with full marks, on any variant, puts it right; answers before the latest one
no longer count.
"""

from __future__ import annotations


def latest_answers(attempts: list[dict]) -> dict[str, list[dict]]:
    """Per question, the attempt rows of its latest answer, one per part: the rows of the newest
    row's session and variant, back to a part answered twice (an earlier answer in that session)."""
    latest: dict[str, list[dict]] = {}
    complete = set()
    for a in reversed(sorted(attempts, key=lambda a: a["at"])):  # newest first; rows of one time, last first
        if a["qid"] in complete:
            continue
        rows = latest.setdefault(a["qid"], [])
        if rows and ((a["session"], a["seed"]) != (rows[0]["session"], rows[0]["seed"])
                     or any(r["part"] == a["part"] for r in rows)):  # fmt: skip
            complete.add(a["qid"])
            continue
        rows.append(a)
    return {qid: rows[::-1] for qid, rows in latest.items()}


def full_marks(rows: list[dict]) -> bool:
    return sum(r["score"] for r in rows) >= sum(r["max_score"] for r in rows)


def to_review(attempts: list[dict], known=None) -> list[list[dict]]:
    """The mistakes to review, newest first: each is the latest answer's rows (one per part).
    `known`: the question ids that still exist in the bank (others are left out)."""
    found = [
        rows
        for qid, rows in latest_answers(attempts).items()
        if (known is None or qid in known) and not full_marks(rows)
    ]
    return sorted(found, key=lambda rows: rows[-1]["at"], reverse=True)
