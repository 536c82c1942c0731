"""`examkit drill --stats`: mastery per checklist objective, and a progress plot (PNG) a student
can look at: current mastery per objective, and how it moved attempt by attempt."""

from __future__ import annotations

from pathlib import Path

from . import schedule


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


def format_table(rows: list[dict]) -> str:
    lines = [f"{'objective':<22} {'mastery':>8} {'attempts':>9} {'points':>12}"]
    for r in rows:
        if r["mastery"] is None:
            lines.append(f"{r['objective']:<22} {'—':>8} {0:>9} {'':>12}  not practised yet")
            continue
        bar = "█" * round(r["mastery"] * 10) + "░" * (10 - round(r["mastery"] * 10))
        lines.append(
            f"{r['objective']:<22} {r['mastery']:>8.0%} {r['attempts']:>9} "
            f"{r['points']:>5g}/{r['max_points']:<6g} {bar}"
        )
    return "\n".join(lines)


def history(attempts: list[dict]) -> dict:
    """objective -> [(attempt number, mastery after it)]."""
    series = {}
    for number, objective, summary in schedule.replay(attempts):
        series.setdefault(objective, []).append((number, summary["mastery"]))
    return series


def plot_progress(attempts: list[dict], objectives: dict, path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = progress_table(attempts, objectives)
    fig = Figure(figsize=(10, 4.2))
    FigureCanvasAgg(fig)
    bars, lines = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
    names = [r["objective"] for r in rows]
    values = [r["mastery"] or 0 for r in rows]
    colours = ["#c44" if v < 0.5 else "#da3" if v < 0.8 else "#3a6" for v in values]
    bars.barh(names, values, color=colours)
    for i, r in enumerate(rows):
        if r["mastery"] is None:
            bars.text(0.01, i, "not practised yet", va="center", fontsize=8, color="#777")
    bars.set_xlim(0, 1)
    bars.axvline(0.8, color="#777", lw=0.8, ls="--")
    bars.invert_yaxis()
    bars.set_xlabel("mastery")
    bars.set_title("Mastery per objective")
    for objective, points in sorted(history(attempts).items()):
        xs, ys = zip(*points)
        lines.plot(xs, ys, marker="o", ms=3, label=objective)
    lines.set_ylim(0, 1)
    lines.set_xlabel("attempt")
    lines.xaxis.get_major_locator().set_params(integer=True)
    lines.set_ylabel("mastery")
    lines.set_title(f"Progress over {len(attempts)} attempts")
    if attempts:
        lines.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": "examkit"})
    return path
