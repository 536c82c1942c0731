"""`examkit exam scan`: read filled answer sheets (a multi-page PDF or a folder of images) back
into the answers CSV `exam grade` takes.

Each page is aligned by its four corner marks (a perspective transform, so skew, scale and a
shifted print all come out), identified by its QR code (exam, version, page), and every bubble of
its layout (`layout.py`) is measured as the share of ink inside it, against the page's own paper
and ink levels. A bubble is marked, empty, or doubtful (a light, partly erased or stray mark);
a field with a doubtful bubble, or with two marks where one is allowed, is left empty in the CSV
and listed for a person to look at, never guessed. A page that cannot be read is listed too, and
the other pages are still read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import layout as L

PX_PER_MM = 8.0  # the aligned page: 1680 x 2376 px
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


def _cv2():
    import cv2

    cv2.setNumThreads(1)
    return cv2


def page_images(source: Path, dpi: int = 200):
    """(name, grayscale image) for every page: a PDF's pages, an image, or a folder's images."""
    cv2 = _cv2()
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
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
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


def _corner_marks(gray: np.ndarray):
    """The centres of the four corner squares (top-left, top-right, bottom-left, bottom-right)."""
    cv2 = _cv2()
    h, w = gray.shape
    px_mm = max(h, w) / L.PAGE_H
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    expected = (L.MARK_SIZE * px_mm) ** 2
    found = []
    for c in contours:
        area = cv2.contourArea(c)
        if not 0.4 * expected < area < 2.2 * expected:
            continue
        x, y, bw, bh = cv2.boundingRect(c)
        if not 0.7 < bw / bh < 1.4 or area < 0.75 * bw * bh * 0.9:
            continue
        m = cv2.moments(c)
        found.append((m["m10"] / m["m00"], m["m01"] / m["m00"]))
    corners = []
    for cx, cy in ((0, 0), (w, 0), (0, h), (w, h)):
        best = min(found, key=lambda p: (p[0] - cx) ** 2 + (p[1] - cy) ** 2, default=None)
        if best is None or ((best[0] - cx) ** 2 + (best[1] - cy) ** 2) ** 0.5 > 0.25 * min(h, w):
            return None
        corners.append(best)
    return corners if len(set(corners)) == 4 else None


def align(gray: np.ndarray):
    """The page warped to PX_PER_MM in the layout's millimetres, or None without its corner marks."""
    cv2 = _cv2()
    corners = _corner_marks(gray)
    if corners is None:
        return None
    source = np.float32(corners)
    target = np.float32([(x * PX_PER_MM, y * PX_PER_MM) for x, y in L.MARKS])
    matrix = cv2.getPerspectiveTransform(source, target)
    size = (int(L.PAGE_W * PX_PER_MM), int(L.PAGE_H * PX_PER_MM))
    return cv2.warpPerspective(gray, matrix, size, flags=cv2.INTER_AREA, borderValue=255)


def read_code(page: np.ndarray) -> dict | None:
    """The QR payload, read where the sheet prints it (top right): a page scanned upside down has
    its code bottom left, so it is not read here and `upright` turns it."""
    cv2 = _cv2()
    left, top, size = L.QR_BOX
    pad = 6
    crop = page[int((top - pad) * PX_PER_MM) : int((top + size + pad) * PX_PER_MM),
                int((left - pad) * PX_PER_MM) : int((left + size + pad) * PX_PER_MM)]  # fmt: skip
    detector = cv2.QRCodeDetector()
    for image in (crop, cv2.GaussianBlur(crop, (3, 3), 0)):
        text, _, _ = detector.detectAndDecode(image)
        if text:
            return L.read_payload(text)
    return None


def upright(gray: np.ndarray):
    """(aligned page, QR payload) whichever way up the page was scanned (portrait or landscape,
    either end first), or (None, why)."""
    turns = (1, 3) if gray.shape[1] > gray.shape[0] else (0, 2)
    aligned = False
    for turn in turns:
        page = align(np.ascontiguousarray(np.rot90(gray, turn)))
        if page is None:
            continue
        aligned = True
        for flip in (0, 2):
            candidate = np.ascontiguousarray(np.rot90(page, flip))
            code = read_code(candidate)
            if code is not None:
                return candidate, code
    if not aligned:
        return None, "no answer-sheet corner marks found (is it a sheet, scanned whole?)"
    return None, "the sheet's QR code could not be read"


def ink_levels(page: np.ndarray) -> tuple[float, float]:
    """(paper, ink) grey levels of this page: its light background and its corner marks."""
    paper = float(np.percentile(page, 90))
    x, y = L.MARKS[0]
    half = L.MARK_SIZE * PX_PER_MM / 2 * 0.6
    ink = float(np.median(page[int(y * PX_PER_MM - half) : int(y * PX_PER_MM + half),
                               int(x * PX_PER_MM - half) : int(x * PX_PER_MM + half)]))  # fmt: skip
    return paper, min(ink, paper - 60)


def bubble_ink(page: np.ndarray, bubble: L.Bubble, paper: float, ink: float, radius: float) -> float:
    r = radius * 0.72 * PX_PER_MM  # inside the printed outline
    cx, cy = bubble.x * PX_PER_MM, bubble.y * PX_PER_MM
    x0, x1, y0, y1 = int(cx - r), int(cx + r) + 1, int(cy - r), int(cy + r) + 1
    patch = page[y0:y1, x0:x1].astype(np.float32)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    share = (paper - patch[inside]) / (paper - ink)
    return float(np.clip(share, 0, 1).mean())


def _state(value: float) -> str:
    return "marked" if value >= MARKED else ("empty" if value <= EMPTY else "doubtful")


def read_field(page, f: L.Field, paper: float, ink: float) -> tuple[str, str | None]:
    """(answer, doubt): the field's reading, or "" and why a person must look at it."""
    states = {}
    for b in f.bubbles:
        radius = L.RADIUS * (0.8 if b.group == "point" else 1.0)
        states[b] = _state(bubble_ink(page, b, paper, ink, radius))
    faint = [b for b, s in states.items() if s == "doubtful"]
    if faint:
        where = ", ".join(_bubble_name(f, b) for b in faint[:4])
        return "", f"a light or partly erased mark ({where})"
    marked = [b for b, s in states.items() if s == "marked"]
    if f.kind == L.DIGITS and not marked and written_in_boxes(page, f, paper, ink):
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


def written_in_boxes(page, f: L.Field, paper: float, ink: float) -> bool:
    """Ink inside any write-in box of a digit grid (its printed lines left out)."""
    left, top, _, height = f.box
    threshold = (paper + ink) / 2
    for c in range(f.columns):
        x0, x1 = left + c * L.PITCH_X + 0.9, left + (c + 1) * L.PITCH_X - 0.9
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
        paper, ink = ink_levels(page)
        for f in pages[code["page"] - 1].fields:
            answer, doubt = read_field(page, f, paper, ink)
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
