"""Build 100 exam versions (each with its solutions, plus the combined answer key) and compare the
total time with the floor: bare pdflatex on the same .tex files, on the same number of cores.

Goal (issue 10): total <= 1.1 x floor, answer sheets included (--answer-sheets).
Usage: python bench/exam_build.py [--versions 100] [--jobs 2] [--answer-sheets] [--spec examples/unit12-quiz.yaml]
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


def measure(spec, out: Path, versions: int, jobs: int, answer_sheets: bool) -> dict:
    """Build into OUT, then time bare TeX on copies of the same .tex files."""
    started = time.perf_counter()
    report = build_exam(spec, out, versions=versions, formats=("pdf",), jobs=jobs, answer_sheets=answer_sheets)
    total = time.perf_counter() - started
    assert report.ok, [f.error for f in report.failures]
    floor_dir = out.parent / "floor"
    shutil.copytree(out / "instructor" / "tex", floor_dir)
    for stale in floor_dir.glob("*.pdf"):
        stale.unlink()
    floor = bare_pdflatex(sorted(floor_dir.glob("*.tex")), jobs)
    return {
        "versions": versions,
        "answer_sheets": answer_sheets,
        "pdfs": len(report.pdfs),
        "jobs": jobs,
        "examkit_total_s": round(total, 2),
        "bare_pdflatex_s": round(floor, 2),
        "ratio": round(total / floor, 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--answer-sheets", action="store_true")
    parser.add_argument("--spec", default=str(ROOT / "examples" / "unit12-quiz.yaml"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(args.spec, Path(tmp) / "build", args.versions, args.jobs, args.answer_sheets)
    total, floor = result["examkit_total_s"], result["bare_pdflatex_s"]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"examkit exam build: {result['pdfs']} PDFs ({args.versions} versions + solutions + key) in "
            f"{total:.1f} s; bare pdflatex on the same .tex with {args.jobs} jobs: {floor:.1f} s; "
            f"ratio {result['ratio']:.2f} (goal <= 1.1)"
        )


if __name__ == "__main__":
    main()
