"""Figures for scenario questions (seeded, reproducible).

A figure with `run: <param>` plots the series of the cached reference run that parameter drew
(examkit/bank/runs.py): the losses, D outputs or samples real training produced, beside a stem
that states that run's numbers. Any other figure is a function of the variant's parameters: loss
curves `y(t)` with seeded noise, 2-D samples around some modes of a Gaussian ring, histograms.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random
import re
from pathlib import Path

import mpmath
import sympy as sp

from ..checking.equivalence import evaluate
from ..checking.parse import AnswerError, parse_math
from .render import render
from .template import TemplateError, variant_seed

CURVE_POINTS = 120
_T = sp.Symbol("t", real=True)
_RING = re.compile(r"^ring:(\d+)(?::(\d+))?$")


def _expr(text, variant, extra=None):
    rendered = render(text, variant.context) if isinstance(text, str) else str(text)
    symbols = {k: v for k, v in variant.context.items() if isinstance(v, sp.Basic)}
    symbols.update(extra or {})
    return parse_math(rendered, symbols, allow_new_symbols=False)


def _value(expr, t=None) -> float:
    with mpmath.workdps(20):
        return float(mpmath.re(evaluate(expr, {_T: mpmath.mpf(t)} if t is not None else {})))


def resolved_spec(spec: dict, variant) -> dict:
    """The figure spec with every template slot filled in: what the figure depends on, nothing more."""

    def fill(value):
        if isinstance(value, str):
            return render(value, variant.context)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return fill(dict(spec))


def figure_key(spec: dict, variant) -> str:
    """Identity of a figure: same question, figure and filled-in spec -> same picture (and file)."""
    identity = [variant.qid, resolved_spec(spec, variant)]
    if spec.get("run"):
        identity.append(_run(spec, variant)["digest"])  # re-cached run, new picture
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def seeds_drawing_every_run(template, limit: int = 1000) -> list[int]:
    """The first seed that draws each combination of cached runs a question's `{run: ...}`
    parameters can draw ([0] for a question without runs): realized together, their figures are
    every picture the question can show that comes from a run (a class server draws them before
    its workers start)."""
    choices = {name: len(template.cached_runs(name, p)) for name, p in template.data.get("params", {}).items()
               if isinstance(p, dict) and "run" in p}  # fmt: skip
    if not choices:
        return [0]
    every, seen, seeds = math.prod(choices.values()), set(), []
    for seed in range(limit):
        drawn = tuple(template.draw(seed)[name] for name in choices)
        if drawn not in seen:
            seen.add(drawn)
            seeds.append(seed)
            if len(seen) == every:
                break
    return seeds


def figure_data(spec: dict, variant) -> list[dict]:
    """Series as plain lists: [{'label', 'x', 'y'}] for curves and scatter, {'values'} for histograms.

    The noise is seeded by the figure's identity, so versions that draw the same scenario numbers
    share one figure."""
    if spec.get("run"):
        return _run_series(spec, variant)
    rng = random.Random(variant_seed(figure_key(spec, variant), 0))
    series = []
    for s in spec["series"]:
        if spec["kind"] == "curves":
            x0, x1 = spec.get("x", [0, 1])
            y = _expr(s["y"], variant, {"t": _T})
            noise = _value(_expr(s.get("noise", "0"), variant))
            xs = [x0 + (x1 - x0) * i / (CURVE_POINTS - 1) for i in range(CURVE_POINTS)]
            ys = [_value(y, x) + rng.gauss(0, noise) for x in xs]
            series.append({"label": s["label"], "x": xs, "y": ys})
        elif spec["kind"] == "scatter2d":
            m = _RING.match(render(str(s.get("centers", "ring:8")), variant.context).strip())
            if not m:
                raise AnswerError("centers must read 'ring:K' or 'ring:K:USED'")
            k = int(m.group(1))
            used = int(m.group(2) or k)
            spread = _value(_expr(s.get("spread", "0.05"), variant))
            xs, ys = [], []
            for _ in range(s.get("count", 400)):
                mode = rng.randrange(used)
                angle = 2 * math.pi * mode / k
                xs.append(2 * math.cos(angle) + rng.gauss(0, spread))
                ys.append(2 * math.sin(angle) + rng.gauss(0, spread))
            series.append({"label": s["label"], "x": xs, "y": ys})
        else:  # histogram of probabilities, e.g. D(x) on real and fake batches
            centre = _value(_expr(s.get("centers", "0.5"), variant))
            spread = _value(_expr(s.get("spread", "0.1"), variant))
            values = [min(1.0, max(0.0, rng.gauss(centre, spread))) for _ in range(s.get("count", 500))]
            series.append({"label": s["label"], "values": values})
    return series


def _run(spec: dict, variant) -> dict:
    record = variant.runs.get(spec["run"])
    if record is None:
        raise AnswerError(f"run: {spec['run']!r} is not a `{{run: scenario}}` parameter of this question")
    return record


def _run_series(spec: dict, variant) -> list[dict]:
    data = _run(spec, variant)["series"]

    def column(key):
        if key not in data:
            known = ", ".join(sorted(data))
            raise AnswerError(f"run {variant.context[spec['run']]!r} has no series {key!r} (it has {known})")
        return data[key]

    if spec["kind"] == "histogram":
        return [{"label": s["label"], "values": column(s.get("values", ""))} for s in spec["series"]]
    series = []
    for s in spec["series"]:
        x, y = column(s.get("x", "")), column(s.get("y", ""))
        if len(x) != len(y):
            run_id = variant.context[spec["run"]]
            raise AnswerError(f"run {run_id!r}: series {s['x']!r} has {len(x)} values but {s['y']!r} has {len(y)}")
        series.append({"label": s["label"], "x": x, "y": y})
    return series


def render_figure(spec: dict, variant, path) -> Path:
    """Write the figure as PNG or PDF (by suffix); same variant, same pixels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "examkit"
    path = Path(path)
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=110)
    try:
        data = figure_data(spec, variant)
    except (AnswerError, TemplateError, ValueError) as exc:  # a build names the question it stopped at
        raise ValueError(f"question {variant.qid} (seed {variant.seed}), figure {spec['id']!r}: {exc}") from None
    for s in data:
        label = render(s["label"], variant.context)
        if spec["kind"] == "curves":
            ax.plot(s["x"], s["y"], label=label, linewidth=1.4)
        elif spec["kind"] == "scatter2d":
            ax.scatter(s["x"], s["y"], s=6, alpha=0.6, label=label)
            ax.set_aspect("equal")
        else:
            ax.hist(s["values"], bins=30, range=(0, 1), alpha=0.6, label=label)
    if spec["kind"] == "scatter2d":  # a square around the origin that holds every point drawn
        reach = 1.05 * max(abs(v) for d in data for v in d["x"] + d["y"])
        ax.set_xlim(-reach, reach)
        ax.set_ylim(-reach, reach)
        # the legend beside the square plot, where it can hide no sample being counted
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    else:
        ax.legend(fontsize=8)
    if spec.get("logy"):
        ax.set_yscale("log")
    ax.set_title(render(spec["title"], variant.context))
    ax.set_xlabel(spec.get("xlabel", ""))
    ax.set_ylabel(spec.get("ylabel", ""))
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.15, top=0.9)  # fixed: tight_layout costs 70 ms
    metadata = {"CreationDate": None} if path.suffix == ".pdf" else {}
    fig.savefig(path, metadata=metadata)
    plt.close(fig)
    return path


def check_figure_specs(template) -> list[tuple[str, tuple]]:
    """Problems with a template's figures, found by computing them for seed 0, and for every cached
    run a `{run: ...}` parameter can draw (a run that seed 0 does not draw is still some student's)."""
    if not template.data.get("figures"):
        return []
    try:
        variant = template.variant(0)
    except TemplateError:
        return []  # reported by the per-seed checks
    variants = [variant]
    for name, param in template.data.get("params", {}).items():
        if "run" in param:
            for run_id, record in template.cached_runs(name, param).items():
                context = {**variant.context, name: run_id}
                variants.append(dataclasses.replace(variant, context=context, runs={**variant.runs, name: record}))
    problems = []
    for i, spec in enumerate(template.data["figures"]):
        for v in variants:
            try:
                figure_data(spec, v)
            except (AnswerError, TemplateError, ValueError) as exc:
                problems.append((f"figure {spec['id']!r}: {exc}", ("figures", i)))
                break
    return problems
