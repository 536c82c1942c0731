"""Exam build times.

Default: 100 anonymous versions of the unit 12 quiz (each with its solutions, plus the combined
answer key), against the floor of bare TeX run once per document on the same .tex files (how
builds ran before issue 14 set many documents to a run), on the same number of cores.
Goal (issue 10): total <= 1.1 x floor, answer sheets included (--answer-sheets).

--final: the 90-minute final (examples/final.yaml) for its world roster of 150 names in many
scripts, with answer sheets and solutions: wall seconds, CPU-seconds per student (TeX and the other
child processes, and this process), TeX runs. Goal (issue 14): <= 180 s wall on 2 cores.

Usage: python bench/exam_build.py [--versions 100] [--jobs 2] [--answer-sheets] [--spec examples/unit12-quiz.yaml]
       python bench/exam_build.py --final [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from examkit.exam.build import build_exam
from examkit.exam.compile import tex_passes, tex_runs_started

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
    """Build into OUT, then time bare TeX, one run per document, on copies of the same .tex files."""
    started = time.perf_counter()
    report = build_exam(spec, out, versions=versions, formats=("pdf",), jobs=jobs, answer_sheets=answer_sheets)
    total = time.perf_counter() - started
    assert report.ok, [f.error for f in report.failures]
    floor_dir = out.parent / "floor"
    shutil.copytree(out / "instructor" / "tex", floor_dir)
    for stale in floor_dir.glob("*.pdf"):
        stale.unlink()
    documents = sorted(t for t in floor_dir.glob("*.tex") if not t.name.startswith("_batch-"))
    floor = bare_pdflatex(documents, jobs)
    return {
        "versions": versions,
        "answer_sheets": answer_sheets,
        "pdfs": len(report.pdfs),
        "jobs": jobs,
        "examkit_total_s": round(total, 2),
        "bare_pdflatex_s": round(floor, 2),
        "ratio": round(total / floor, 3),
    }


def _cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def measure_final(out: Path, jobs: int) -> dict:
    """The final for the world roster, with answer sheets and solutions: time, CPU and TeX runs."""
    children, own = _cpu(resource.getrusage(resource.RUSAGE_CHILDREN)), _cpu(resource.getrusage(resource.RUSAGE_SELF))
    runs = tex_runs_started()
    started = time.perf_counter()
    report = build_exam(ROOT / "examples" / "final.yaml", out, formats=("pdf",), jobs=jobs, answer_sheets=True)
    wall = time.perf_counter() - started
    assert not report.failures, [f.error for f in report.failures]
    children = _cpu(resource.getrusage(resource.RUSAGE_CHILDREN)) - children
    own = _cpu(resource.getrusage(resource.RUSAGE_SELF)) - own
    students = report.versions
    return {
        "students": students,
        "documents": len(report.pdfs),
        "tex_runs": tex_runs_started() - runs,
        "jobs": jobs,
        "wall_s": round(wall, 1),
        "tex_cpu_s": round(children, 1),
        "python_cpu_s": round(own, 1),
        "cpu_s_per_student": round((children + own) / students, 2),
        "tex_cpu_s_per_student": round(children / students, 2),
        "pdf_mb": round(sum(p.stat().st_size for p in report.pdfs) / 2**20, 1),
        "largest_child_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),  # a TeX run's memory
        "warnings": len(report.warnings),  # glyphs no installed font has (fonts.tex.j2's fallbacks)
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--answer-sheets", action="store_true")
    parser.add_argument("--spec", default=str(ROOT / "examples" / "unit12-quiz.yaml"))
    parser.add_argument("--final", action="store_true", help="the final for the 150-name world roster (issue 14)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.final:
            result = measure_final(Path(tmp) / "build", args.jobs)
        else:
            result = measure(args.spec, Path(tmp) / "build", args.versions, args.jobs, args.answer_sheets)
    if args.json:
        print(json.dumps(result, indent=2))
    elif args.final:
        print(
            f"examkit exam build examples/final.yaml --answer-sheets: {result['students']} students, "
            f"{result['documents']} PDFs ({result['pdf_mb']} MB) from {result['tex_runs']} TeX runs in "
            f"{result['wall_s']:.1f} s with {args.jobs} jobs (goal <= 180 s on 2 cores); CPU per student "
            f"{result['cpu_s_per_student']:.2f} s ({result['tex_cpu_s_per_student']:.2f} s of it TeX)"
        )
    else:
        print(
            f"examkit exam build: {result['pdfs']} PDFs ({args.versions} versions + solutions + key) in "
            f"{result['examkit_total_s']:.1f} s; bare TeX, one run per document, with {args.jobs} jobs: "
            f"{result['bare_pdflatex_s']:.1f} s; ratio {result['ratio']:.2f} (goal <= 1.1)"
        )


if __name__ == "__main__":
    main()
