"""Shared fixtures. The suite is hermetic: caches, progress stores and HOME live in temporary folders,
and nothing is written into the checkout (checked when the session ends)."""

import contextlib
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_IGNORED_TOP = {".git", ".venv", ".pytest_cache"}


def run_cli(*args, input=None, cwd=None, timeout=120, env=None, process=False):
    """Run the `examkit` command line; returns a CompletedProcess.

    In-process by default (`examkit.cli.main` with captured streams: no interpreter and torch start-up
    per call). A real `python -m examkit` process when the test needs one: its own environment
    (`env`), working folder (`cwd`), or process-level behaviour (`process=True`)."""
    if process or env is not None or cwd is not None:
        return subprocess.run(
            [sys.executable, "-m", "examkit", *args],
            input=input,
            capture_output=True,
            text=True,
            cwd=cwd or os.environ["EXAMKIT_TEST_SCRATCH"],
            timeout=timeout,
            env=env,
        )
    from examkit.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(input or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors and --help
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdin = saved_stdin
    return subprocess.CompletedProcess(["examkit", *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def local_server(*args, timeout=60):
    """A local server started with the real CLI (`examkit ARGS --port 0`): yields (its URL, the
    process) once it prints its address; stopped with SIGTERM afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "examkit", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line + proc.stdout.read() if proc.poll() is not None else line
        yield url.group(0), proc
    finally:
        proc.terminate()
        proc.wait(timeout=timeout)


def grade_typed_answers(manifest, rows, folder: Path, *options):
    """Write `rows` (student_id, question, part, answer) as an answers CSV and run `examkit exam grade`
    on it into `folder`; returns the CompletedProcess and the rows of grades.csv by student."""
    answers = folder.with_suffix(".csv")
    with open(answers, "w", newline="") as fh:
        csv.writer(fh).writerows([["student_id", "question", "part", "answer"], *rows])
    result = run_cli("exam", "grade", str(manifest), str(answers), "--out", str(folder), *options)
    grades = {}
    if result.returncode in (0, 1):  # 1: parts not yet marked by a person, or scans to review
        with open(folder / "grades.csv", newline="") as fh:
            grades = {row["student_id"]: row for row in csv.DictReader(fh)}
    return result, grades


def mock_spec(folder: Path, sections: dict) -> Path:
    """A small exam spec for mock exams: one question per section, given as {section title: question id}."""
    spec = folder / "mock.yaml"
    spec.write_text("title: Mini mock\ncourse: Test\nmaster_seed: 1\nversions: 1\nsections:\n" + "".join(
        f"  - title: {title}\n    draw: 1\n    from: {{ids: [{qid}]}}\n" for title, qid in sections.items()))  # fmt: skip
    return spec


def bare_env(home) -> dict:
    """An environment with only the venv's bin on PATH (no TeX, no bubblewrap) and HOME at `home`."""
    return {
        "PATH": os.path.dirname(sys.executable),
        "HOME": str(home),
        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],
    }


def _checkout_files() -> set[str]:
    """Every path under the checkout, ignored ones included, except the venv, git's own folder and
    Python's bytecode caches (what importing the checkout writes, as `make demo` does too)."""
    found = set()
    for top in ROOT.iterdir():
        if top.name in _IGNORED_TOP:
            continue
        if top.is_dir():
            found.update(str(p.relative_to(ROOT)) for p in top.rglob("*") if "__pycache__" not in p.parts)
        found.add(top.name)
    return found


# The longest test files (a minute or more each), longest first. xdist hands files to its workers in
# collection order, so these start at once and the short files fill the gaps; collected last, in
# alphabetical order, they left one worker training models while the other sat idle for minutes.
LONG_FILES = (
    "test_reference_quality.py",
    "test_reference_scenarios.py",
    "test_labs.py",
    "test_lab_attacks.py",
    "test_lab_corpus.py",
    "test_lab_fairness.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file stays together


def pytest_configure(config):
    """Point every cache at a folder shared by this run's workers (the trained digits classifier,
    matplotlib's font list and luaotfload's font database are built once).

    Bytecode stays where Python keeps it: a PYTHONPYCACHEPREFIX would hide the venv's compiled
    torch, sympy and matplotlib from every process the tests start, and where PYTHONDONTWRITEBYTECODE
    is set (as on this machine) each of them compiled those from source again (2-4 s a process)."""
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        config._examkit_checkout = _checkout_files()
        config._examkit_run = tempfile.mkdtemp(prefix="examkit-tests-")
        os.environ["EXAMKIT_TEST_RUN"] = config._examkit_run  # inherited by xdist workers
    run = Path(os.environ["EXAMKIT_TEST_RUN"])
    os.environ["XDG_CACHE_HOME"] = str(run / "cache")
    os.environ["MPLCONFIGDIR"] = str(run / "matplotlib")
    os.environ["TEXMFVAR"] = str(run / "texmf-var")  # LuaLaTeX's font caches, where the system's is not writable
    os.environ["EXAMKIT_TEST_SCRATCH"] = tempfile.mkdtemp(prefix="scratch-", dir=run)


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_examkit_checkout", None)
    if before is None:
        return
    shutil.rmtree(session.config._examkit_run, ignore_errors=True)
    added = sorted(_checkout_files() - before)
    if added:
        session.config._examkit_added = added
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    added = getattr(config, "_examkit_added", None)
    if added:
        terminalreporter.section("tests wrote into the checkout", red=True)
        for path in added[:40]:
            terminalreporter.line(path)


@pytest.fixture(autouse=True)
def hermetic_home(tmp_path_factory, monkeypatch):
    """Each test gets its own HOME and XDG data folder (progress stores), so no test sees another's
    state or the user's; the cache folder stays shared (rebuildable files only)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))


@pytest.fixture(scope="session")
def reference_runs():
    """The store of finished reference runs (`train_reference(..., reuse=)`) shared by this run's
    workers: a run that several tests ask for (same model, data, seed and settings) trains once,
    in whichever test asks first; the others wait for it and copy it."""
    return Path(os.environ["EXAMKIT_TEST_RUN"]) / "reference-runs"


@pytest.fixture(scope="session")
def bank():
    from examkit.bank.loader import load_bank

    return load_bank()


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL server for the session (examkit/classroom/localdb.py); `postgres.database()` gives a
    test its own empty database. Skips only where PostgreSQL is not installed."""
    from examkit.classroom import localdb

    reason = localdb.missing()
    if reason:
        pytest.skip(reason)
    cluster = localdb.Cluster()
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def browser():
    """Headless Chromium through Selenium (Debian's chromium and chromium-driver); skips without them."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver")
    if not driver_path or not shutil.which("chromium"):
        pytest.skip("needs chromium and chromium-driver")

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1100,1400",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.implicitly_wait(5)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()
