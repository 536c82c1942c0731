"""What a lab is: its contract, its checks, its notebooks and the feedback pictures. Each lab is a
folder (labs/vae/, labs/gan/) that builds one `Lab`; labs/__init__.py lists them.

A lab folder holds:
  inputs.py    the probes' seeded inputs and tiny fixed networks (torch only: imported both inside
               the jail, by probes.py, and outside, by judges.py, so both see the same tensors)
  probes.py    runs INSIDE the jail: calls the student's code, writes plain numbers and arrays
  judges.py    outside: turns those into scores and messages against the reference formulas
  notebook.py  the starter and solution notebooks (the solution's models are reference_models')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

JAIL_FILES = ("inputs.py", "probes.py")  # what of a lab folder is copied into the jail


@dataclass(frozen=True)
class Check:
    name: str  # "contract item: what is checked"
    probe: str  # the probe (a function `probe_<name>` in probes.py) whose output it judges
    points: float
    judge: Callable  # (ProbeResult, seed) -> (fraction, message)
    # other probes whose results the judge also sees (`r.reads`: name -> ProbeResult, any status):
    # controls run in processes of their own, where the student's checked function never runs and so
    # cannot tamper with them, and the probes that tell a pair's convention (the VAE's output form)
    reads: tuple = ()


@dataclass(frozen=True)
class Lab:
    key: str  # "vae": the CLI's name for it
    title: str  # "lab11.2_VAE": the notebook's name, the gradebook column
    heading: str  # the notebook's first line
    contract: frozenset  # the names the student must define
    checks: tuple
    cells: Callable  # (solution: bool) -> the notebook's code cells
    pictures: Callable = lambda extras: []  # feedback rows (label, images) from the probes' arrays
    probe_timeouts: dict = field(default_factory=dict)  # seconds; 10 for the others
    extras: tuple = ()  # probes whose arrays the feedback page shows
    image_range: tuple = (0.0, 1.0)  # the pixel values of its images (a GAN's are in [-1, 1])
    folder: Path = Path()

    @property
    def filename(self) -> str:
        return f"{self.title}.ipynb"

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)

    def probes(self, time_scale: float = 1.0) -> list[dict]:
        """The probes the checks read, each with its time limit (seconds) times `time_scale`."""
        names = dict.fromkeys(p for c in self.checks for p in (c.probe, *c.reads))
        return [{"name": p, "timeout": self.probe_timeouts.get(p, 10) * time_scale} for p in names]
