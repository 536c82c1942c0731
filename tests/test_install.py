"""`pip install .` (not editable) gives a working `examkit` that finds the bundled bank."""

import os
import site
import subprocess
import sys
import sysconfig
import venv

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
