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
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .checks import CONTRACT, LABS, PROBE_TIMEOUTS
from .extract import MAX_FILE_BYTES, SubmissionError, extract
from .files import read_capped
from .runner import run_probes
from .sandbox import Limits
from .submissions import apply_roster, collect
from .warm import WarmJail, WarmJailUnavailable

GRADER_VERSION = "3"  # cached results of older graders are not reused


def _seed(lab: str, seed: int) -> int:
    """One grading seed per assignment (lab and --seed): every submission meets the same inputs,
    and saving a notebook again never changes its score."""
    return int(hashlib.sha256(f"{lab}|{seed}".encode()).hexdigest()[:8], 16)


def _results(checks, tests: list, output: str, extras: dict | None = None, seconds: float | None = None) -> dict:
    """Gradescope's results.json: the score, each test with status, visibility and output_format."""
    for t in tests:
        t.update(
            status="passed" if t["score"] >= t["max_score"] else "failed", visibility="visible", output_format="text"
        )
    results = {
        "score": round(sum(t["score"] for t in tests), 4),
        "max_score": sum(c.points for c in checks),
        "tests": tests,
        "output": output,
        "output_format": "text",
        "visibility": "visible",
        "extras": extras or {},
    }
    if seconds is not None:
        results["execution_time"] = round(seconds, 2)
    return results


def failed_results(lab: str, why: str) -> dict:
    """Results for a submission that could not be graded: every check at 0, saying why."""
    _, checks = LABS[lab]
    tests = [{"name": c.name, "score": 0, "max_score": c.points, "output": f"not graded: {why}"} for c in checks]
    return _results(checks, tests, why)


def grade_submission(
    lab: str, path, seed: int = 0, sandbox: bool = True, jail: WarmJail | None = None, limits: Limits = Limits()
) -> dict:
    """Gradescope-format results for one submission (never raises for what the submission does).
    A warm `jail` (batches) saves starting Python and torch per submission."""
    _, checks = LABS[lab]
    path = Path(path)
    tests = []
    try:
        path.stat()  # unreadable (or gone) files end here, with their error
        extracted = extract(path)
    except (OSError, SubmissionError) as exc:
        return failed_results(lab, str(exc))
    run_seed = _seed(lab, seed)
    probes = [{"name": p, "timeout": PROBE_TIMEOUTS.get(p, 10)} for p in dict.fromkeys(c.probe for c in checks)]
    run = (
        jail.run(extracted, probes, run_seed)
        if jail
        else run_probes(extracted, probes, run_seed, sandbox=sandbox, limits=limits)
    )
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
    notes = reading_notes(extracted, run.definition_failures, CONTRACT[lab])
    extras = {k: v.arrays for k, v in run.probes.items() if k in ("vae_train", "gan_train") and v.status == "ok"}
    return _results(checks, tests, "\n".join(notes) or "the notebook ran top to bottom", extras, run.seconds)


def reading_notes(extracted, failures: list, contract: set) -> list[str]:
    """What the student should know about how their notebook ran: first the failures that cost
    something (a name the contract or a later cell needs), then what was read differently."""
    index = {(st["cell"], st["line"]): i for i, st in enumerate(extracted.statements)}
    costly, minor = [], []
    for f in failures:
        if not isinstance(f, dict) or (f.get("cell"), f.get("line")) not in index:
            continue
        needed = set(f.get("defines", [])) & (contract | extracted.later_uses(index[f["cell"], f["line"]]))
        where = f"cell {f['cell']} line {f['line']}"
        if f.get("interrupted"):
            minor.append(
                f"{where}: stopped after {f['interrupted']:g} s: long-running work (training) is not run to "
                "the end; the checks train your model themselves"
            )
        elif needed:
            costly.append(f"{where}: {f['error']}; {', '.join(sorted(needed))} defined there is needed later")
        else:
            minor.append(f"{where}: {f['error']}")
    skipped = [f"cell {s['cell']}: {s['reason']}; nothing in it was run" for s in extracted.skipped_cells]
    notes = costly + skipped + minor + extracted.notes
    return notes[:12] + ([f"... and {len(notes) - 12} more"] if len(notes) > 12 else [])


# --- feedback page ------------------------------------------------------------------------------
def _png(images, title) -> str | None:
    """A row of 28x28 images as a PNG data URI, None if they are not images. Written straight from
    the pixels (no figure: a feedback page costs milliseconds, not a quarter of a second)."""
    from matplotlib.image import imsave

    arr = np.asarray(images, dtype=np.float64)
    if arr.size % 784 or not np.all(np.isfinite(arr)) or not 0 < arr.size // 784 <= 12:
        return None
    arr = arr.reshape(-1, 28, 28)
    if arr.min() < -0.01:
        arr = (arr + 1) / 2
    arr = np.clip(arr, 0, 1)
    gap = np.ones((28, 4))
    row = np.hstack([part for img in arr for part in (img, gap)][:-1])
    buf = io.BytesIO()
    imsave(buf, np.kron(row, np.ones((3, 3))), cmap="gray", vmin=0, vmax=1, format="png")
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
        f"<figure><img src='{uri}' alt='{html.escape(label)}'><figcaption>{html.escape(label)}</figcaption></figure>"
        if uri
        else f"<p>{html.escape(label)}: the output could not be shown as 28x28 images.</p>"
        for label, uri in rendered
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}: {html.escape(name)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td{{padding:4px 8px;vertical-align:top;border-bottom:1px solid #ddd}}
td:nth-child(2){{white-space:nowrap}}tr.ok td:nth-child(2){{color:#2a7}}tr.bad td:nth-child(2){{color:#c33}}pre{{background:#f4f4f4;padding:.5em;white-space:pre-wrap}}</style></head>
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


def grade_batch(
    lab: str, submissions, out, jobs: int = 2, seed: int = 0, sandbox: bool = True, progress=None, roster=None
) -> dict:
    """Grade files and folders of submissions (Gradescope and Canvas bulk downloads included)."""
    if lab not in LABS:
        raise ValueError(f"unknown lab {lab!r}: choose vae or gan")
    found = collect(submissions)
    if roster:
        apply_roster(found, Path(roster))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    store = ResultStore(out / "results.sqlite")
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

    def one(submission):
        path = submission.path
        data = read_capped(path, MAX_FILE_BYTES)
        key = f"{lab}|{seed}|{GRADER_VERSION}|{hashlib.sha256(data).hexdigest() if data is not None else 'unreadable'}"
        results = store.get(key)
        if results is None:
            try:
                jail = worker_jail()
                try:
                    results = grade_submission(lab, path, seed, sandbox, jail)
                except WarmJailUnavailable:
                    local.jail = None
                    results = grade_submission(lab, path, seed, sandbox)
            except Exception as exc:  # a grader fault on this submission: it is marked, the batch goes on
                results = failed_results(
                    lab, f"grading failed ({type(exc).__name__}: {str(exc)[:200]}); re-run to retry"
                )
                key = None
            extras = results.pop("extras", {})
            folder = out / submission.name
            folder.mkdir(exist_ok=True)
            (folder / "feedback.html").write_text(feedback_html(lab, path.name, {**results, "extras": extras}))
            (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
            if key:
                store.put(key, path.name, results)
        else:
            reused.append(submission.name)
            folder = out / submission.name
            folder.mkdir(exist_ok=True)
            (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        if progress:
            progress()
        return submission, results

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            graded = list(pool.map(one, found))
    finally:
        for jail in jails:
            jail.close()
    title, checks = LABS[lab]
    max_score = sum(c.points for c in checks)
    with open(out / "grades.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", "student", "file", "score", "max_score"] + [c.name for c in checks])
        for s, results in graded:
            row = [s.name, s.student, str(s.path), results["score"], max_score]
            writer.writerow(row + [t["score"] for t in results["tests"]])
    write_canvas_csv(out / "canvas.csv", title, max_score, graded)
    review = write_review(out / "review.csv", graded)
    return {
        "lab": lab,
        "submissions": len(graded),
        "reused": len(reused),
        "out": str(out),
        "scores": {s.name: r["score"] for s, r in graded},
        "max_score": max_score,
        "review": review,
    }


def write_canvas_csv(path: Path, title: str, max_score: float, graded) -> None:
    """Canvas's gradebook import: rows matched by ID (Canvas user id), SIS User ID or SIS Login
    ID; a column named by the title alone (no "(number)", which Canvas reads as an assignment id)
    becomes a new assignment."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title])
        writer.writerow(["    Points Possible", "", "", "", "", f"{max_score:g}"])
        for s, results in graded:
            writer.writerow([s.student, s.canvas_id, s.sis_id, s.login, "", results["score"]])


def write_review(path: Path, graded) -> list[str]:
    """Submissions a person should look at: zero scores, time-outs, and what could not be graded."""
    rows = []
    for s, results in graded:
        outputs = " ".join(t["output"] for t in results["tests"])
        reasons = [why for why, hit in (
            ("score 0", results["score"] == 0),
            ("timed out", "timed out" in outputs),
            ("not graded", "not graded" in outputs or "grading failed" in results.get("output", "")),
        ) if hit]  # fmt: skip
        if reasons:
            rows.append([s.name, s.student, str(s.path), "; ".join(reasons), results.get("output", "")[:300]])
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", "student", "file", "why", "notes"])
        writer.writerows(rows)
    return [r[0] for r in rows]
