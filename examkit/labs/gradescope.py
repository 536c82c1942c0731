"""Gradescope mode: an autograder zip that grades inside Gradescope's container, and the grading
of one `/autograder/submission` folder into `/autograder/results/results.json`.

Gradescope's spec (gradescope-autograders.readthedocs.io/en/latest/specs/): the zip holds
`setup.sh` (run once, as root, to build the image on an Ubuntu base image) and `run_autograder`
(run per submission, as root); results.json holds only the keys the spec defines (RESULT_KEYS,
TEST_KEYS); examkit's own data (the maximum score, a refusal) goes under extra_data.

Student code runs in bubblewrap where it starts. Gradescope's containers usually refuse its
namespaces; student code then runs as the unprivileged user `examkit-student` (jail/lockdown.py):
the grader's packages, /autograder/source, the results folder and Gradescope's metadata are made
root-only, a seccomp filter takes the network away, and a check process started exactly as student
code is verifies all of it first. Where any of it does not hold, nothing is graded: results.json
names what is missing (every test at 0) and the command exits non-zero."""

from __future__ import annotations

import importlib.metadata
import io
import json
import re
import zipfile
from pathlib import Path

from ..resources import bundled
from . import get_lab
from .grade import failed_results, grade_submission
from .jail.lockdown import lock_and_verify
from .jail.sandbox import Limits, bwrap_works
from .submissions import SUFFIXES

STUDENT_USER = "examkit-student"
TORCH = "torch==2.13.0"
RESULT_KEYS = (
    "score",
    "execution_time",
    "output",
    "output_format",
    "test_output_format",
    "test_name_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
)
TEST_KEYS = (
    "score",
    "max_score",
    "status",
    "name",
    "name_format",
    "number",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
)

SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image. Its Ubuntu base images
# ship Python 3.6 to 3.10; examkit needs @PYTHON@ or newer: taken from the image if it has one,
# else from the deadsnakes PPA (Ubuntu), else a standalone build installed by uv.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
NEED="@PYTHON@"
STUDENT="@USER@"

fitting_python() {  # the first Python on PATH that is new enough and can make a venv
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "
import sys, ensurepip, venv
sys.exit(sys.version_info[:2] < tuple(map(int, '$NEED'.split('.'))))" >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

install_python() {  # deadsnakes on Ubuntu; else (or if the PPA cannot be reached) uv's standalone build
    local version="python$NEED"
    if grep -qi ubuntu /etc/os-release 2>/dev/null &&
        apt-get install -y --no-install-recommends software-properties-common gnupg &&
        add-apt-repository -y ppa:deadsnakes/ppa && apt-get update &&
        apt-get install -y --no-install-recommends "$version" "$version-venv"; then
        return 0
    fi
    python3 -m pip install uv || python3 -m pip install --break-system-packages uv
    UV_PYTHON_INSTALL_DIR=/opt/examkit-python python3 -m uv python install "$NEED"
    chmod -R a+rX /opt/examkit-python
    ln -sf "$(UV_PYTHON_INSTALL_DIR=/opt/examkit-python python3 -m uv python find "$NEED")" "/usr/local/bin/$version"
}

main() {
    apt-get update
    apt-get install -y --no-install-recommends ca-certificates python3 python3-venv python3-pip bubblewrap
    local python
    python="$(fitting_python)" || { install_python && python="$(fitting_python)"; } || {
        echo "setup.sh: no Python $NEED or newer could be installed" >&2
        exit 1
    }
    echo "setup.sh: using $python ($("$python" --version))"
    "$python" -m venv /autograder/venv
    /autograder/venv/bin/pip install --upgrade pip
    /autograder/venv/bin/pip install "@TORCH@" --index-url https://download.pytorch.org/whl/cpu
    /autograder/venv/bin/pip install /autograder/source/examkit-src
    id -u "$STUDENT" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$STUDENT"
    chmod -R a+rX /autograder/venv
    # root-only from here on; run_autograder locks these again, and verifies, before grading
    chmod go-rwx /autograder/source "$(/autograder/venv/bin/python -c 'import examkit, os; print(os.path.dirname(examkit.__file__))')" \
        "$(/autograder/venv/bin/python -c 'import reference_models, os; print(os.path.dirname(reference_models.__file__))')"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then  # sourced (the tests): only the functions
    main "$@"
fi
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
requires-python = ">={python}"
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


def minimum_python() -> str:
    """The oldest Python examkit runs on ("3.11"), from its metadata's Requires-Python (>=X.Y)."""
    try:
        wanted = importlib.metadata.metadata("examkit").get("Requires-Python") or ""
    except importlib.metadata.PackageNotFoundError:
        wanted = ""
    found = re.search(r">=\s*(\d+\.\d+)", wanted)
    return found.group(1) if found else "3.11"


def autograder_zip(lab: str, seed: int = 0) -> bytes:
    """The zip to upload as a Gradescope programming assignment's autograder."""
    try:
        version = importlib.metadata.version("examkit")
        requires = [r for r in importlib.metadata.requires("examkit") or [] if "extra ==" not in r]
    except importlib.metadata.PackageNotFoundError:
        version, requires = "0", []
    python = minimum_python()
    requires = [r for r in requires if not r.startswith("torch")]  # installed first, from the CPU index
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, text: str, executable: bool = False):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if executable else 0o644) << 16
            archive.writestr(info, text)

        setup = SETUP.replace("@TORCH@", TORCH).replace("@USER@", STUDENT_USER).replace("@PYTHON@", python)
        add("setup.sh", setup, executable=True)
        add("run_autograder", RUN.format(lab=lab, seed=seed), executable=True)
        add(
            "examkit-src/pyproject.toml",
            PYPROJECT.format(version=version, dependencies=json.dumps(requires), python=python),
        )
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


def gradescope_results(out: dict, **extra) -> dict:
    """grade_submission's results as Gradescope's spec has them: its keys only, the maximum score
    and anything in `extra` under extra_data, stdout (the grader's log) for instructors only."""
    written = {k: v for k, v in out.items() if k in RESULT_KEYS}
    written["tests"] = [{k: v for k, v in t.items() if k in TEST_KEYS} for t in out.get("tests", [])]
    written["extra_data"] = {"max_score": out.get("max_score"), **extra}
    written["stdout_visibility"] = "hidden"
    return written


def refusal(lab: str, problems: list[str]) -> dict:
    """Every test at 0, and the output naming each protection that does not hold."""
    out = failed_results(lab, "the autograder refused to run student code (see the output above)")
    out["output"] = (
        "Not graded: this autograder could not protect itself from student code in this container, and does "
        "not grade without its protections. Please tell your instructor.\n\nFor the instructor, what does not hold:\n"
        + "\n".join(f"- {p}" for p in problems)
    )
    return out


def grade_for_gradescope(
    lab: str, submission: Path, results: Path, seed: int = 0, jail: str = "auto", user: str = STUDENT_USER
) -> dict:
    """Grade one Gradescope submission folder and write results.json (returned as written);
    `jail` is bwrap, user or auto. In user mode the lockdown is applied and verified first; if it
    does not hold, extra_data["refused"] lists why and nothing of the submission runs."""
    use_bwrap = jail == "bwrap" or (jail == "auto" and bwrap_works())
    problems = [] if use_bwrap else lock_and_verify(results, user)
    found = find_submission(lab, submission)
    if problems:
        out = refusal(lab, problems)
    elif found is None:
        out = failed_results(lab, f"no {get_lab(lab).filename} (or single .ipynb/.py file) in the submission")
    else:
        limits = Limits() if use_bwrap else Limits(user=user)
        out = grade_submission(lab, found, seed, sandbox=use_bwrap, limits=limits)
    extra = {"jail": "bubblewrap" if use_bwrap else f"user {user}, seccomp network filter, root-only grader files"}
    written = gradescope_results(out, **extra, **({"refused": problems} if problems else {}))
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(written, indent=2) + "\n")
    return written
