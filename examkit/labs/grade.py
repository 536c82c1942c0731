"""`examkit lab grade`: grade submissions in the jail, write Gradescope results, feedback pages,
grades.csv and a Canvas-importable CSV. Results live in SQLite so an interrupted batch resumes."""

from __future__ import annotations

import base64
import csv
import functools
import hashlib
import html
import io
import json
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .checks import CONTRACT, LABS, PROBE_TIMEOUTS
from .extract import SubmissionError, extract
from .runner import run_probes
from .warm import WarmJail, WarmJailUnavailable

GRADER_VERSION = "2"


def _seed(lab: str, seed: int, digest: str) -> int:
    return int(hashlib.sha256(f"{lab}|{seed}|{digest}".encode()).hexdigest()[:8], 16)


def grade_submission(lab: str, path, seed: int = 0, sandbox: bool = True, jail: WarmJail | None = None) -> dict:
    """Gradescope-format results for one submission (never raises for what the submission does).
    A warm `jail` (batches) saves starting Python and torch per submission."""
    title, checks = LABS[lab]
    path = Path(path)
    tests = []
    try:
        data = path.read_bytes()
        extracted = extract(path)
    except (OSError, SubmissionError) as exc:
        for c in checks:
            tests.append({"name": c.name, "score": 0, "max_score": c.points, "output": f"not graded: {exc}"})
        return {
            "score": 0,
            "max_score": sum(c.points for c in checks),
            "tests": tests,
            "output": str(exc),
            "extras": {},
        }
    run_seed = _seed(lab, seed, hashlib.sha256(data).hexdigest())
    probes = [{"name": p, "timeout": PROBE_TIMEOUTS.get(p, 10)} for p in dict.fromkeys(c.probe for c in checks)]
    run = jail.run(extracted, probes, run_seed) if jail else run_probes(extracted, probes, run_seed, sandbox=sandbox)
    for c in checks:
        result = run.probes[c.probe]
        if result.status != "ok":
            why = {"timeout": "timed out", "crashed": "crashed", "missing": "did not run"}.get(
                result.status, "raised an error"
            )
            tests.append(
                {"name": c.name, "score": 0, "max_score": c.points, "output": f"the check {why}: {result.detail}"}
            )
            continue
        try:
            fraction, message = c.judge(result, run_seed)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            fraction, message = 0, f"unexpected output ({type(exc).__name__}: {exc})"
        tests.append({"name": c.name, "score": round(c.points * fraction, 4), "max_score": c.points, "output": message})
    notes = [f"cell {s['cell']}: {s['reason']} (its definitions were skipped)" for s in extracted.skipped_cells]
    notes += [
        f"cell {f['cell']} line {f['line']}: defining {', '.join(f['defines'])} failed: {f['error']}"
        for f in run.definition_failures
        if set(f["defines"]) & CONTRACT[lab]
    ]
    extras = {k: v.arrays for k, v in run.probes.items() if k in ("vae_train", "gan_train") and v.status == "ok"}
    return {
        "score": round(sum(t["score"] for t in tests), 4),
        "max_score": sum(c.points for c in checks),
        "tests": tests,
        "output": "\n".join(notes) or "all definitions loaded",
        "extras": extras,
        "execution_time": round(run.seconds, 2),
    }


# --- feedback page ------------------------------------------------------------------------------
def _png(images, title) -> str | None:
    """A row of 28x28 images as a PNG data URI (Figure API: safe from worker threads); None if not images."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    arr = np.asarray(images, dtype=np.float64)
    if arr.size % 784 or not np.all(np.isfinite(arr)) or not 0 < arr.size // 784 <= 12:
        return None
    arr = arr.reshape(-1, 28, 28)
    if arr.min() < -0.01:
        arr = (arr + 1) / 2
    fig = Figure(figsize=(0.9 * len(arr), 1.2))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(arr))
    for ax, img in zip(np.atleast_1d(axes), arr):
        ax.imshow(np.clip(img, 0, 1), cmap="gray", vmin=0, vmax=1)
        ax.axis("off")
    fig.suptitle(title, fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, metadata={"Software": "examkit"})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@functools.cache
def _reference_png(lab: str, key: str, label: str) -> tuple[str, str | None]:
    """A row of the reference run's images: the same on every feedback page, so rendered once."""
    from .checks import reference_gan_run, reference_vae_run

    run = reference_vae_run(0) if lab == "vae" else reference_gan_run(0)
    return label, _png(run[key], label)


def feedback_html(lab: str, name: str, results: dict) -> str:
    title, _ = LABS[lab]
    rows = "".join(
        f"<tr class='{'ok' if t['score'] == t['max_score'] else 'bad'}'><td>{html.escape(t['name'])}</td>"
        f"<td>{t['score']:g} / {t['max_score']:g}</td><td>{html.escape(t['output'])}</td></tr>"
        for t in results["tests"]
    )
    pictures = []  # (label, PNG data URI or None) rows: the student's above the reference's
    extras = results.get("extras", {})
    if "vae_train" in extras:
        mine = extras["vae_train"]
        pictures += [
            _reference_png("vae", "originals", "Held-out digits"),
            ("Your VAE after 150 training steps: reconstructions", mine["after_x_hat"][:8]),
            _reference_png("vae", "reconstructions", "Reference VAE after the same 150 steps: reconstructions"),
        ]
        if "trained_samples" in mine:
            pictures += [
                ("Your samples (sample(model, 8))", mine["trained_samples"][:8]),
                _reference_png("vae", "samples", "Reference samples, z ~ N(0, I)"),
            ]
        if "trained_frames" in mine:
            pictures += [
                ("Your interpolation between two held-out digits", mine["trained_frames"][:12]),
                _reference_png("vae", "frames", "Reference interpolation between the same digits"),
            ]
    if "gan_train" in extras:
        pictures += [
            ("Your generator after 60 training steps", extras["gan_train"]["after"][:8]),
            _reference_png("gan", "samples", "Reference DCGAN after the same 60 steps"),
        ]
    rendered = [
        (label, image if isinstance(image, str) or image is None else _png(image, label)) for label, image in pictures
    ]
    images = "".join(
        f"<figure><img src='{uri}' alt='{html.escape(label)}'></figure>"
        if uri
        else f"<p>{html.escape(label)}: the output could not be shown as 28x28 images.</p>"
        for label, uri in rendered
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}: {html.escape(name)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td{{padding:4px 8px;vertical-align:top;border-bottom:1px solid #ddd}}
td:nth-child(2){{white-space:nowrap}}tr.ok td:nth-child(2){{color:#2a7}}tr.bad td:nth-child(2){{color:#c33}}pre{{background:#f4f4f4;padding:.5em}}</style></head>
<body><h1>{html.escape(title)}</h1><p>Submission <code>{html.escape(name)}</code>: <strong>{results["score"]:g} / {results["max_score"]:g}</strong></p>
<table><tr><th>check</th><th>score</th><th>what we found</th></tr>{rows}</table>
<h2>Notes</h2><pre>{html.escape(results["output"])}</pre>{images}</body></html>"""


# --- batch ---------------------------------------------------------------------------------------
class ResultStore:
    """SQLite cache of finished submissions, keyed by lab, grading seed, grader version and file hash."""

    def __init__(self, path: Path):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, name TEXT, results TEXT)")
        self.db.commit()

    def get(self, key):
        with self.lock:
            row = self.db.execute("SELECT results FROM results WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key, name, results):
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", (key, name, json.dumps(results)))
            self.db.commit()


def _safe(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", stem)[:100] or "submission"


def grade_batch(lab: str, submissions, out, jobs: int = 2, seed: int = 0, sandbox: bool = True, progress=None) -> dict:
    if lab not in LABS:
        raise ValueError(f"unknown lab {lab!r}: choose vae or gan")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    store = ResultStore(out / "results.sqlite")
    paths = [Path(p) for p in submissions]
    stems = [_safe(p.stem) for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError("two submissions share a file name; put each in its own name")
    reused = []
    jails, local = [], threading.local()

    def worker_jail():
        """Each worker thread keeps one warm jail; None where nested namespaces are refused."""
        if not sandbox:
            return None
        if not hasattr(local, "jail"):
            local.jail = WarmJail()
            jails.append(local.jail)
        return local.jail

    def one(path: Path):
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = "unreadable"
        key = f"{lab}|{seed}|{GRADER_VERSION}|{digest}"
        results = store.get(key)
        if results is None:
            jail = worker_jail()
            try:
                results = grade_submission(lab, path, seed, sandbox, jail)
            except WarmJailUnavailable:
                local.jail = None
                results = grade_submission(lab, path, seed, sandbox)
            extras = results.pop("extras", {})
            folder = out / _safe(path.stem)
            folder.mkdir(exist_ok=True)
            (folder / "feedback.html").write_text(feedback_html(lab, path.name, {**results, "extras": extras}))
            (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
            store.put(key, path.name, results)
        else:
            reused.append(path.name)
            folder = out / _safe(path.stem)
            folder.mkdir(exist_ok=True)
            (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        if progress:
            progress()
        return path, results

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            graded = list(pool.map(one, paths))
    finally:
        for jail in jails:
            jail.close()
    title, checks = LABS[lab]
    max_score = sum(c.points for c in checks)
    with open(out / "grades.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", "score", "max_score"] + [c.name for c in checks])
        for path, results in graded:
            writer.writerow([path.name, results["score"], max_score] + [t["score"] for t in results["tests"]])
    with open(out / "canvas.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{title} ({max_score:g})"])
        writer.writerow(["    Points Possible", "", "", "", "", f"{max_score:g}"])
        for path, results in graded:
            writer.writerow([path.stem, "", path.stem, "", "", results["score"]])
    return {
        "lab": lab,
        "submissions": len(graded),
        "reused": len(reused),
        "out": str(out),
        "scores": {p.name: r["score"] for p, r in graded},
        "max_score": max_score,
    }
