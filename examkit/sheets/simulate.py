"""Filled and scanned answer sheets without a scanner, for the tests and `bench/exam_scan.py`:
a sheet's printed pages rasterized, bubbles filled as students fill them (pen or pencil, slightly
off-centre, not quite round; light touches, erasures, crosses, half fills), then either rotated,
resampled to the scan resolution and given sensor noise (`scanned`, a flatbed), or photographed
under one of `photograph.CONDITIONS` (`photographed`); `tally` says how a scan read them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import layout as L


def rasterize(pdf_path, dpi: int = 300) -> list[np.ndarray]:
    from .scan import pdf_pages

    return [image for _, image in pdf_pages(Path(pdf_path), dpi)]


def number_bubbles(f: L.Field, text: str) -> list[L.Bubble]:
    """The bubbles a student fills to write `text` (e.g. "-0.125") left-aligned in a digit grid."""
    negative = text.startswith("-")
    body = text.lstrip("-")
    digits = body.replace(".", "")
    if len(digits) > f.columns:
        raise ValueError(f"{text!r} does not fit {f.columns} columns")
    point_after = body.index(".") - 1 if "." in body else None
    chosen = []
    for b in f.bubbles:
        if b.group == "sign" and negative:
            chosen.append(b)
        elif b.group.startswith("c"):
            column = int(b.group[1:])
            if column < len(digits) and digits[column] == b.value:
                chosen.append(b)
        elif b.group == "point" and point_after is not None and int(b.value) == point_after:
            chosen.append(b)
    return chosen


def fits(f: L.Field, value: float) -> str:
    """`value` written to as many significant figures as the grid has room for (at most 5)."""
    for figures in range(min(5, f.columns), 0, -1):
        text = np.format_float_positional(float(f"{value:.{figures}g}"), trim="-")
        if len(text.lstrip("-").replace(".", "")) <= f.columns:
            return text
    raise ValueError(f"{value} does not fit a {f.columns}-column grid")


def key_marks(version: dict, f: L.Field) -> tuple[list[L.Bubble], str]:
    """The bubbles a student who knows the key fills in field `f`, and what a scan should read:
    the right letters, the key to the figures the grid holds, full marks in a score row."""
    q = next(q for q in version["questions"] if q["number"] == f.number)
    entry = next(e for e in q["parts"] if e["id"] == f.part)
    if f.kind == L.CHOICE:
        letters = [s.strip() for s in entry["answer"].split(",")]
        return [b for b in f.bubbles if b.value in letters], ",".join(letters)
    if f.kind == L.SCORE:
        return [f.bubbles[-1]], f.bubbles[-1].value
    text = fits(f, entry["value"])
    return number_bubbles(f, text), text


def fill(page: np.ndarray, bubbles, dpi: int, darkness: float = 0.9, rng=None) -> np.ndarray:
    """Pen marks over `bubbles` (darkness 1 is black ink, 0.3 a light pencil touch or an erasure)."""
    import cv2

    rng = rng or np.random.default_rng(0)
    out = page.copy()
    px = dpi / 25.4
    for b in bubbles:
        radius = L.RADIUS * (0.8 if b.group == "point" else 1.0)
        cx = (b.x + rng.normal(0, 0.15)) * px
        cy = (b.y + rng.normal(0, 0.15)) * px
        axes = (int(radius * rng.uniform(0.85, 1.05) * px), int(radius * rng.uniform(0.85, 1.05) * px))
        grey = int(255 * (1 - darkness))
        cv2.ellipse(out, (int(cx), int(cy)), axes, rng.uniform(0, 180), 0, 360, grey, -1, lineType=cv2.LINE_AA)
    return out


STROKE_MM = 0.45  # a pen line's width


def pen_mark(page: np.ndarray, bubble: L.Bubble, style: str, dpi: int, rng) -> np.ndarray:
    """One hand-made mark over `bubble`, as students make them:

    - "pen": filled with a dark pen; "pencil": filled with a pencil, grey and grainy (both clear);
    - "light": a light touch; "erased": what an eraser leaves of a mark (a person decides);
    - "cross": a cross instead of a fill; "half": a fill that covers part of the bubble (the
      student meant the bubble; read as marked or flagged, never as empty)."""
    import cv2

    if style == "pen":
        return fill(page, [bubble], dpi, float(rng.uniform(0.85, 1.0)), rng)
    if style == "pencil":
        out = fill(page, [bubble], dpi, float(rng.uniform(0.62, 0.8)), rng)
        return _grain(out, page, rng)
    if style == "light":
        return fill(page, [bubble], dpi, float(rng.uniform(0.24, 0.32)), rng)
    if style == "erased":
        return _grain(fill(page, [bubble], dpi, float(rng.uniform(0.2, 0.3)), rng), page, rng)
    out = page.copy()
    px = dpi / 25.4
    reach = L.RADIUS * (0.8 if bubble.group == "point" else 1.0) * px
    cx, cy = bubble.x * px + rng.normal(0, 0.1) * px, bubble.y * px + rng.normal(0, 0.1) * px
    thickness = max(1, int(STROKE_MM * px))
    if style == "cross":
        for sign in (1, -1):
            tilt = rng.uniform(0.8, 1.0) * reach
            ends = (int(cx - tilt), int(cy - sign * tilt)), (int(cx + tilt), int(cy + sign * tilt))
            cv2.line(out, *ends, int(255 * 0.08), thickness, lineType=cv2.LINE_AA)
        return out
    if style == "half":
        start = rng.uniform(0, 360)
        axes = (int(reach * 0.95), int(reach * 0.95))
        cv2.ellipse(out, (int(cx), int(cy)), axes, start, 0, 200, int(255 * 0.08), -1, lineType=cv2.LINE_AA)
        return out
    raise ValueError(f"unknown mark style {style!r}")


def _grain(marked: np.ndarray, page: np.ndarray, rng) -> np.ndarray:
    """Pencil grain: the paper shows through a mark in specks."""
    changed = marked != page
    specks = rng.random(int(changed.sum())) < 0.15
    out = marked.copy()
    out[changed] = np.where(specks, np.maximum(marked[changed], 200), marked[changed])
    return out


@dataclass(frozen=True)
class Planted:
    """What a student meant in one field, and whether a mark in it should make a person look."""

    answer: str
    doubtful: bool


INTENDED_IN = ("cross", "half")  # doubtful marks on a bubble the student meant
INTENDED_OUT = ("light", "erased")  # doubtful marks beside the answer


def filled_by_hand(version: dict, page: L.SheetPage, image: np.ndarray, dpi: int, rng) -> tuple:
    """The page filled as a class fills it: most fields with the key in pen or pencil, some left
    blank, some with a doubtful mark (a light touch, an erasure, a cross, a half fill). Returns the
    image and, per field (version code, question, label), what was `Planted`."""
    planted = {}
    for f in page.fields:
        bubbles, answer = key_marks(version, f)
        draw = rng.random()
        doubt = None
        if draw < 0.1 or not bubbles:
            bubbles, answer = [], ""
        elif draw < 0.3:
            others = [b for b in f.bubbles if b not in bubbles and b.group != "sign"]
            doubt = str(rng.choice(INTENDED_IN + INTENDED_OUT if others else INTENDED_IN))
            target = (
                bubbles[int(rng.integers(len(bubbles)))]
                if doubt in INTENDED_IN
                else others[int(rng.integers(len(others)))]
            )
            image = pen_mark(image, target, doubt, dpi, rng)
            bubbles = [b for b in bubbles if b is not target]
        style = "pencil" if rng.random() < 0.3 else "pen"
        for b in bubbles:
            image = pen_mark(image, b, style, dpi, rng)
        planted[version["code"], f.number, f.label] = Planted(answer, doubt is not None)
    return image, planted


def photographed(pages: list, conditions: list, folder: Path, dpi: int, rng) -> dict:
    """Each of `pages` ((version, SheetPage, rasterized image at `dpi`)) filled by hand and
    captured under the next of `conditions` in turn, written into `folder` as the device writes
    it; returns what was planted, per field."""
    from .photograph import photograph

    planted = {}
    for i, (version, page, image) in enumerate(pages):
        condition = conditions[i % len(conditions)]
        image, fields = filled_by_hand(version, page, image, dpi, rng)
        planted.update(fields)
        name = f"{version['code']}-{page.number}-{condition.name}{condition.suffix}"
        (Path(folder) / name).write_bytes(photograph(image, dpi, condition, rng))
    return planted


def tally(result, planted: dict) -> dict:
    """How a scan read the planted fields: clear fields read right (the rest flagged or wrong),
    doubtful fields flagged or read as the student meant (an erasure read as empty, a cross as
    marked), and wrong reads: an answer given without a flag that is not what the student meant."""
    counts = {"clear": 0, "clear_right": 0, "doubtful": 0, "doubtful_flagged": 0, "doubtful_as_meant": 0, "wrong": 0}
    for code, number, label, answer, score, review in result.rows:
        meant = planted.get((code, number, label))
        if meant is None:
            continue
        kind = "doubtful" if meant.doubtful else "clear"
        counts[kind] += 1
        read = score or answer
        if review:
            counts["doubtful_flagged"] += meant.doubtful
        elif read == meant.answer:
            counts["doubtful_as_meant" if meant.doubtful else "clear_right"] += 1
        else:
            counts["wrong"] += 1
    return counts


def scanned(page: np.ndarray, dpi: int, scan_dpi: int, angle: float, noise: float, rng=None) -> np.ndarray:
    """What a scanner returns: the page rotated by `angle` degrees, at `scan_dpi`, with noise."""
    import cv2

    rng = rng or np.random.default_rng(0)
    h, w = page.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    nw, nh = int(w * cos + h * sin), int(w * sin + h * cos)
    matrix[0, 2] += (nw - w) / 2
    matrix[1, 2] += (nh - h) / 2
    rotated = cv2.warpAffine(page, matrix, (nw, nh), borderValue=250)
    scale = scan_dpi / dpi
    resized = cv2.resize(rotated, (int(nw * scale), int(nh * scale)), interpolation=cv2.INTER_AREA)
    noisy = resized.astype(np.float32) * 0.94 + 8 + rng.normal(0, noise, resized.shape)  # grey paper, sensor noise
    return np.clip(noisy, 0, 255).astype(np.uint8)
