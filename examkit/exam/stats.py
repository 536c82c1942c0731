"""Item statistics and reliability over an exam's slots.

A slot is a position in the exam's structure: the k-th question of a section. With randomized
sections each student answers one variant (question) per slot, so statistics are taken per slot,
a student's slot score being their score on whatever variant they drew; then KR-20 and Cronbach's
alpha are defined for randomized exams as for fixed ones.

- KR-20 (dichotomous): a slot counts 1 when the student has full marks on it, else 0.
  KR-20 = k/(k-1) * (1 - sum p_i q_i / var(total)).
- Cronbach's alpha (polytomous): a slot's score is the share of its points the student got
  (0-1, so variants worth different points weigh alike). alpha = k/(k-1) * (1 - sum var_i / var(total)).

Every variance is the population variance (divide by n), matching p*q in KR-20; for dichotomous
slots alpha then equals KR-20. Where a coefficient cannot be computed its value is None and
`kr20_reason` / `alpha_reason` say why.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict

from .mark import UNMARKED

VARIANCE = "population"
PENDING = (UNMARKED, "review")  # no score yet: a person marks it, or a scanned mark to check


def slot_map(versions: dict) -> tuple[dict, list]:
    """(student id, question number) -> slot number (1-based), and each slot's section and
    position. Sections are ordered as the versions print them (questions are numbered through
    the exam), so with shuffled questions a slot still never mixes sections."""
    order: dict[str, int] = {}
    keys = {}
    for sid, version in versions.items():
        position: dict[str, int] = defaultdict(int)
        for q in sorted(version["questions"], key=lambda q: q["number"]):
            section = q.get("section", "")
            order.setdefault(section, len(order))
            position[section] += 1
            keys[sid, q["number"]] = (order[section], position[section], section)
    ranked = sorted(set(keys.values()))
    number = {key: i for i, key in enumerate(ranked, start=1)}
    info = [{"slot": number[key], "section": key[2], "position": key[1]} for key in ranked]
    return {where: number[key] for where, key in keys.items()}, info


def pearson(xs, ys) -> float | None:
    """Correlation of two score lists; None when it is undefined (under 3 students, no spread)."""
    if len(xs) < 3 or statistics.pvariance(xs) == 0 or statistics.pvariance(ys) == 0:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    return cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


def _r(value):
    return None if value is None else round(value, 4)


def _name(info: dict) -> str:
    section = f" ({info['section']}, question {info['position']})" if info["section"] else ""
    return f"slot {info['slot']}{section}"


def slot_statistics(marks, versions: dict) -> tuple[list, dict]:
    """Per-slot item statistics (difficulty p = share of students with full marks, mean score
    share, item-rest correlation, and the same p and mean per variant drawn for it) and the
    exam's reliability over slots, for the students who have marks."""
    slot_of, infos = slot_map(versions)
    cells = defaultdict(lambda: {"score": 0.0, "max": 0.0, "qid": "", "answered": False, "pending": False})
    for m in marks:
        cell = cells[m.student_id, slot_of[m.student_id, m.number]]
        cell["score"] += m.score
        cell["max"] += m.max_score
        cell["qid"] = m.qid
        cell["pending"] |= m.status in PENDING
        cell["answered"] |= m.status not in ("blank", *PENDING)
    students = sorted({sid for sid, _ in cells})
    # every version of one spec has the same slots; keep those every student has, to be safe
    slots = [i["slot"] for i in infos if all((s, i["slot"]) in cells for s in students)]
    full = {s: [_full(cells[s, j]) for j in slots] for s in students}
    share = {s: [cells[s, j]["score"] / cells[s, j]["max"] if cells[s, j]["max"] else 0.0 for j in slots]
             for s in students}  # fmt: skip
    totals = {s: sum(share[s]) for s in students}
    per_slot = []
    for k, j in enumerate(slots):
        info = infos[j - 1]
        xs = [share[s][k] for s in students]
        rest = [totals[s] - share[s][k] for s in students]
        variants = defaultdict(list)
        for s in students:
            variants[cells[s, j]["qid"]].append(s)
        per_slot.append({
            **info,
            "students": len(students),
            "answered": sum(cells[s, j]["answered"] for s in students),
            "to_mark": sum(cells[s, j]["pending"] for s in students),
            "difficulty": _r(statistics.fmean(full[s][k] for s in students)) if students else None,
            "mean_score": _r(statistics.fmean(xs)) if students else None,
            "discrimination": _r(pearson(xs, rest)),
            "variants": [{"qid": qid, "students": len(who),
                          "difficulty": _r(statistics.fmean(full[s][k] for s in who)),
                          "mean_score": _r(statistics.fmean(share[s][k] for s in who))}
                         for qid, who in sorted(variants.items())],
        })  # fmt: skip
    return per_slot, reliability(students, slots, full, share, per_slot)


def _full(cell) -> float:
    return 1.0 if cell["max"] and cell["score"] >= cell["max"] - 1e-9 else 0.0


def reliability(students, slots, full, share, per_slot) -> dict:
    result = {"students": len(students), "slots": len(slots), "unit": "slot", "variance": VARIANCE,
              "kr20": None, "kr20_reason": None, "alpha": None, "alpha_reason": None, "notes": []}  # fmt: skip
    reason = None
    if len(students) < 2:
        reason = f"fewer than 2 students have answers ({len(students)})"
    elif len(slots) < 2:
        reason = f"fewer than 2 slots (question positions): the exam has {len(slots)}"
    else:
        for row in per_slot:
            if not row["answered"]:
                still = " yet: its answers are still to be marked (marking.csv) or checked" if row["to_mark"] else ""
                reason = f"nobody has a score on {_name(row)}{still or ' (every answer blank)'}"
                break
    if reason:
        result["kr20_reason"] = result["alpha_reason"] = reason
        return result
    pending = sum(row["to_mark"] for row in per_slot)
    if pending:
        result["notes"].append(f"{pending} slot answer(s) still to mark or check count as 0 until marked")
    k = len(slots)
    for key, matrix, what in (("kr20", full, "right-or-wrong"), ("alpha", share, "score")):
        variance = statistics.pvariance([sum(matrix[s]) for s in students])
        if variance == 0:
            result[f"{key}_reason"] = f"every student has the same total {what} score (its variance is 0)"
            continue
        items = sum(statistics.pvariance([matrix[s][i] for s in students]) for i in range(k))
        result[key] = round(k / (k - 1) * (1 - items / variance), 4)
    return result


def describe(rel: dict) -> list[str]:
    """Lines for the terminal: each coefficient, or why it cannot be computed."""
    lines = []
    for key, name in (("kr20", "KR-20"), ("alpha", "Cronbach's alpha")):
        if rel.get(key) is not None:
            lines.append(f"{name} {rel[key]:.3f}")
        else:
            lines.append(f"{name} not computed: {rel.get(key + '_reason') or 'no data'}")
    head = f"reliability over {rel['students']} student(s) and {rel.get('slots', 0)} slot(s): "
    return [head + "; ".join(lines)] + [f"  note: {n}" for n in rel.get("notes", [])]


def item_analysis(marks, totals, versions) -> dict:
    """Per question (template id): mean score share, discrimination (item vs rest-of-test
    correlation), the most frequent misconceptions and, for choice parts, how often each option
    was picked (by option text: letters differ between versions). Per slot (the variants drawn
    for one position) and for the exam, KR-20 and Cronbach's alpha: `stats.py`."""
    per_item = defaultdict(lambda: defaultdict(float))
    maxima, misconceptions = defaultdict(float), defaultdict(Counter)
    picks = defaultdict(Counter)  # (qid, part) -> option text -> times picked
    options = defaultdict(dict)  # (qid, part) -> option text -> correct
    pickers = defaultdict(int)
    for m in marks:
        if m.status == UNMARKED:  # not a 0: left out until marked (slot_statistics counts them apart)
            continue
        per_item[m.qid][m.student_id] += m.score
        maxima[(m.qid, m.student_id)] += m.max_score
        if m.misconception:
            misconceptions[m.qid][m.misconception] += 1
        if m.options:
            options[m.qid, m.part].update(m.options)
            pickers[m.qid, m.part] += 1
            picks[m.qid, m.part].update(m.chosen)
    rows = []
    for qid, scores in sorted(per_item.items()):
        students = sorted(scores)
        shares = [scores[s] / maxima[(qid, s)] if maxima[(qid, s)] else 0 for s in students]
        rest = [totals[s] - scores[s] for s in students]
        r = pearson(shares, rest)
        distractors = {
            part: [{"option": text, "correct": right, "picked": picks[q, part][text],
                    "share": round(picks[q, part][text] / pickers[q, part], 4)} for text, right in opts.items()]
            for (q, part), opts in sorted(options.items()) if q == qid
        }  # fmt: skip
        rows.append(
            {
                "qid": qid,
                "students": len(students),
                "mean_score": round(statistics.fmean(shares), 4),
                "discrimination": None if r is None else round(r, 4),
                "misconceptions": misconceptions[qid].most_common(3),
                "distractors": distractors,
            }
        )
    slots, rel = slot_statistics(marks, versions)
    return {"questions": rows, "slots": slots, "reliability": rel}
