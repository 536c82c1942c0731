"""Gradescope mode: an autograder zip that grades inside Gradescope's container, and the grading
of one `/autograder/submission` folder into `/autograder/results/results.json`.

Gradescope's spec: the zip holds `setup.sh` (run once, as root, to build the image) and
`run_autograder` (run per submission); results.json has score, tests (name, score, max_score,
status, output, visibility, output_format), output, visibility and execution_time. Containers
often refuse the user namespaces bubblewrap needs; student code then runs as the unprivileged user
`examkit-student`, who cannot write the results (owned by root)."""

from __future__ import annotations

import importlib.metadata
import io
import json
import zipfile
from pathlib import Path

from ..resources import bundled
from . import get_lab
from .grade import failed_results, grade_submission
from .jail.sandbox import Limits, bwrap_works
from .submissions import SUFFIXES

STUDENT_USER = "examkit-student"
TORCH = "torch==2.13.0"

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install "{torch}" --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install /autograder/source/examkit-src
id -u {user} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin {user}
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission.
exec /autograder/venv/bin/examkit lab gradescope {lab} --seed {seed} \\
    --submission /autograder/submission --results /autograder/results/results.json
"""

PYPROJECT = """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "examkit"
version = "{version}"
requires-python = ">=3.10"
dependencies = {dependencies}

[project.scripts]
examkit = "examkit.cli:main"

[tool.hatch.build.targets.wheel]
packages = ["examkit", "reference_models"]
"""


def _package_sources() -> dict[str, Path]:
    """The installed examkit and reference_models packages, and the bundled bank and templates."""
    import examkit
    import reference_models

    return {
        "examkit": Path(examkit.__file__).parent,
        "reference_models": Path(reference_models.__file__).parent,
        "examkit/_bundled/questions": bundled("questions"),
        "examkit/_bundled/templates": bundled("templates"),
    }


def autograder_zip(lab: str, seed: int = 0) -> bytes:
    """The zip to upload as a Gradescope programming assignment's autograder."""
    try:
        version = importlib.metadata.version("examkit")
        requires = [r for r in importlib.metadata.requires("examkit") or [] if "extra ==" not in r]
    except importlib.metadata.PackageNotFoundError:
        version, requires = "0", []
    requires = [r for r in requires if not r.startswith("torch")]  # installed first, from the CPU index
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, text: str, executable: bool = False):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if executable else 0o644) << 16
            archive.writestr(info, text)

        add("setup.sh", SETUP.format(torch=TORCH, user=STUDENT_USER), executable=True)
        add("run_autograder", RUN.format(lab=lab, seed=seed), executable=True)
        add("examkit-src/pyproject.toml", PYPROJECT.format(version=version, dependencies=json.dumps(requires)))
        for inside, folder in _package_sources().items():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and not path.is_symlink():
                    relative = path.relative_to(folder)
                    if inside == "examkit" and relative.parts[0] == "_bundled":
                        continue  # added from the bundled folders below (a checkout has none)
                    add(f"examkit-src/{inside}/{relative.as_posix()}", path.read_text(encoding="utf-8"))
    return buffer.getvalue()


def find_submission(lab: str, folder: Path) -> Path | None:
    """The lab's notebook in the submission folder, else its only .ipynb/.py file."""
    candidates = sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file() and not p.is_symlink())
    candidates = [p for p in candidates if ".ipynb_checkpoints" not in p.parts]
    named = [p for p in candidates if p.name == get_lab(lab).filename]
    if named:
        return named[0]
    return candidates[0] if len(candidates) == 1 else None


def grade_for_gradescope(
    lab: str, submission: Path, results: Path, seed: int = 0, jail: str = "auto", user: str = STUDENT_USER
) -> dict:
    """Grade one Gradescope submission folder and write results.json; `jail` is bwrap, user or auto."""
    found = find_submission(lab, submission)
    if found is None:
        out = failed_results(lab, f"no {get_lab(lab).filename} (or single .ipynb/.py file) in the submission")
    else:
        use_bwrap = jail == "bwrap" or (jail == "auto" and bwrap_works())
        limits = Limits() if use_bwrap else Limits(user=user)
        out = grade_submission(lab, found, seed, sandbox=use_bwrap, limits=limits)
    out.pop("extras", None)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(out, indent=2) + "\n")
    return out
