"""Filled and scanned answer sheets without a scanner, for the tests and `bench/exam_scan.py`:
a sheet's printed pages rasterized, bubbles filled as a pen does (slightly off-centre, not quite
round), then rotated, resampled to the scan resolution and given sensor noise."""

from __future__ import annotations

import math
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
