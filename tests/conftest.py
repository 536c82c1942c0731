import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args, input=None, cwd=ROOT, timeout=120):
    """Run `python -m examkit ...` as a user would; returns CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "examkit", *args], input=input, capture_output=True,
                          text=True, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="session")
def bank():
    from examkit.bank.loader import load_bank

    return load_bank()
