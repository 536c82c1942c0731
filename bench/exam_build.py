"""Build 100 exam versions (each with its solutions, plus the combined answer key) and compare the
total time with the floor: bare pdflatex on the same .tex files, on the same number of cores.

Goal (issue 3): total <= 1.3 x floor.
Usage: python bench/exam_build.py [--versions 100] [--jobs 2] [--spec examples/unit12-quiz.yaml]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from examkit.exam.build import build_exam
from examkit.exam.compile import tex_passes

ROOT = Path(__file__).resolve().parent.parent


def bare_pdflatex(texs, jobs) -> float:
    def run(tex):  # the same passes any build needs: a draft pass first where pages print "of N"
        for command in tex_passes(tex):
            subprocess.run(command, cwd=tex.parent, capture_output=True, check=True, stdin=subprocess.DEVNULL)

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(run, texs))
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--spec", default=str(ROOT / "examples" / "unit12-quiz.yaml"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build"
        started = time.perf_counter()
        report = build_exam(args.spec, out, versions=args.versions, formats=("pdf",), jobs=args.jobs)
        total = time.perf_counter() - started
        assert report.ok, [f.error for f in report.failures]
        floor_dir = Path(tmp) / "floor"
        shutil.copytree(out / "instructor" / "tex", floor_dir)
        for stale in floor_dir.glob("*.pdf"):
            stale.unlink()
        texs = sorted(floor_dir.glob("*.tex"))
        floor = bare_pdflatex(texs, args.jobs)
    result = {
        "versions": args.versions,
        "pdfs": len(report.pdfs),
        "jobs": args.jobs,
        "examkit_total_s": round(total, 2),
        "bare_pdflatex_s": round(floor, 2),
        "ratio": round(total / floor, 3),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"examkit exam build: {result['pdfs']} PDFs ({args.versions} versions + solutions + key) in "
            f"{total:.1f} s; bare pdflatex on the same .tex with {args.jobs} jobs: {floor:.1f} s; "
            f"ratio {result['ratio']:.2f} (goal <= 1.3)"
        )


if __name__ == "__main__":
    main()
