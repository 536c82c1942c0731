"""Paper answer sheets: printed by a real build, filled programmatically, rasterized with rotation,
resolution changes and noise, or photographed in code (perspective, desk backgrounds, uneven light,
blur, JPEG), then read back by `exam scan` and graded by `exam grade`."""

import csv
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, run_cli
from examkit.sheets import layout as L
from examkit.sheets import simulate as S
from examkit.sheets.photograph import CONDITIONS, photograph
from examkit.sheets.scan import scan

EXAMPLE = ROOT / "examples" / "unit12-quiz.yaml"
pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
DPI = 300


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    out = tmp_path_factory.mktemp("sheets") / "exam"
    result = run_cli("exam", "build", str(EXAMPLE), "--versions", "3", "--answer-sheets", "--out", str(out))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "instructor" / "manifest.json").read_text())
    return out, manifest


@pytest.fixture(scope="module")
def printed(sheets):
    """Every page of every version's sheet, rasterized once: (version, SheetPage, image)."""
    out, manifest = sheets
    pages = []
    for version in manifest["versions"]:
        images = S.rasterize(out / "students" / f"{version['student_id']}-answer-sheet.pdf", DPI)
        pages.extend((version, page, image) for page, image in zip(L.sheet_layout(version), images))
    return pages


def _read_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {(r["student_id"], int(r["question"]), r["part"]): r for r in rows}


def test_sheets_print_every_part_in_their_own_folder(sheets):
    out, manifest = sheets
    for version in manifest["versions"]:
        pdf = out / "students" / f"{version['student_id']}-answer-sheet.pdf"
        pages = L.sheet_layout(version)
        assert len(S.rasterize(pdf, 50)) == len(pages)
        named = [f.name for page in pages for f in page.fields]
        parts = sum(len(q["parts"]) for q in version["questions"])
        assert len(named) == len(set(named)) == parts


def test_clear_marks_are_read_right_and_doubtful_ones_flagged(sheets, tmp_path):
    out, manifest = sheets
    rng = np.random.default_rng(7)
    scans = tmp_path / "scans"
    scans.mkdir()
    expected, planted = {}, set()
    settings = [(150, 4.8, 9), (200, -5.0, 6), (300, 2.5, 4)]
    for vi, version in enumerate(manifest["versions"]):
        layout = L.sheet_layout(version)
        images = S.rasterize(out / "students" / f"{version['student_id']}-answer-sheet.pdf", DPI)
        scanned = []
        for page, image in zip(layout, images):
            for fi, f in enumerate(page.fields):
                bubbles, answer = S.key_marks(version, f)
                key = (version["code"], f.number, f.label)
                if vi == 1 and fi == 0:  # a light touch beside the answer: for a person to check
                    extra = next(b for b in f.bubbles if b not in bubbles)
                    image = S.fill(image, [extra], DPI, darkness=0.3, rng=rng)
                    planted.add((version["code"], f.name))
                    answer = ""
                elif vi == 1 and f.kind == L.CHOICE and f.select == "single" and len(f.bubbles) > 1:
                    other = next(b for b in f.bubbles if b not in bubbles)
                    bubbles = bubbles + [other]  # two options filled where one is asked
                    planted.add((version["code"], f.name))
                    answer = ""
                elif vi == 2 and f.kind == L.DIGITS and fi % 2:  # a half-erased digit
                    image = S.fill(image, bubbles[-1:], DPI, darkness=0.25, rng=rng)
                    bubbles = bubbles[:-1]
                    planted.add((version["code"], f.name))
                    answer = ""
                elif vi == 2 and fi % 3 == 0:  # left blank
                    bubbles, answer = [], ""
                image = S.fill(image, bubbles, DPI, rng=rng)
                expected[key] = answer
            dpi, angle, noise = settings[(vi + page.number) % 3]
            scanned.append(Image.fromarray(S.scanned(image, DPI, dpi, angle, noise, rng)))
        if vi == 0:  # one version as a multi-page PDF, the others as image files
            scanned[0].save(scans / "batch.pdf", save_all=True, append_images=scanned[1:], resolution=200)
        else:
            for n, img in enumerate(scanned, 1):
                img.save(scans / f"{version['code']}-{n}.png")
    Image.fromarray(np.full((800, 600), 250, np.uint8)).save(scans / "blank.png")
    (scans / "junk.jpg").write_bytes(b"not an image")
    answers = tmp_path / "answers.csv"
    result = run_cli("exam", "scan", str(scans), "--manifest", str(out / "instructor" / "manifest.json"),
                     "--out", str(answers), "--json")  # fmt: skip
    assert result.returncode == 1, result.stderr  # doubts to review
    report = json.loads(result.stdout)
    rows = _read_rows(answers)
    assert len(rows) == len(expected)
    for key, answer in expected.items():
        row = rows[(key[0], key[1], key[2])]
        assert (row["marker_score"] or row["answer"]) == answer, (key, dict(row))
    flagged = {(d["version"], d["field"]) for d in report["doubtful"]}
    assert flagged == planted
    unreadable = " ".join(report["unreadable"])
    assert "blank.png: no answer-sheet corner marks" in unreadable and "junk.jpg: not a readable image" in unreadable
    assert (tmp_path / "answers-review.csv").exists()


def test_a_scanned_key_grades_full_marks(sheets, tmp_path):
    out, manifest = sheets
    version = manifest["versions"][0]
    scans = tmp_path / "scans"
    scans.mkdir()
    images = S.rasterize(out / "students" / f"{version['student_id']}-answer-sheet.pdf", DPI)
    for page, image in zip(L.sheet_layout(version), images):
        for f in page.fields:
            image = S.fill(image, S.key_marks(version, f)[0], DPI)
        Image.fromarray(S.scanned(image, DPI, 200, -3.0, 5)).save(scans / f"p{page.number}.png")
    answers = tmp_path / "answers.csv"
    manifest_path = out / "instructor" / "manifest.json"
    assert run_cli("exam", "scan", str(scans), "--manifest", str(manifest_path), "--out", str(answers)).returncode == 0
    graded = run_cli("exam", "grade", str(manifest_path), str(answers), "--out", str(tmp_path / "grades"), "--json")
    assert graded.returncode == 0, graded.stderr
    with open(tmp_path / "grades" / "grades.csv", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["student_id"] == version["student_id"])
    assert float(row["total"]) == pytest.approx(version["points"]), row


def test_scan_errors_are_clear(sheets, tmp_path):
    out, _ = sheets
    manifest = out / "instructor" / "manifest.json"
    for args, message in (
        ([str(tmp_path / "missing.pdf"), "--manifest", str(manifest)], "no such file or folder"),
        ([str(tmp_path), "--manifest", str(manifest)], "no PDF or image files"),
        ([str(tmp_path), "--manifest", str(tmp_path / "nope.json")], "not a readable manifest"),
    ):
        result = run_cli("exam", "scan", *args, "--out", str(tmp_path / "a.csv"))
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_an_upside_down_page_a_number_left_unbubbled_and_a_missing_page_go_to_review(sheets, tmp_path):
    out, manifest = sheets
    version = manifest["versions"][1]
    layout = L.sheet_layout(version)
    assert len(layout) >= 2, "the example's sheet has two pages"
    images = S.rasterize(out / "students" / f"{version['student_id']}-answer-sheet.pdf", DPI)
    scans = tmp_path / "scans"
    scans.mkdir()
    page = layout[0]
    digits = next(f for f in page.fields if f.kind == L.DIGITS)
    image = images[0]
    for f in page.fields:
        if f is not digits:
            image = S.fill(image, S.key_marks(version, f)[0], DPI)
    px = DPI / 25.4  # the student writes the number in the boxes and forgets the bubbles
    left, top, width, height = digits.box
    cv2 = pytest.importorskip("cv2")
    cv2.putText(image, "0125", (int((left + 1) * px), int((top + height - 1.5) * px)), cv2.FONT_HERSHEY_SIMPLEX,
                1.6, 20, 5)  # fmt: skip
    upside_down = np.ascontiguousarray(np.rot90(S.scanned(image, DPI, 200, 2.0, 5), 2))
    Image.fromarray(upside_down).save(scans / "p1.png")  # page 2 is never scanned
    answers = tmp_path / "answers.csv"
    manifest_path = out / "instructor" / "manifest.json"
    result = run_cli("exam", "scan", str(scans), "--manifest", str(manifest_path), "--out", str(answers), "--json")
    assert result.returncode == 1
    rows = _read_rows(answers)
    for f in page.fields:
        row = rows[(version["code"], f.number, f.label)]
        if f is digits:
            assert row["answer"] == "" and "written in the boxes but no bubble" in row["review"]
        else:
            assert (row["marker_score"] or row["answer"]) == S.key_marks(version, f)[1] and not row["review"]
    for f in layout[1].fields:
        assert "page 2 of the 2-page sheet was not scanned" in rows[(version["code"], f.number, f.label)]["review"]
    graded = run_cli("exam", "grade", str(manifest_path), str(answers), "--out", str(tmp_path / "grades"))
    assert graded.returncode == 1 and "held back for review" in graded.stderr
    with open(tmp_path / "grades" / "grades.csv", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["student_id"] == version["student_id"])
    assert row["status"].startswith("incomplete")


def _conditions(*names):
    by_name = {c.name: c for c in CONDITIONS}
    return [by_name[name] for name in names]


def _photographed_and_scanned(sheets, printed, conditions, folder, seed):
    """The printed pages filled by hand, photographed under `conditions` in turn, and scanned."""
    folder.mkdir()
    planted = S.photographed(printed, conditions, folder, DPI, np.random.default_rng(seed))
    result = scan(folder, sheets[1])
    return result, S.tally(result, planted)


@pytest.mark.parametrize(
    "names",
    [
        ("copier-dark-lid-open", "phone-desk", "falloff-50"),
        ("phone-grey-sideways", "phone-white-lid", "harsh"),
    ],
)
def test_photographed_sheets_are_read_on_any_background_and_under_uneven_light(sheets, printed, tmp_path, names):
    """Six pages per grid (two per condition): dark desk, white lid, a frame larger than the page,
    hand-held perspective, sideways, light falling off by half, blur, JPEG 50 at 150 dpi. Every page
    is read, every clear mark right, and a doubtful mark is flagged or read as the student meant."""
    result, counts = _photographed_and_scanned(sheets, printed, _conditions(*names), tmp_path / "photos", 14)
    assert (result.read, result.unreadable) == (len(printed), []), result.unreadable
    assert counts["wrong"] == 0, counts
    assert counts["clear_right"] == counts["clear"] > 0, counts
    assert counts["doubtful"] > 0 and counts["doubtful_flagged"] > 0, counts


def test_photographs_are_seeded(printed):
    page = printed[0][2]
    harsh = _conditions("harsh")[0]
    first, again, other = (photograph(page, DPI, harsh, np.random.default_rng(seed)) for seed in (3, 3, 4))
    assert first == again and first != other


@pytest.mark.slow
@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c.name)
def test_every_capture_condition_reads_every_page_without_a_wrong_read(sheets, printed, tmp_path, condition):
    result, counts = _photographed_and_scanned(sheets, printed, [condition], tmp_path / "photos", 21)
    assert (result.read, result.unreadable) == (len(printed), []), result.unreadable
    assert counts["wrong"] == 0 and counts["clear_right"] == counts["clear"], counts
