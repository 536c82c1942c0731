"""Cached reference runs: the numbers and curves of real training runs that a question shows.

A diagnosis question's figure must look like what training really does, and its stem must state
the numbers that figure shows. So both come from one recorded run: `examkit reference cache-runs`
trains the reference models (reference_models/cached_runs.py) and writes `runs/<scenario>.json`
beside the question files. A question draws one of a scenario's runs with the parameter
`{run: <scenario>}`; `[[name_key]]` is then each of the run's numbers, and a figure with
`run: <name>` plots the run's series. Reading the file needs no torch.

File layout: {"scenario", "command", "runs": {run id: {"settings": {...}, "numbers": {key: number},
"series": {key: [numbers]}}}}.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from pathlib import Path

RUNS_FOLDER = "runs"


class RunsError(Exception):
    """A cached-runs file that is missing or unreadable; the message names the file."""


def runs_file(question_file: str, scenario: str) -> Path:
    return Path(question_file).parent / RUNS_FOLDER / f"{scenario}.json"


def scenario_runs(question_file: str, scenario: str) -> dict:
    """{run id: record} of one scenario, for the bank file at `question_file`."""
    where = runs_file(question_file, scenario)
    try:
        stamp = where.stat().st_mtime_ns  # a re-cached file is read again
    except OSError:
        stamp = None
    return _load(str(where), stamp)


@functools.lru_cache(maxsize=64)
def _load(path: str, stamp) -> dict:
    where = Path(path)
    if not where.is_file():
        present = sorted(p.stem for p in where.parent.glob("*.json")) if where.parent.is_dir() else []
        there = f" (cached there: {', '.join(present)})" if present else ""
        raise RunsError(
            f"no cached runs for scenario {where.stem!r} at {where}{there}; "
            f"`examkit reference cache-runs --only SCENARIO --out {where.parent}` makes them"
        )
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
        runs = data["runs"]
        for run_id, record in runs.items():
            _check_record(run_id, record)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RunsError(f"{where}: not a cached-runs file ({exc})") from None
    if not runs:
        raise RunsError(f"{where}: holds no runs")
    for record in runs.values():
        record["digest"] = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:12]
    return runs


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_record(run_id: str, record) -> None:
    """Numbers the stem can print and series a figure can plot, or a ValueError naming the run."""
    numbers, series = record.get("numbers"), record.get("series")
    if not isinstance(numbers, dict) or not isinstance(series, dict):
        raise ValueError(f"run {run_id!r} needs 'numbers' and 'series'")
    for key, value in numbers.items():
        if not (_number(value) or isinstance(value, str)):
            raise ValueError(f"run {run_id!r}: number {key!r} is {value!r}, not a number")
    for key, values in series.items():
        if not isinstance(values, list) or not values or not all(_number(v) for v in values):
            raise ValueError(f"run {run_id!r}: series {key!r} must be a non-empty list of finite numbers")
