"""`examkit exam scan`: read filled answer sheets (a multi-page PDF or a folder of images) back
into the answers CSV `exam grade` takes.

Each page is found and aligned by its four corner marks (`align.py`: any background, uneven
light, a homography, so perspective, rotation, scale and a shifted print all come out), identified
by its QR code (exam, version, page), and every bubble of its layout (`layout.py`) is measured as
the share of ink inside it, against the paper around it and the ink of the page's corner marks. A bubble is marked, empty, or doubtful (a light, partly erased or stray mark);
a field with a doubtful bubble, or with two marks where one is allowed, is left empty in the CSV
and listed for a person to look at, never guessed. A page that cannot be read is listed too, and
the other pages are still read.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import layout as L
from .align import PAPER_WINDOW_MM, PX_PER_MM, cv2, local_paper, upright

PAPER_MAP_PX_MM = 2.0  # the resolution of the paper-level map: fine enough to see paper between bubbles
MAX_INK_SHARE = 0.75  # the ink is at least this much darker than its paper, whatever the marks measure
MARKED, EMPTY = 0.45, 0.15  # ink share inside a bubble: marked above, empty below, doubtful between
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".pgm", ".ppm"}
CSV_HEADER = ["student_id", "question", "part", "answer", "marker_score", "review"]
WRITTEN_SHARE = 0.03  # dark pixels in a write-in box beyond this: something is written there


class ScanError(ValueError):
    pass


@dataclass
class Doubt:
    source: str
    code: str
    field: str
    reason: str

    def to_json(self) -> dict:
        return {"source": self.source, "version": self.code, "field": self.field, "reason": self.reason}


@dataclass
class ScanResult:
    rows: list = field(default_factory=list)  # [code, question, label, answer, marker_score, review]
    doubts: list = field(default_factory=list)
    unreadable: list = field(default_factory=list)  # "source: why"
    pages: int = 0
    read: int = 0

    def to_json(self) -> dict:
        return {
            "pages": self.pages,
            "pages_read": self.read,
            "rows": len(self.rows),
            "doubtful": [d.to_json() for d in self.doubts],
            "unreadable": self.unreadable,
        }


def page_images(source: Path, dpi: int = 200):
    """(name, grayscale image) for every page: a PDF's pages, an image, or a folder's images."""
    cv = cv2()
    source = Path(source)
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES | {".pdf"})
        if not files:
            raise ScanError(f"{source}: no PDF or image files (png, jpg, tif) in this folder")
    elif source.exists():
        files = [source]
    else:
        raise ScanError(f"{source}: no such file or folder")
    for path in files:
        if path.suffix.lower() == ".pdf":
            yield from pdf_pages(path, dpi)
            continue
        image = cv.imread(str(path), cv.IMREAD_GRAYSCALE)
        yield path.name, (image if image is not None else f"{path.name}: not a readable image")


def pdf_pages(path: Path, dpi: int):
    """(name, grayscale image) per page of a PDF, or (name, why) when it cannot be read."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as exc:  # pdfium raises its own PdfiumError for broken files
        yield path.name, f"{path.name}: not a readable PDF ({exc})"
        return
    for i in range(len(pdf)):
        bitmap = pdf[i].render(scale=dpi / 72, grayscale=True)
        image = np.array(bitmap.to_pil().convert("L"))
        yield f"{path.name} page {i + 1}", image
    pdf.close()


class Levels:
    """The paper and ink grey levels of an aligned page, measured locally: the paper from its
    brightest grey within a few millimetres (a map at 2 px/mm), the ink as the corner marks' share
    of their own paper, so a bubble on a page's dim side is judged against the dim paper around it."""

    def __init__(self, page: np.ndarray):
        cv = cv2()
        step = int(PX_PER_MM / PAPER_MAP_PX_MM)
        h, w = page.shape
        small = cv.resize(page, (w // step, h // step), interpolation=cv.INTER_AREA)
        self.map = local_paper(small, int(PAPER_WINDOW_MM * PAPER_MAP_PX_MM) | 1).astype(np.float32)
        shares = []
        half = L.MARK_SIZE * PX_PER_MM / 2 * 0.6
        for x, y in L.MARKS:
            mark = page[int(y * PX_PER_MM - half) : int(y * PX_PER_MM + half),
                        int(x * PX_PER_MM - half) : int(x * PX_PER_MM + half)]  # fmt: skip
            shares.append(float(np.median(mark)) / max(self.paper(x, y), 1.0))
        self.ink_share = min(float(np.median(shares)), MAX_INK_SHARE)

    def paper(self, x_mm: float, y_mm: float) -> float:
        return float(self.map[int(y_mm * PAPER_MAP_PX_MM), int(x_mm * PAPER_MAP_PX_MM)])

    def at(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        """(paper, ink) grey levels at a point of the page."""
        paper = self.paper(x_mm, y_mm)
        return paper, paper * self.ink_share


def bubble_ink(page: np.ndarray, bubble: L.Bubble, levels: Levels, radius: float) -> float:
    """The share of ink inside a bubble's printed outline: 0 for bare paper, 1 for the marks' ink."""
    paper, ink = levels.at(bubble.x, bubble.y)
    r = radius * 0.72 * PX_PER_MM  # inside the printed outline
    cx, cy = bubble.x * PX_PER_MM, bubble.y * PX_PER_MM
    x0, y0 = int(cx - r), int(cy - r)
    inside = _disc(r, round(cx - x0, 2), round(cy - y0, 2))
    patch = page[y0 : y0 + inside.shape[0], x0 : x0 + inside.shape[1]][inside].astype(np.float32)
    share = (paper - patch) / (paper - ink)
    return float(np.clip(share, 0, 1).mean())


@functools.lru_cache(maxsize=256)
def _disc(r: float, cx: float, cy: float) -> np.ndarray:
    """The pixels within `r` of (cx, cy), a point in the first pixels of a (2r + 2)-square patch."""
    size = int(2 * r) + 2
    yy, xx = np.mgrid[0:size, 0:size]
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def _state(value: float) -> str:
    return "marked" if value >= MARKED else ("empty" if value <= EMPTY else "doubtful")


def read_field(page, f: L.Field, levels: Levels) -> tuple[str, str | None]:
    """(answer, doubt): the field's reading, or "" and why a person must look at it."""
    states = {}
    for b in f.bubbles:
        radius = L.RADIUS * (0.8 if b.group == "point" else 1.0)
        states[b] = _state(bubble_ink(page, b, levels, radius))
    faint = [b for b, s in states.items() if s == "doubtful"]
    if faint:
        where = ", ".join(_bubble_name(f, b) for b in faint[:4])
        return "", f"a light or partly erased mark ({where})"
    marked = [b for b, s in states.items() if s == "marked"]
    if f.kind == L.DIGITS and not marked and written_in_boxes(page, f, levels):
        return "", "a number is written in the boxes but no bubble is filled"
    if f.kind == L.CHOICE:
        if f.select == "single" and len(marked) > 1:
            return "", f"{len(marked)} options filled where one is asked ({', '.join(b.value for b in marked)})"
        return ",".join(b.value for b in marked), None
    if f.kind == L.SCORE:
        if len(marked) > 1:
            return "", f"{len(marked)} scores filled ({', '.join(b.value for b in marked)})"
        return (marked[0].value if marked else ""), None
    return _number(f, marked)


def written_in_boxes(page, f: L.Field, levels: Levels) -> bool:
    """Ink inside any write-in box of a digit grid (its printed lines left out)."""
    left, top, _, height = f.box
    for c in range(f.columns):
        x0, x1 = left + c * L.PITCH_X + 0.9, left + (c + 1) * L.PITCH_X - 0.9
        paper, ink = levels.at((x0 + x1) / 2, top + height / 2)
        threshold = (paper + ink) / 2
        cell = page[int((top + 0.9) * PX_PER_MM) : int((top + height - 0.9) * PX_PER_MM),
                    int(x0 * PX_PER_MM) : int(x1 * PX_PER_MM)]  # fmt: skip
        if cell.size and (cell < threshold).mean() > WRITTEN_SHARE:
            return True
    return False


def _bubble_name(f: L.Field, b: L.Bubble) -> str:
    if b.group.startswith("c"):
        return f"digit {b.value} in column {int(b.group[1:]) + 1}"
    if b.group == "point":
        return f"decimal point after column {int(b.value) + 1}"
    if b.group == "sign":
        return "the minus sign"
    return f"bubble {b.value}"


def _number(f: L.Field, marked: list) -> tuple[str, str | None]:
    digits = {}
    for b in marked:
        if b.group.startswith("c"):
            column = int(b.group[1:])
            if column in digits:
                return "", f"two digits filled in column {column + 1}"
            digits[column] = b.value
    points = [int(b.value) for b in marked if b.group == "point"]
    negative = any(b.group == "sign" for b in marked)
    if not digits:
        if points or negative:
            return "", "a sign or decimal point but no digits"
        return "", None
    used = sorted(digits)
    if used != list(range(used[0], used[-1] + 1)):
        return "", "an empty column between digits"
    if len(points) > 1:
        return "", "two decimal points filled"
    text = ""
    for column in used:
        text += digits[column]
        if points and points[0] == column and column != used[-1]:
            text += "."
    if points and not used[0] <= points[0] <= used[-1]:
        return "", "the decimal point is outside the digits"
    return ("-" if negative else "") + text, None


def scan(source, manifest: dict, dpi: int = 200, progress=None) -> ScanResult:
    """Every page of SOURCE read against the manifest's versions; one bad page never stops the rest."""
    result = ScanResult()
    key = L.exam_key(manifest["exam"])
    versions = {v["code"].upper(): v for v in manifest["versions"]}
    seen = {}
    for name, image in page_images(source, dpi):
        result.pages += 1
        if progress:
            progress()
        if isinstance(image, str):
            result.unreadable.append(image)
            continue
        page, code = upright(image)
        if page is None:
            result.unreadable.append(f"{name}: {code}")
            continue
        if code["exam"] != key or code["code"].upper() not in versions:
            result.unreadable.append(f"{name}: a sheet of another exam (version {code['code']})")
            continue
        version = versions[code["code"].upper()]
        if (version["code"], code["page"]) in seen:
            result.unreadable.append(
                f"{name}: page {code['page']} of version {version['code']} again (first in {seen[version['code'], code['page']]}); "
                "this copy was not read"
            )
            continue
        seen[version["code"], code["page"]] = name
        pages = L.sheet_layout(version)
        if code["page"] > len(pages):
            result.unreadable.append(f"{name}: page {code['page']} is not on version {version['code']}'s sheet")
            continue
        result.read += 1
        levels = Levels(page)
        for f in pages[code["page"] - 1].fields:
            answer, doubt = read_field(page, f, levels)
            if doubt:
                result.doubts.append(Doubt(name, version["code"], f.name, doubt))
            score = answer if f.kind == L.SCORE else ""
            result.rows.append([version["code"], f.number, f.label, "" if f.kind == L.SCORE else answer, score,
                                doubt and f"{doubt} ({name})"])  # fmt: skip
    for code in sorted({code for code, _ in seen}):
        layout = L.sheet_layout(versions[code.upper()])
        for page in layout:
            if (code, page.number) in seen:
                continue
            why = f"page {page.number} of the {len(layout)}-page sheet was not scanned"
            result.unreadable.append(f"version {code}: {why}")
            result.rows.extend([code, f.number, f.label, "", "", why] for f in page.fields)
    result.unreadable = list(dict.fromkeys(result.unreadable))
    return result


def write_answers(result: ScanResult, path: Path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADER)
        writer.writerows(result.rows)


def write_review(result: ScanResult, answers_path: Path) -> Path | None:
    """ANSWERS-review.csv: each doubtful field and unreadable page, for a person to settle (then
    type the answer into the answers CSV); removed when nothing is doubtful."""
    path = answers_path.with_name(answers_path.stem + "-review.csv")
    if not result.doubts and not result.unreadable:
        path.unlink(missing_ok=True)
        return None
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "version", "field", "reason"])
        for d in result.doubts:
            writer.writerow([d.source, d.code, d.field, d.reason])
        for line in result.unreadable:
            writer.writerow(["", "", "", line])
    return path
