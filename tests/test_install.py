"""`pip install .` (not editable) gives a working `examkit` that finds the bundled bank."""
import os
import subprocess
import sys
import venv

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_wheel_install_finds_bank_and_templates(tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"
                    if _has_hatchling() else "--quiet", str(ROOT)], check=True, capture_output=True, timeout=300)
    exe = env_dir / "bin" / "examkit"
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    listed = subprocess.run([str(exe), "bank", "list", "--json"], cwd=tmp_path, capture_output=True, text=True,
                            env=clean_env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert '"vae-neg-elbo-beta"' in listed.stdout
    shown = subprocess.run([str(exe), "bank", "show", "vae-kl-1d", "--seed", "1"], cwd=tmp_path, capture_output=True,
                           text=True, env=clean_env, timeout=120)
    assert shown.returncode == 0 and "vae-kl-1d" in shown.stdout
    where = subprocess.run([str(python), "-c", "import examkit.resources as r; print(r.bundled('questions'))"],
                           cwd=tmp_path, capture_output=True, text=True, env=clean_env)
    assert "_bundled" in where.stdout and "site-packages" in where.stdout


def _has_hatchling() -> bool:
    try:
        import hatchling  # noqa: F401
        return True
    except ImportError:
        return False
