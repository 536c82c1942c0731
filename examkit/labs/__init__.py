"""Lab grading. Each lab is one folder (vae/, gan/) and one entry in REGISTERED; jail/ runs the
student's code. Lab folders are imported on first use: the CLI lists the labs without torch."""

from __future__ import annotations

import importlib

REGISTERED = ("vae", "gan")  # folder names; a new lab is a new folder and a name here


def get_lab(name: str):
    """The `lab.Lab` of a registered lab; ValueError naming the choices for anything else."""
    if name not in REGISTERED:
        raise ValueError(f"unknown lab {name!r}: choose {' or '.join(REGISTERED)}")
    return importlib.import_module(f"{__name__}.{name}").LAB


def all_labs() -> dict:
    return {name: get_lab(name) for name in REGISTERED}
