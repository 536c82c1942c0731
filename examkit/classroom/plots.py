"""The instructor's dashboard's figures, drawn on the server (matplotlib, no script, no CDN) into
PNG data URIs the page shows inline. Each comes with its alt text: what the figure shows and its
main finding in words, for a screen reader (the table beside it holds every number). The same rows
give the same bytes: nothing is random but the mock scores' jitter, which has a fixed seed."""

from __future__ import annotations

import base64
import io
import random
from dataclasses import dataclass

from ..study.class_stats import BANDS

COLOURS = dict(zip(BANDS, ("#c8c8c8", "#c44e52", "#dd8452", "#55a868")))  # not started .. mastered
BAR, MISS, DONE, NEED = "#4c72b0", "#c44e52", "#55a868", "#8c8c8c"
TOP = 15  # bars in a ranking figure (the table lists every row)
JITTER_SEED = 0


@dataclass(frozen=True)
class Plot:
    uri: str  # data:image/png;base64,...
    alt: str
    caption: str = "The table below holds every number."


def _figure(rows: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 1.2 + 0.38 * max(rows, 2)), dpi=100)
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


def _png(fig, alt: str, drawn: int = 0, total: int = 0) -> Plot:
    """The figure as a data URI; `drawn` of `total` rows, where a ranking draws only its first ones."""
    out = io.BytesIO()
    fig.tight_layout()
    fig.savefig(out, format="png", metadata={"Software": "examkit"})
    uri = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
    if drawn < total:
        return Plot(uri, alt, f"The figure shows the first {drawn} of {total} rows; the table below lists them all.")
    return Plot(uri, alt)


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def _empty(what: str) -> Plot:
    fig, ax = _figure(2)
    ax.axis("off")
    ax.text(0.5, 0.5, f"No {what} yet", ha="center", va="center", fontsize=14, color="#555")
    return _png(fig, f"No {what} yet.")


def mastery(rows: list[dict]) -> Plot:
    """Per objective, a bar of the class split into the mastery bands."""
    if not rows:
        return _empty("objectives")
    fig, ax = _figure(len(rows))
    names = [_short(r["objective"]) for r in rows]
    left = [0] * len(rows)
    for band in BANDS:
        counts = [r[band.replace(" ", "_")] for r in rows]
        ax.barh(names, counts, left=left, color=COLOURS[band], label=band)
        left = [a + b for a, b in zip(left, counts)]
    ax.invert_yaxis()
    ax.set_xlabel("students")
    ax.set_title("Mastery per objective across the class")
    ax.legend(ncol=len(BANDS), loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / len(rows)), frameon=False)
    best = max(rows, key=lambda r: r["mastered"])
    worst = max(rows, key=lambda r: r["not_started"] + r["struggling"])
    alt = (
        f"Stacked bars, one per objective ({len(rows)}), splitting the {rows[0]['students']} students into "
        f"{', '.join(BANDS)}. Most mastered: {best['objective']} ({best['mastered']} students). Most students "
        f"not started or struggling: {worst['objective']} ({worst['not_started'] + worst['struggling']})."
    )
    return _png(fig, alt)


def missed(every: list[dict]) -> Plot:
    """The questions most often missed: the share of first answers short of full marks."""
    rows = every[:TOP]
    if not rows:
        return _empty("answers")
    fig, ax = _figure(len(rows))
    ax.barh([_short(r["question"]) for r in rows], [r["share"] for r in rows], color=MISS)
    for i, r in enumerate(rows):
        ax.text(r["share"] + 0.01, i, f"{r['missed']}/{r['answered']}", va="center", fontsize=8)
    ax.set_xlim(0, 1.12)
    ax.invert_yaxis()
    ax.set_xlabel("share of students whose first answer fell short of full marks")
    ax.set_title("Questions most often missed")
    top = rows[0]
    alt = (
        f"Bars of the {len(rows)} questions most often missed. First: {top['question']}, missed by "
        f"{top['missed']} of the {top['answered']} students who answered it ({top['share']:.0%})."
    )
    return _png(fig, alt, len(rows), len(every))


def misconceptions(every: list[dict]) -> Plot:
    """The named mistakes made by the most students."""
    rows = every[:TOP]
    if not rows:
        return _empty("named mistakes")
    fig, ax = _figure(len(rows))
    labels = [_short(f"{r['misconception']} ({r['qid']}, {r['part']})", 56) for r in rows]
    ax.barh(labels, [r["students"] for r in rows], color=BAR)
    for i, r in enumerate(rows):
        ax.text(r["students"], i, f" {r['students']}/{r['answered']}", va="center", fontsize=8)
    ax.set_xlim(0, max(r["answered"] for r in rows) * 1.1)
    ax.invert_yaxis()
    ax.set_xlabel("students who made the mistake (of those who answered the part)")
    ax.set_title("Named mistakes most often made")
    top = rows[0]
    alt = (
        f"Bars of the {len(rows)} named mistakes made by the most students. First: {top['misconception']} in "
        f"{top['question']}, made by {top['students']} of the {top['answered']} students who answered it."
    )
    return _png(fig, alt, len(rows), len(every))


def behind(every: list[dict]) -> Plot:
    """Per student behind, the questions a day their plan asks beside those they did of late."""
    rows = every[: 2 * TOP]
    if not rows:
        return _empty("students behind their plan")
    fig, ax = _figure(len(rows))
    places = range(len(rows))
    ax.barh([p - 0.2 for p in places], [r["per_day"] for r in rows], height=0.4, color=NEED, label="plan: a day")
    ax.barh([p + 0.2 for p in places], [r["pace"] for r in rows], height=0.4, color=DONE, label="done a day, last week")
    ax.set_yticks(list(places), [_short(r["student"], 30) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("questions a day")
    ax.set_title("Students behind their exam-date plan")
    ax.legend(loc="lower right")
    idle = sum(1 for r in rows if r["pace"] == 0)
    alt = (
        f"Paired bars for the {len(rows)} students furthest behind: the questions a day their plan asks, and "
        f"those they answered a day over the last week; {idle} of them answered nothing last week."
    )
    return _png(fig, alt, len(rows), len(every))


def mock_scores(rows: list[dict]) -> Plot:
    """Per mock exam, a box of the students' scores with each student's score as a dot."""
    if not rows:
        return _empty("mock exams handed in")
    fig, ax = _figure(max(3, 1.5 * len(rows)))
    scores = [[100 * s for s in r["scores"]] for r in rows]
    ax.boxplot(scores, orientation="horizontal", widths=0.5, showfliers=False)
    rng = random.Random(JITTER_SEED)
    for i, values in enumerate(scores, 1):
        ax.scatter(values, [i + rng.uniform(-0.15, 0.15) for _ in values], s=14, color=BAR, alpha=0.7, zorder=3)
    ax.set_yticks(range(1, len(rows) + 1), [_short(r["mock"], 36) for r in rows])
    ax.set_xlim(-2, 102)
    ax.invert_yaxis()
    ax.set_xlabel("score (% of the marked points); a dot per student, their latest hand-in")
    ax.set_title("Mock-exam scores")
    summary = "; ".join(
        f"{r['mock']}: {r['students']} students, median {r['median']:.0%}, from {r['lowest']:.0%} to {r['highest']:.0%}"
        for r in rows
    )
    return _png(fig, f"Box plots of the students' mock-exam scores. {summary}.")
