"""`pip install .` (not editable) gives a working `examkit` that finds the bundled bank."""

import os
import re
import site
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_wheel_install_finds_bank_and_templates(tmp_path):
    """A new venv that sees the dependencies of the running one (torch, sympy, ...) through a .pth
    file, but not its editable examkit, gets the wheel built from the checkout."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    inner = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = {sysconfig.get_path("purelib"), *site.getsitepackages()}
    with open(os.path.join(inner, "outer-deps.pth"), "w") as pth:
        pth.write("\n".join(sorted(outer)) + "\n")
    build = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr
    exe = env_dir / "bin" / "examkit"
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    listed = subprocess.run(
        [str(exe), "bank", "list", "--json"], cwd=tmp_path, capture_output=True, text=True, env=clean_env, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    assert '"vae-neg-elbo-beta"' in listed.stdout
    shown = subprocess.run(
        [str(exe), "bank", "show", "vae-kl-1d", "--seed", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env,
        timeout=120,
    )
    assert shown.returncode == 0 and "vae-kl-1d" in shown.stdout
    where = subprocess.run(
        [str(python), "-c", "import examkit.resources as r; print(r.bundled('questions'))"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env,
    )
    assert "_bundled" in where.stdout and str(env_dir) in where.stdout, (where.stdout, where.stderr)
    assert sys.prefix != str(env_dir)


def _wheel(tmp_path) -> Path:
    out = tmp_path / "dist"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    return next(out.glob("examkit-*.whl"))


def _du(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


@pytest.mark.slow
def test_a_student_install_practises_without_torch_and_an_instructor_adds_exams(tmp_path, browser):
    """`pip install examkit` in a new venv (no system packages, dependencies from the package index):
    no torch, OpenCV or IPython; the practice app from an empty folder, a question checked and a
    mock exam handed in in Chromium; a lab command, and a progress store on PostgreSQL, name their
    extras; then `[exams]` builds a PDF."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wheel = _wheel(tmp_path)
    env_dir = tmp_path / "student"
    venv.create(env_dir, with_pip=True)
    python, exe = env_dir / "bin" / "python", env_dir / "bin" / "examkit"
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # --no-compile: byte-compiling every dependency's sources up front (11 s, mostly sympy and matplotlib)
    # is not what is tested; Python compiles what it imports
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-compile", str(wheel)],
                               capture_output=True, text=True, timeout=600, env=clean_env)  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    for heavy in ("torch", "cv2", "IPython", "sklearn", "nbformat"):
        found = subprocess.run([str(python), "-c", f"import {heavy}"], capture_output=True, env=clean_env)
        assert found.returncode != 0, f"the student install has {heavy}"
    print(f"student install: {_du(env_dir) / 2**20:.0f} MiB")
    empty = tmp_path / "empty"
    empty.mkdir()
    started = time.monotonic()
    proc = subprocess.Popen([str(exe), "practice", "serve", "--port", "0", "--db", str(tmp_path / "p.sqlite")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=empty, env=clean_env)  # fmt: skip
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line + (proc.stdout.read() if proc.poll() is not None else "")
        url = url.group(0)
        browser.get(url)
        assert "Practice" in browser.title or "practice" in browser.page_source.lower()
        print(f"time to the first page: {time.monotonic() - started:.1f} s")
        browser.get(url + "q/vae-kl-1d/3")
        field = browser.find_element(By.CSS_SELECTOR, "input[type=text][name^=answer-]")
        field.send_keys(_key("vae-kl-1d", 3))
        browser.find_element(By.CSS_SELECTOR, "button[value=check]").click()
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".verdict"))
        assert "correct" in browser.find_element(By.CSS_SELECTOR, ".verdict").get_attribute("class").split()
        browser.get(url + "mock")
        browser.find_element(By.CSS_SELECTOR, "input[type=radio][value=gans]").click()
        browser.find_element(By.CSS_SELECTOR, "form[action='/mock'] button").click()
        WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "clock"))
        # the mock's seed is its own: its first question may be typed, chosen or derived
        first = browser.find_element(By.CSS_SELECTOR, ":is(input[type=text], input[type=radio], textarea)[name^=q]")
        if first.get_attribute("type") == "radio":
            first.click()
        else:
            first.send_keys("0.5")
        browser.find_element(By.XPATH, "//button[text()='Submit the exam']").click()
        WebDriverWait(browser, 60).until(lambda d: "By section" in d.page_source)
        assert "GANs and their training" in browser.page_source
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    lab = subprocess.run([str(exe), "lab", "starter", "vae", "--out", str(tmp_path / "lab")], capture_output=True,
                         text=True, env=clean_env, cwd=empty)  # fmt: skip
    assert lab.returncode == 2 and "pip install 'examkit[labs]'" in lab.stderr, lab.stderr
    on_server = subprocess.run([str(exe), "drill", "--stats", "--db", "postgresql://localhost/class"],
                               capture_output=True, text=True, env=clean_env, cwd=empty)  # fmt: skip
    assert on_server.returncode == 2 and "pip install 'examkit[class]'" in on_server.stderr, on_server.stderr
    exams = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-compile", f"{wheel}[exams]"],
                           capture_output=True, text=True, timeout=600, env=clean_env)  # fmt: skip
    assert exams.returncode == 0, exams.stderr
    spec = ROOT / "examples" / "unit12-quiz.yaml"
    built = subprocess.run([str(exe), "exam", "build", str(spec), "--versions", "1", "--out", str(tmp_path / "exam")],
                           capture_output=True, text=True, env=clean_env, cwd=empty, timeout=300)  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert len(list((tmp_path / "exam" / "students").glob("*.pdf"))) == 1, built.stdout


def _key(qid: str, seed: int) -> str:
    from examkit.bank.identity import VariantIdentity, realize
    from examkit.bank.loader import load_bank
    from examkit.study.shown import expected_text

    return expected_text(realize(load_bank(), VariantIdentity(qid, seed)).parts[0])


def test_the_extras_table_matches_pyproject():
    """examkit/extras.py names, per extra, the modules a command of that group imports; each must
    come from a distribution that extra installs, and none from the student's base install."""
    import tomllib
    from importlib.metadata import packages_distributions

    from examkit.extras import COMMAND_EXTRA, EXTRA_MODULES

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]

    def names(requirements) -> set[str]:
        found = set()
        for req in requirements:
            name = re.split(r"[<>=\[; ]", req, maxsplit=1)[0].lower()
            if name == "examkit":  # examkit[reference]: that extra's requirements too
                for extra in re.search(r"\[(.*)\]", req).group(1).split(","):
                    found |= names(extras[extra.strip()])
            else:
                found.add(name)
        return found

    providers = {m: {d.lower() for d in ds} for m, ds in packages_distributions().items()}
    base = names(project["dependencies"])
    for extra, modules in EXTRA_MODULES.items():
        for module in modules:
            assert providers[module] & names(extras[extra]), (extra, module)
            assert not providers[module] & base, f"{module} is in the student's base install"
    assert set(COMMAND_EXTRA.values()) <= set(extras)
