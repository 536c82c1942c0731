"""`examkit lab grade`: grade submissions in the jail, write Gradescope results, feedback pages,
grades.csv and a Canvas-importable CSV. Results live in SQLite so an interrupted batch resumes."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import get_lab
from .extract import MAX_FILE_BYTES, SubmissionError, extract
from .feedback import feedback_html
from .files import read_capped
from .jail import warm
from .jail.runner import run_probes
from .jail.sandbox import Limits, cgroup_problem
from .jail.warm import WarmJail, WarmJailUnavailable
from .reports import write_canvas_csv, write_grades_csv, write_outputs, write_review
from .results_store import ResultStore, result_key
from .submissions import apply_roster, collect

NOTEBOOK_S = 120  # a notebook's whole run in the jail: loading it and every probe


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


def _import_before_threads() -> None:
    """Import in one thread what grading imports on first use. CPython 3.11's ast module keeps its
    recursion depth interpreter-wide (python/cpython#106905; extract.py's lock covers our own
    parsing): the judges' first optimizer imports torch._dynamo, whose modules call ast.parse about
    90 times, and a batch thread reading a notebook meanwhile failed with "AST constructor recursion
    depth mismatch"."""
    import matplotlib.image  # noqa: F401  (feedback pictures)
    import torch
    from IPython.core.inputtransformer2 import TransformerManager  # noqa: F401  (extract)

    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


def failed_results(lab: str, why: str) -> dict:
    """Results for a submission that could not be graded: every check at 0, saying why."""
    checks = get_lab(lab).checks
    tests = [{"name": c.name, "score": 0, "max_score": c.points, "output": f"not graded: {why}"} for c in checks]
    return _results(checks, tests, why)


def grade_submission(
    lab: str,
    path,
    seed: int = 0,
    sandbox: bool = True,
    jail: WarmJail | None = None,
    limits: Limits = Limits(),
    time_scale: float = 1.0,
) -> dict:
    """Gradescope-format results for one submission (never raises for what the submission does).
    A warm `jail` (batches) saves starting Python and torch per submission; `time_scale` multiplies
    every time limit (each probe's, and the notebook's NOTEBOOK_S)."""
    spec = get_lab(lab)
    checks = spec.checks
    path = Path(path)
    tests = []
    try:
        path.stat()  # unreadable (or gone) files end here, with their error
        extracted = extract(path)
    except (OSError, SubmissionError) as exc:
        return failed_results(lab, str(exc))
    run_seed = _seed(lab, seed)
    probes = spec.probes(time_scale)
    run = (
        jail.run(lab, extracted, probes, run_seed)
        if jail
        else run_probes(
            lab, extracted, probes, run_seed, sandbox=sandbox, limits=limits, timeout=NOTEBOOK_S * time_scale
        )  # fmt: skip
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
        if c.reads:
            result = dataclasses.replace(result, reads={name: run.probes[name] for name in c.reads})
        try:
            fraction, message = c.judge(result, run_seed)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            fraction, message = 0, f"unexpected output ({type(exc).__name__}: {exc})"
        tests.append({"name": c.name, "score": round(c.points * fraction, 4), "max_score": c.points, "output": message})
    notes = reading_notes(extracted, run.definition_failures, spec.contract)
    if run.jail_status.startswith("the notebook"):  # stopped from outside (the scratch quota)
        notes.insert(0, run.jail_status)
    if "torchvision" in run.offline:
        notes.append(
            "grading is offline: torchvision's MNIST-style data sets were served from a small bundled set of "
            "28x28 digits, and images were not saved"
        )
    extras = {k: {**v.values, **v.arrays} for k, v in run.probes.items() if k in spec.extras and v.status == "ok"}
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


def grade_batch(
    lab: str,
    submissions,
    out,
    jobs: int = 2,
    seed: int = 0,
    sandbox: bool = True,
    progress=None,
    roster=None,
    time_scale: float = 1.0,
) -> dict:
    """Grade files and folders of submissions (Gradescope and Canvas bulk downloads included).
    `time_scale` multiplies every time limit: above 1 on a slow machine, where an honest GAN's
    training could run out of time; below 1 to be done sooner with notebooks that never stop."""
    if not time_scale > 0:
        raise ValueError(
            f"the time scale (--time-scale) multiplies every time limit: a number above 0, not {time_scale!r}"
        )
    spec = get_lab(lab)
    found = collect(submissions)
    if roster:
        apply_roster(found, Path(roster))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    warnings = [problem] if sandbox and (problem := cgroup_problem()) else []
    store = ResultStore(out / "results.sqlite")
    reused = []
    jails, local = [], threading.local()

    def worker_jail():
        """Each worker thread keeps one warm jail; None where nested namespaces are refused."""
        if not sandbox:
            return None
        if not hasattr(local, "jail"):
            local.jail = warm.borrow(Limits(), NOTEBOOK_S * time_scale)
            jails.append(local.jail)
        return local.jail

    def grade_one(submission) -> dict:
        """Grade (or reuse) one submission and write its outputs; cached only once all are written."""
        path = submission.path
        data = read_capped(path, MAX_FILE_BYTES)
        key = result_key(lab, seed, data, time_scale)
        results = store.get(key)
        if results is not None:  # the same file graded before (a re-run, or a copy): its page without pictures
            reused.append(submission.name)
            write_outputs(out / submission.name, results, feedback_html(lab, path.name, results))
            return results
        try:
            results = grade_submission(lab, path, seed, sandbox, worker_jail(), time_scale=time_scale)
        except WarmJailUnavailable:
            local.jail = None
            results = grade_submission(lab, path, seed, sandbox, time_scale=time_scale)
        extras = results.pop("extras", {})
        write_outputs(out / submission.name, results, feedback_html(lab, path.name, {**results, "extras": extras}))
        store.put(key, path.name, results)
        return results

    def one(submission):
        """The error boundary of one submission: reading, jail, judging, pictures, feedback page and
        cache. A fault anywhere marks this submission for review (never cached, so a re-run retries
        it) and the batch goes on."""
        try:
            results = grade_one(submission)
        except Exception as exc:
            results = failed_results(lab, f"grading failed ({type(exc).__name__}: {str(exc)[:200]}); re-run to retry")
            try:
                write_outputs(out / submission.name, results, feedback_html(lab, submission.path.name, results))
            except OSError:
                pass  # the output folder itself fails: grades.csv and review.csv still list it
        if progress:
            progress()
        return submission, results

    if jobs > 1:
        _import_before_threads()
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            graded = list(pool.map(one, found))
    finally:
        for jail in jails:
            warm.give_back(jail)
    write_grades_csv(out / "grades.csv", spec.checks, spec.max_score, graded)
    write_canvas_csv(out / "canvas.csv", spec.title, spec.max_score, graded)
    review = write_review(out / "review.csv", graded)
    return {
        "lab": lab,
        "submissions": len(graded),
        "reused": len(reused),
        "out": str(out),
        "scores": {s.name: r["score"] for s, r in graded},
        "max_score": spec.max_score,
        "review": review,
        "warnings": warnings,
    }
