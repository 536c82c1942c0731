"""Starter and solution notebooks (nbformat): the cells every lab notebook starts with, and the
builder. Each lab's notebook.py gives its own cells; the solutions' models are reference_models'
own source, and every notebook keeps what a real one has that grading skips: installs, magics,
downloads, training loops."""

from __future__ import annotations

import inspect
import textwrap

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SETUP = """!pip install -q torch torchvision matplotlib
%matplotlib inline
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt
import torchvision
from torchvision import datasets, transforms"""

DATA = """transform = transforms.ToTensor()
train_set = datasets.MNIST('./data', train=True, download=True, transform=transform)
loader = torch.utils.data.DataLoader(train_set, batch_size=128, shuffle=True)"""


def source(*objects, note: str = "") -> str:
    """The source of reference_models' functions and classes, as a cell: the solution is the reference."""
    head = f"# {note}\n" if note else ""
    return head + "\n\n".join(textwrap.dedent(inspect.getsource(o)).rstrip() for o in objects)


def notebook(lab, solution: bool) -> nbformat.NotebookNode:
    intro = (
        f"# {lab.heading}\n\nImplement the functions below; the autograder checks each name listed "
        "in the lab contract. Keep the names and signatures."
    )
    cells = [SETUP, DATA, *lab.cells(solution)]
    nb = new_notebook(cells=[new_markdown_cell(intro)] + [new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_notebook(lab, solution: bool, path) -> str:
    nbformat.write(notebook(lab, solution), str(path))
    return str(path)
