"""Grade a batch of lab notebooks with examkit and execute the same notebooks top to bottom with
nbclient (what Otter-Grader and nbgrader do), on the same cores, and print notebooks per minute.

The notebooks are a typical student's VAE solution (tests/lab_base.py) made runnable offline (bundled digits instead of an MNIST
download) with a realistic training cell of --epochs epochs, written in the styles students use
(tests/lab_styles.py: Colab headers, %%time cells, saved outputs, device if/elif, an argparse
port, __future__ and @dataclass, a training loop in try/except, redefinitions), one style after
another; each file is unique so no cache helps. Every one must get full marks.
Goals (issue 8): >= 15x faster than nbclient with every check kept; <= 1.5 s per notebook with 2 workers.
Usage: python bench/lab_grading.py [--count 40] [--epochs 10] [--jobs 2] [--skip-nbclient]
Needs: pip install nbclient ipykernel (for the baseline).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from examkit.labs.grade import grade_batch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from lab_base import solution_cells  # noqa: E402  (the corpus of student styles lives with the tests)
from lab_styles import styles  # noqa: E402

OFFLINE_SETUP = """import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt"""

OFFLINE_DATA = """from sklearn.datasets import load_digits
images = torch.tensor(load_digits().images, dtype=torch.float32).unsqueeze(1) / 16.0
images = F.interpolate(images, size=(28, 28), mode='bilinear', align_corners=False).clamp(0, 1)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, torch.zeros(len(images))),
                                     batch_size=128, shuffle=True)"""


def make_notebooks(folder: Path, count: int, epochs: int) -> list[Path]:
    code = list(solution_cells("vae"))
    code[0], code[1] = OFFLINE_SETUP, OFFLINE_DATA
    code[-1] = code[-1].replace("range(10)", f"range({epochs})")
    styled = list(styles("vae", base=code, synthetic_loop=False).items())
    paths = []
    for i in range(count):
        name, styled_nb = styled[i % len(styled)]
        styled_nb = nbformat.from_dict(styled_nb)
        styled_nb.cells[-2].source += f"\n# student {i}"
        path = folder / f"student{i:03d}-{name}.ipynb"
        nbformat.write(styled_nb, str(path))
        paths.append(path)
    return paths


def run_nbclient(paths, jobs: int) -> float:
    from nbclient import NotebookClient

    def execute(path):
        nb = nbformat.read(str(path), as_version=4)
        NotebookClient(
            nb,
            timeout=1800,
            kernel_name="python3",
            allow_errors=True,  # a Colab-only cell fails here as it would on a laptop; the rest runs
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(execute, paths))
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-nbclient", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_notebooks(folder, args.count, args.epochs)
        started = time.perf_counter()
        summary = grade_batch("vae", paths, folder / "graded", jobs=args.jobs)
        ours = time.perf_counter() - started
        assert all(score == summary["max_score"] for score in summary["scores"].values()), summary["scores"]
        baseline = None if args.skip_nbclient else run_nbclient(paths, args.jobs)
    result = {
        "notebooks": args.count,
        "epochs": args.epochs,
        "jobs": args.jobs,
        "examkit_s": round(ours, 1),
        "examkit_s_per_notebook": round(ours / args.count, 2),
        "examkit_per_minute": round(60 * args.count / ours, 1),
    }
    if baseline is not None:
        result.update(
            {
                "nbclient_s": round(baseline, 1),
                "nbclient_per_minute": round(60 * args.count / baseline, 1),
                "speedup": round(baseline / ours, 1),
            }
        )
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"examkit lab grade: {args.count} notebooks in {ours:.1f} s with {args.jobs} workers = "
        f"{result['examkit_per_minute']} notebooks/min ({result['examkit_s_per_notebook']} s each; goal <= 1.5 s)"
    )
    if baseline is not None:
        print(
            f"nbclient top to bottom ({args.epochs} training epochs): {baseline:.1f} s = "
            f"{result['nbclient_per_minute']} notebooks/min; examkit is {result['speedup']}x faster (goal >= 15x)"
        )


if __name__ == "__main__":
    main()
