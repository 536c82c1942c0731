"""Scanning paper answer sheets as phones and copiers capture them (issue 14).

Builds --versions versions with --answer-sheets, fills every page by hand in code
(examkit/sheets/simulate.py: the key in pen or pencil, some fields blank, some with a light touch,
an erasure, a cross or a half fill) and captures it under each condition of
examkit/sheets/photograph.CONDITIONS (copier, dark desk, white lid, a frame larger than the page,
hand-held perspective, sideways and upside down, light falling off by up to 50 %, blur, JPEG 50-85,
150-200 dpi). Each condition's pages are scanned and tallied: pages read, clear fields read right,
doubtful fields flagged (the rest read as the student meant), wrong reads. Speed is CPU seconds of
`scan()` alone (decoding the image files included; filling and photographing are not).

--build-ratio also times 100 versions with answer sheets against bare TeX (issue 10; minutes more).
Goals: every page read, 0 wrong reads, >= 10 pages/s.
Usage: python bench/exam_scan.py [--versions 8] [--seed 0] [--build-ratio] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exam_build import ROOT, measure  # noqa: E402

from examkit.exam.build import build_exam  # noqa: E402
from examkit.sheets import layout as L  # noqa: E402
from examkit.sheets import simulate as S  # noqa: E402
from examkit.sheets.photograph import CONDITIONS  # noqa: E402
from examkit.sheets.scan import scan  # noqa: E402

SPEC = ROOT / "examples" / "unit12-quiz.yaml"
DPI = 300  # the printed pages' raster, before a device captures them


def printed_pages(out: Path, manifest: dict) -> list:
    pages = []
    for version in manifest["versions"]:
        images = S.rasterize(out / "students" / f"{version['student_id']}-answer-sheet.pdf", DPI)
        pages.extend((version, page, image) for page, image in zip(L.sheet_layout(version), images))
    return pages


def condition_rows(pages: list, manifest: dict, folder: Path, seed: int) -> list:
    """One row per capture condition: its pages photographed, scanned (timed) and tallied."""
    rng = np.random.default_rng(seed)
    rows = []
    for condition in CONDITIONS:
        photos = folder / condition.name
        photos.mkdir()
        planted = S.photographed(pages, [condition], photos, DPI, rng)
        started = time.process_time()
        result = scan(photos, manifest)
        seconds = time.process_time() - started
        rows.append({"condition": condition.name, "pages": result.pages, "pages_read": result.read,
                     **S.tally(result, planted), "cpu_s": round(seconds, 3)})  # fmt: skip
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=8, help="versions whose sheets are filled and captured")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--build-ratio", action="store_true", help="also time 100 versions against bare TeX")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.build_ratio:
            figures["build"] = measure(str(SPEC), Path(tmp) / "ratio", 100, args.jobs, True)
        out = Path(tmp) / "build"
        report = build_exam(str(SPEC), out, versions=args.versions, formats=("pdf",), jobs=args.jobs,
                            answer_sheets=True)  # fmt: skip
        assert report.ok, [f.error for f in report.failures]
        manifest = json.loads((out / "instructor" / "manifest.json").read_text())
        rows = condition_rows(printed_pages(out, manifest), manifest, Path(tmp), args.seed)
    pages, cpu = sum(r["pages"] for r in rows), sum(r["cpu_s"] for r in rows)
    figures.update(conditions=rows, pages=pages, scan_cpu_s=round(cpu, 2), pages_per_cpu_s=round(pages / cpu, 1))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    if "build" in figures:
        build = figures["build"]
        print(f"build with answer sheets: {build['pdfs']} PDFs in {build['examkit_total_s']:.1f} s, bare TeX "
              f"{build['bare_pdflatex_s']:.1f} s, ratio {build['ratio']:.2f} (goal <= 1.1)")  # fmt: skip
    print("| condition | pages read | clear fields right | doubtful: flagged / read as meant | wrong reads | pages/s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['condition']} | {r['pages_read']}/{r['pages']} | {r['clear_right']}/{r['clear']} | "
              f"{r['doubtful_flagged']} / {r['doubtful_as_meant']} of {r['doubtful']} | {r['wrong']} | {r['pages'] / r['cpu_s']:.1f} |")  # fmt: skip
    print(f"scan: {pages} pages in {cpu:.1f} CPU s = {figures['pages_per_cpu_s']} pages/s (one process; goal >= 10)")


if __name__ == "__main__":
    main()
