"""Which question comes next: items due again in their Leitner box, and objectives the student is
weak on, come first; new questions next; questions learnt recently last.

Mastery of an objective is a recency-weighted share of points over its attempts, starting from a
prior of one half-right attempt, so one lucky answer does not mark an objective as mastered.
"""

from __future__ import annotations

import random
from collections import defaultdict

from ..errors import NotFound
from . import mistakes
from .store import DAY_S

RECENCY = 0.7  # an attempt weighs RECENCY times the one after it
PRIOR_WEIGHT = 1.0  # pseudo-attempts at PRIOR_SCORE
PRIOR_SCORE = 0.5
DUE_BONUS, NEW_BONUS = 1.0, 0.5
UNTRIED_BONUS = (
    0.15  # untried objectives come after weak ones (mastery < 1/3) but before the rest: no topic goes unseen
)


def mastery(attempts: list[dict]) -> dict:
    """objective -> {"mastery": 0..1, "attempts": n, "points": got, "max_points": possible}.
    Running sums make the recency weighting one pass over the history, summed up once at the end
    (the instructor's dashboard runs it over every student of a class)."""
    sums = defaultdict(lambda: [0.0, 0.0, 0, 0.0, 0.0])  # weighted, weight, attempts, points, max_points
    for a in attempts:
        fraction = a["score"] / a["max_score"] if a["max_score"] else 0.0
        for objective in a["objectives"]:
            s = sums[objective]
            s[0] = RECENCY * s[0] + fraction
            s[1] = RECENCY * s[1] + 1.0
            s[2] += 1
            s[3] += a["score"]
            s[4] += a["max_score"]
    return {
        objective: {
            "mastery": round((weighted + PRIOR_WEIGHT * PRIOR_SCORE) / (weight + PRIOR_WEIGHT), 4),
            "attempts": count,
            "points": round(points, 4),
            "max_points": round(max_points, 4),
        }
        for objective, (weighted, weight, count, points, max_points) in sums.items()
    }


def priority(template, boxes: dict, skills: dict, now: float) -> tuple[float, str]:
    """Higher first. Returns (score, why) so a session can say why a question was chosen."""
    levels = [skills.get(o, {}).get("mastery", PRIOR_SCORE) for o in template.objectives] or [PRIOR_SCORE]
    weakness = 1.0 - min(levels)
    state = boxes.get(template.id)
    if state is None:
        if not any(o in skills for o in template.objectives):  # coverage: objectives never tried come early
            return NEW_BONUS + UNTRIED_BONUS + weakness, "new question, on an objective you have not tried yet"
        return NEW_BONUS + weakness, "new question"
    if state.due <= now:
        return DUE_BONUS + weakness + 0.1 * (5 - state.box), f"due again (box {state.box})"
    return weakness - 0.1 * state.box, f"practised recently (box {state.box})"


TODAY_BONUS = 10.0  # today's share of the plan comes before anything else, as --stats lists it
PLAN_BONUS = 0.6  # a question on the exam-date plan (study/progress.plan) beats a due one of the same weakness


def pick(templates, boxes: dict, skills: dict, now: float, rng: random.Random, asked: set, prefer=()):
    """The next template, preferring ones not yet asked this session; ties broken by the session's RNG.
    `prefer`: ids on the student's plan for the exam (unmet objectives and study-guide items), each
    "today" (the plan's share for today, drawn first, as `--stats` lists them) or "plan"."""
    fresh = [t for t in templates if t.id not in asked] or list(templates)
    scored = []
    for t in fresh:
        score, why = priority(t, boxes, skills, now)
        tier = prefer.get(t.id) if isinstance(prefer, dict) else ("plan" if t.id in prefer else None)
        if tier == "today":
            score, why = score + TODAY_BONUS, f"{why}, on today's plan for the exam"
        elif tier:
            score, why = score + PLAN_BONUS, f"{why}, on your plan for the exam"
        scored.append((score + rng.random() * 0.05, t, why))
    score, template, why = max(scored, key=lambda item: item[0])
    return template, why


def plan(templates, boxes: dict, skills: dict, now: float, count: int, rng: random.Random, prefer=()) -> list[dict]:
    """The next `count` questions as the scheduler sees them now (skills held fixed)."""
    asked, out = set(), []
    for _ in range(min(count, len(templates))):
        template, why = pick(templates, boxes, skills, now, rng, asked, prefer)
        asked.add(template.id)
        out.append({"qid": template.id, "objectives": list(template.objectives), "why": why})
    return out


def review_questions(attempts: list[dict], bank, count: int) -> list[str]:
    """`drill --review`: "qid@seed" of the mistakes to review (study/mistakes.py), the variant
    answered last, newest first."""
    found = mistakes.to_review(attempts, bank.templates)[:count]
    return [f"{rows[0]['qid']}@{rows[0]['seed']}" for rows in found]


def select_templates(bank, topic=None, objective=None) -> list:
    """The templates a drill or sheet draws from; an unknown topic or objective is the user's
    mistake, and the message lists the valid ones."""
    if topic is not None and topic not in bank.topics:
        raise NotFound(f"no topic {topic!r}; choose one of: {', '.join(bank.topics)}")
    objectives = sorted({o for t in bank for o in t.objectives})
    if objective is not None and objective not in objectives:
        raise NotFound(f"no objective {objective!r}; choose one of: {', '.join(objectives)}")
    templates = list(bank.select(topic=topic, objective=objective))
    if not templates:
        raise NotFound(f"no question has topic {topic!r} and objective {objective!r} together")
    return templates


def question_ref(item: str) -> tuple[str, int | None]:
    """`vae-kl-1d@7` -> ("vae-kl-1d", 7): the identity exams and drills share; no seed -> None."""
    qid, _, seed = item.partition("@")
    if seed and not seed.isdigit():
        raise NotFound(f"{item}: write a question as ID or ID@SEED, with a whole-number seed")
    return qid, int(seed) if seed else None


def schedule_days(state, now: float) -> str:
    days = max(0.0, (state.due - now) / DAY_S)
    return "your next session" if days < 0.01 else f"{days:.2g} day(s)"
