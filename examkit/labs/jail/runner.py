"""Run one submission's probes in the jail and read back plain data (JSON and .npy, no pickles)."""

from __future__ import annotations

import functools
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from ...resources import user_cache_dir
from ..extract import PYTHON_PARSING, Extracted
from ..files import read_capped
from .sandbox import Limits, run_jailed

INSIDE = Path(__file__).resolve().parent / "inside"  # the harness: what runs in the jail
DIGITS = Path(find_spec("reference_models.digits").origin)  # the labs train on these, inside and out
MAX_JSON_BYTES = 2_000_000
MAX_ARRAY_BYTES = 64_000_000


@dataclass
class ProbeResult:
    status: str  # ok, error, timeout, crashed, missing
    detail: str = ""
    values: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)
    reads: dict = field(default_factory=dict)  # name -> ProbeResult: the other probes its Check reads


@dataclass
class RunOutput:
    probes: dict
    definition_failures: list
    jail_status: str
    seconds: float
    offline: list = field(default_factory=list)  # stand-ins the notebook imported (torchvision)


def _read_json(path: Path):
    data = read_capped(path, MAX_JSON_BYTES)
    try:
        return json.loads(data.decode("utf-8")) if data is not None else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _read_array(path: Path):
    data = read_capped(path, MAX_ARRAY_BYTES)
    if data is None:
        return None
    try:
        with PYTHON_PARSING:
            value = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError):
        return None
    return value if isinstance(value, np.ndarray) and value.dtype.kind in "fiub" else None


@functools.lru_cache(maxsize=1)
def matplotlib_cache() -> Path | None:
    """A prebuilt matplotlib font cache, bound read-only into the jail: building it costs ~4 s a run."""
    import matplotlib

    root = user_cache_dir() / f"mpl-{matplotlib.__version__}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        if not any(root.glob("fontlist-*.json")):
            subprocess.run(
                [sys.executable, "-c", "import matplotlib.pyplot"],
                env={**os.environ, "MPLCONFIGDIR": str(root)},
                capture_output=True,
                timeout=120,
                check=False,
            )
    except (OSError, subprocess.SubprocessError):
        return None
    return root if any(root.glob("fontlist-*.json")) else None


def jail_settings() -> tuple[dict | None, dict | None]:
    """Read-only extras and environment every jail gets (the prebuilt matplotlib cache)."""
    mpl = matplotlib_cache()
    return ({mpl: "/mplcache"}, {"MPLCONFIGDIR": "/mplcache"}) if mpl else (None, None)


def copy_harness(folder: Path) -> Path:
    """The jail's /harness: the harness itself, and each lab's jail-side files (lab.JAIL_FILES) as
    the package lab_probes, next to the digits they train on. Nothing else of examkit goes in."""
    from .. import all_labs
    from ..lab import JAIL_FILES

    harness = folder / "harness"
    shutil.copytree(INSIDE, harness, ignore=shutil.ignore_patterns("__pycache__"))
    package = harness / "lab_probes"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(DIGITS, package / "digits.py")
    for key, lab in all_labs().items():
        (package / key).mkdir()
        (package / key / "__init__.py").write_text("")
        for name in JAIL_FILES:
            shutil.copy(lab.folder / name, package / key / name)
    return harness


def run_probes(
    lab: str,
    extracted: Extracted,
    probes: list[dict],
    seed: int,
    *,
    sandbox: bool = True,
    timeout: float = 120,
    limits: Limits = Limits(),
) -> RunOutput:
    """One jail for one submission (see warm.WarmJail for the batch path)."""
    with tempfile.TemporaryDirectory(prefix="examkit-jail-") as tmp:
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        harness = copy_harness(Path(tmp))
        request = {"lab": lab, "statements": extracted.statements, "probes": probes, "seed": seed}
        extra_ro, env = jail_settings()
        run = run_jailed(
            [sys.executable, "/harness/harness.py"],
            scratch,
            harness,
            stdin=json.dumps(request).encode(),
            timeout=timeout,
            limits=limits,
            sandbox=sandbox,
            extra_ro=extra_ro,
            env=env,
        )
        jail = run.quota_exceeded or (
            "timeout" if run.timed_out else ("ok" if run.returncode == 0 else f"exit {run.returncode}")
        )
        return collect(scratch / "out", probes, jail, run.seconds)


def collect(out: Path, probes: list[dict], jail_status: str, seconds: float) -> RunOutput:
    """Read what the harness wrote to `out`, trusting nothing: sizes capped, JSON and .npy only."""
    summary = _read_json(out / "summary.json") or {}
    outcomes = summary.get("probes") if isinstance(summary.get("probes"), dict) else {}
    results = {}
    for probe in probes:
        name = probe["name"]
        outcome = outcomes.get(name) if isinstance(outcomes.get(name), dict) else None
        data = _read_json(out / f"{name}.json")
        if outcome is None:
            status = "timeout" if jail_status == "timeout" else "missing"
            why = jail_status if jail_status.startswith("the notebook") else "the jail stopped before this check ran"
            results[name] = ProbeResult(status, why)
            continue
        if outcome.get("status") == "ok" and isinstance(data, dict) and data.get("ok") is True:
            arrays = {}
            for key in data.get("arrays", []):
                if isinstance(key, str) and key.replace("_", "").isalnum():
                    value = _read_array(out / f"{name}.{key}.npy")
                    if value is not None:
                        arrays[key] = value
            values = data.get("values") if isinstance(data.get("values"), dict) else {}
            results[name] = ProbeResult("ok", "", values, arrays)
        else:
            error = _read_json(out / f"{name}.error.json") or {}
            detail = error.get("error") if isinstance(error.get("error"), str) else str(outcome.get("detail", ""))
            status = outcome.get("status") if outcome.get("status") in ("error", "timeout", "crashed") else "error"
            results[name] = ProbeResult(status, detail[:400])
    failures = summary.get("definition_failures") if isinstance(summary.get("definition_failures"), list) else []
    offline = (
        [n for n in summary.get("offline", []) if isinstance(n, str)][:5]
        if isinstance(summary.get("offline"), list)
        else []
    )
    return RunOutput(results, failures[:50], jail_status, seconds, offline)
