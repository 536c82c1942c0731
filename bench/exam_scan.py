"""Scanning speed for paper answer sheets, and the build ratio with answer sheets included.

Builds 100 versions with --answer-sheets (timed against bare TeX on the same files, as
bench/exam_build.py does), fills every version's sheet with its key, scans it at 200 dpi with a
few degrees of skew and noise (examkit/sheets/simulate.py), then times `exam scan` on the images.

Goals (issue 10): build ratio <= 1.1 x bare TeX; every clear mark read right.
Usage: python bench/exam_scan.py [--versions 100] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exam_build import ROOT, measure  # noqa: E402

from examkit.sheets import layout as L  # noqa: E402
from examkit.sheets import simulate as S  # noqa: E402
from examkit.sheets.scan import scan  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--scanned", type=int, default=30, help="how many versions' sheets to fill and scan")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build"
        build = measure(str(ROOT / "examples" / "unit12-quiz.yaml"), out, args.versions, args.jobs, True)
        manifest = json.loads((out / "instructor" / "manifest.json").read_text())
        scans = Path(tmp) / "scans"
        scans.mkdir()
        expected = {}
        for version in manifest["versions"][: args.scanned]:
            images = S.rasterize(out / "students" / f"{version['student_id']}-answer-sheet.pdf", 300)
            for page, image in zip(L.sheet_layout(version), images):
                for f in page.fields:
                    bubbles, answer = S.key_marks(version, f)
                    image = S.fill(image, bubbles, 300, rng=rng)
                    expected[version["code"], f.number, f.label] = answer
                angle = float(rng.uniform(-5, 5))
                Image.fromarray(S.scanned(image, 300, 200, angle, 6, rng)).save(
                    scans / f"{version['code']}-{page.number}.png"
                )
        started = time.perf_counter()
        result = scan(scans, manifest)
        seconds = time.perf_counter() - started
    wrong = sum((row[4] or row[3]) != expected[row[0], row[1], row[2]] for row in result.rows)
    figures = {
        "build": build,
        "scanned_pages": result.pages,
        "scan_s": round(seconds, 2),
        "pages_per_s": round(result.pages / seconds, 1),
        "fields": len(result.rows),
        "misread": wrong,
        "doubtful": len(result.doubts),
        "unreadable": len(result.unreadable),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"build with answer sheets: {build['pdfs']} PDFs in {build['examkit_total_s']:.1f} s, bare TeX "
            f"{build['bare_pdflatex_s']:.1f} s, ratio {build['ratio']:.2f} (goal <= 1.1)\n"
            f"scan: {result.pages} pages (200 dpi, skew up to 5 degrees, noise) in {seconds:.1f} s = "
            f"{figures['pages_per_s']} pages/s; {len(result.rows)} fields, {wrong} misread, "
            f"{len(result.doubts)} doubtful, {len(result.unreadable)} unreadable"
        )


if __name__ == "__main__":
    main()
