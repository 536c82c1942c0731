"""Where everything sits on a version's answer sheet, in millimetres from the page's top-left corner.

The one home of the sheet's geometry: the LaTeX template draws from it (`render.py`) and the
scanner reads from it (`scan.py`), so the two cannot drift apart. The layout is computed from the
manifest alone (a version's questions, part types, option letters and points), so a scan needs
nothing but the manifest the build wrote.

Each part is one field: bubbles for a choice part; a digit grid (a sign bubble, digit columns
0-9, a decimal-point row) for a numeric part; a row of score bubbles for the marker on a written
part (expression, derivation, short answer), whose answer is on the exam paper.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from enum import StrEnum

from ..parts import part_type
from ..parts.base import Response

PAGE_W, PAGE_H = 210.0, 297.0
MARK_SIZE = 6.0
MARKS = ((12.0, 12.0), (198.0, 12.0), (12.0, 285.0), (198.0, 285.0))  # corner-mark centres
QR_BOX = (164.0, 20.0, 26.0)  # left, top, size
TOP, BOTTOM, LEFT, RIGHT = 66.0, 280.0, 18.0, 192.0
TOP_NEXT = 50.0  # pages after the first carry no instructions
RADIUS = 1.65
PITCH_X, PITCH_Y = 4.6, 4.3  # four 6-column digit grids to a row
LABEL_W = 13.0
GAP = 4.0
PAYLOAD_PREFIX = "EXAMKIT-SHEET/1"


class FieldKind(StrEnum):
    """How a part is answered on paper: bubbles, a digit grid, or the marker's score row."""

    CHOICE = "choice"
    DIGITS = "digits"
    SCORE = "score"


CHOICE, DIGITS, SCORE = FieldKind


@dataclass(frozen=True)
class Bubble:
    x: float
    y: float
    group: str  # a digit column ("c0", "c1"...), "sign", "point", or "" for a choice/score row
    value: str  # the letter, digit, score or column index it stands for
    label: str = ""  # printed beside it ("" where the row or column says it)


@dataclass
class Field:
    number: int
    label: str  # the printed part label ("" for a one-part question)
    part: str  # the internal part id
    kind: str
    select: str  # "single" or "multiple" (choice parts)
    x: float
    y: float
    w: float
    h: float
    bubbles: list = field(default_factory=list)
    columns: int = 0
    box: tuple | None = None  # a digit grid's write-in boxes: (left, top, width, height)

    @property
    def name(self) -> str:
        return f"{self.number}{f'({self.label})' if self.label else ''}"


@dataclass
class SheetPage:
    number: int
    fields: list


def exam_key(exam: dict) -> str:
    """A short digest naming the exam on its sheets (never the master seed itself)."""
    text = f"{exam.get('title')}|{exam.get('course')}|{exam.get('master_seed')}|{exam.get('bank')}"
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def payload(exam: dict, code: str, page: int, pages: int) -> str:
    return f"{PAYLOAD_PREFIX}|{exam_key(exam)}|{code}|{page}|{pages}"


def read_payload(text: str) -> dict | None:
    parts = text.split("|")
    if len(parts) != 5 or parts[0] != PAYLOAD_PREFIX or not parts[3].isdigit() or not parts[4].isdigit():
        return None
    return {"exam": parts[1], "code": parts[2], "page": int(parts[3]), "pages": int(parts[4])}


def kind_of(entry: dict) -> FieldKind:
    """From the part's response (manifests before it was recorded: from its part type)."""
    response = entry.get("response") or part_type(entry["type"]).response
    if response == Response.OPTIONS:
        return CHOICE
    return DIGITS if response == Response.NUMBER else SCORE


def digit_columns(entry: dict) -> int:
    """Room for the key written to its significant figures, with two spare columns (at least 6)."""
    value = abs(float(entry.get("value") or 0.0))
    figures = int((entry.get("tolerance") or {}).get("sigfigs") or 4)
    if value == 0 or not math.isfinite(value):
        return 6
    magnitude = math.floor(math.log10(value))
    integer_digits = max(1, magnitude + 1)
    decimals = max(0, figures - 1 - magnitude)
    return min(12, max(6, integer_digits + decimals + 2))


def score_values(points: float) -> list[float]:
    """0, 0.5, 1, ... up to the part's points (whole points where halves would make it too long)."""
    step = 0.5 if points <= 8 else 1.0
    count = int(math.floor(points / step + 1e-9))
    values = [round(i * step, 2) for i in range(count + 1)]
    if values[-1] < points - 1e-9:
        values.append(points)
    return values


def _fmt(value: float) -> str:
    return f"{value:g}"


def _field(q: dict, entry: dict, label: str, select: str) -> Field:
    kind = kind_of(entry)
    f = Field(q["number"], label, entry["id"], kind, select, 0.0, 0.0, 0.0, 0.0)
    if kind == CHOICE:
        letters = [o["letter"] for o in entry["options"]]
        f.w, f.h = LABEL_W + len(letters) * 7.0, 11.0
        f.bubbles = [Bubble(LABEL_W + 3.5 + i * 7.0, 7.0, "", letter, letter) for i, letter in enumerate(letters)]
    elif kind == SCORE:
        values = score_values(float(entry["points"]))
        f.w, f.h = LABEL_W + 22.0 + len(values) * 7.5, 11.0
        f.bubbles = [Bubble(LABEL_W + 26.0 + i * 7.5, 7.0, "", _fmt(v), _fmt(v)) for i, v in enumerate(values)]
    else:  # sign column, row labels 0-9, digit columns under write-in boxes, decimal points between
        columns = digit_columns(entry)
        f.columns = columns
        left, top = 10.0, 15.0
        f.w = left + columns * PITCH_X + 2.0
        f.h = top + 11 * PITCH_Y + 3.0
        f.box = (left, 6.0, columns * PITCH_X, 7.0)
        f.bubbles.append(Bubble(2.5, top + PITCH_Y / 2, "sign", "-", "−"))
        for c in range(columns):
            x = left + (c + 0.5) * PITCH_X
            for d in range(10):
                f.bubbles.append(Bubble(x, top + (d + 0.5) * PITCH_Y, f"c{c}", str(d)))
            if c < columns - 1:
                f.bubbles.append(Bubble(x + PITCH_X / 2, top + 10.5 * PITCH_Y, "point", str(c)))
    return f


def _placed(f: Field, x: float, y: float) -> Field:
    f.x, f.y = x, y
    f.bubbles = [Bubble(round(b.x + x, 3), round(b.y + y, 3), b.group, b.value, b.label) for b in f.bubbles]
    if f.box:
        f.box = (round(f.box[0] + x, 3), round(f.box[1] + y, 3), f.box[2], f.box[3])
    return f


def page_top(number: int) -> float:
    """Where fields start: below the instructions on the first page, below the QR code after it."""
    return TOP if number == 1 else TOP_NEXT


def _lowest_spot(skyline: list, w: float, top: float, floor: float) -> tuple[float, float] | None:
    """The highest free (x, y) for a field `w` wide, no higher than `floor`, leftmost on ties.
    `skyline` lists (x0, x1, bottom) of what is placed; a field sits GAP below what it overlaps."""
    best = None
    for x in sorted({LEFT} | {x1 + GAP for _, x1, _ in skyline}):
        if x + w > RIGHT + 1e-9:
            continue
        y = max([top, floor] + [b + GAP for x0, x1, b in skyline if x0 < x + w - 1e-9 and x1 > x + 1e-9])
        if best is None or y < best[1] - 1e-9:
            best = (x, y)
    return best


def sheet_layout(version: dict, selects: dict | None = None) -> list[SheetPage]:
    """The pages of one version's sheet, fields in exam order: each goes to the highest free spot
    no higher than the field before it, so short fields fill the room beside a tall digit grid and
    the sheet still reads top to bottom. `selects` maps (question number, part id) to
    "single"/"multiple" for choice parts (the manifest records it as `select`)."""
    from ..bank.template import part_labels

    pages, fields, skyline, floor = [], [], [], TOP
    for q in version["questions"]:
        labels = part_labels(len(q["parts"]))
        for entry, default_label in zip(q["parts"], labels):
            label = entry.get("label", default_label) or ""
            select = (selects or {}).get((q["number"], entry["id"])) or entry.get("select") or "single"
            f = _field(q, entry, label, select)
            top = page_top(len(pages) + 1)
            spot = _lowest_spot(skyline, f.w, top, floor) or (LEFT, max([floor] + [b + GAP for *_, b in skyline]))
            if spot[1] + f.h > BOTTOM + 1e-9 and fields:
                pages.append(SheetPage(len(pages) + 1, fields))
                fields, skyline, floor = [], [], page_top(len(pages) + 1)
                spot = (LEFT, floor)
            fields.append(_placed(f, *spot))
            skyline.append((spot[0], spot[0] + f.w, spot[1] + f.h))
            floor = spot[1]
    pages.append(SheetPage(len(pages) + 1, fields))
    return pages
