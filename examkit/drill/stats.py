"""`examkit drill --stats`: mastery per checklist objective, and a progress plot (PNG) a student
can look at: current mastery per objective, and how much of each objective's questions they have
seen and answered in full (practice/progress.py), objectives named as the study guide names them."""

from __future__ import annotations

from pathlib import Path

from ..study import schedule


def progress_table(attempts: list[dict], objectives: dict) -> list[dict]:
    """One row per syllabus objective, weakest first; objectives never practised say so."""
    skills = schedule.mastery(attempts)
    rows = []
    for objective, description in objectives.items():
        s = skills.get(objective)
        rows.append(
            {
                "objective": objective,
                "description": description,
                "mastery": s["mastery"] if s else None,
                "attempts": s["attempts"] if s else 0,
                "points": s["points"] if s else 0,
                "max_points": s["max_points"] if s else 0,
            }
        )
    rows.sort(key=lambda r: (r["mastery"] is None, r["mastery"] if r["mastery"] is not None else 0, r["objective"]))
    return rows


def format_table(coverage) -> str:
    """The objectives as the study guide names them: questions seen, answered in full, mastery, status
    ("mastered" needs evidence across questions: practice/progress.py)."""
    lines = [f"{'objective':<48} {'seen':>7} {'full':>5} {'mastery':>8}  status"]
    for r in coverage:
        mastery = "—" if r.mastery is None else f"{r.mastery:.0%}"
        lines.append(f"{_short(r.name, 48):<48} {f'{r.seen}/{r.total}':>7} {r.solved:>5} {mastery:>8}  {r.status}")
    return "\n".join(lines)


def _short(text: str, width: int = 46) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def plot_progress(attempts: list[dict], objectives: dict, path, coverage=None) -> Path:
    """`coverage`: study.progress.objective_rows, for the right panel (seen and solved per objective)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = progress_table(attempts, objectives)
    fig = Figure(figsize=(12, 4.8))
    FigureCanvasAgg(fig)
    bars, seen = fig.subplots(1, 2, sharey=True)
    names = [_short(r["description"]) for r in rows]
    values = [r["mastery"] or 0 for r in rows]
    colours = ["#c44" if v < 0.5 else "#da3" if v < 0.8 else "#3a6" for v in values]
    bars.barh(names, values, color=colours)
    for i, r in enumerate(rows):
        if r["mastery"] is None:
            bars.text(0.01, i, "not practised yet", va="center", fontsize=8, color="#777")
    bars.set_xlim(0, 1)
    bars.axvline(0.8, color="#777", lw=0.8, ls="--")
    bars.invert_yaxis()
    bars.set_xlabel("mastery (recent answers weigh more; dashed: 80%)")
    bars.set_title("Mastery per objective")
    by_key = {r.key: r for r in coverage or []}
    shares = [by_key[r["objective"]] if r["objective"] in by_key else None for r in rows]
    seen.barh(names, [c.coverage if c else 0 for c in shares], color="#9bc", label="seen")
    seen.barh(
        names, [c.solved / c.total if c and c.total else 0 for c in shares], color="#357", label="answered in full"
    )
    for i, c in enumerate(shares):
        if c:
            seen.text(1.01, i, f"{c.seen}/{c.total}", va="center", fontsize=8)
    seen.set_xlim(0, 1.12)
    seen.set_xlabel("share of the objective's questions")
    seen.set_title(f"Coverage ({len(attempts)} answer{'' if len(attempts) == 1 else 's'} so far)")
    seen.legend(
        fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False
    )  # clear of the n/m labels
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": "examkit"}, bbox_inches="tight")
    return path
