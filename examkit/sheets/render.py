"""A version's answer sheet as LaTeX (templates/latex/answer-sheet.tex.j2), drawn from its layout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import layout as L


@dataclass(frozen=True)
class QRModules:
    """A QR code as the sheet draws it: `size` modules a side, and the black runs of each row as
    (row, first column, length), row 0 at the top."""

    size: int
    runs: tuple[tuple[int, int, int], ...]


def qr_modules(text: str) -> QRModules:
    """OpenCV's encoder (error correction M), the library the scanner decodes with: TeX's qrcode
    package took a sixth of a second a code, a third of a sheet's time."""
    import cv2

    params = cv2.QRCodeEncoder.Params()
    params.correction_level = cv2.QRCodeEncoder_CORRECT_LEVEL_M
    image = cv2.QRCodeEncoder.create(params).encode(text)  # one pixel a module, in a white margin
    dark = image < 128
    rows, columns = np.nonzero(dark)
    dark = dark[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]  # the finder patterns bound it
    runs = []
    for row, line in enumerate(dark):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], line.astype(np.int8), [0]))))
        runs.extend((row, int(start), int(stop - start)) for start, stop in zip(edges[::2], edges[1::2]))
    return QRModules(dark.shape[0], tuple(runs))


def render_sheet(env, exam: dict, version: dict, roster: bool) -> str:
    """`exam` and `version` are the manifest's entries, so the sheet shows exactly what a scan reads."""
    pages = L.sheet_layout(version)
    return env.get_template("answer-sheet.tex.j2").render(
        exam=exam,
        version=version,
        roster=roster,
        pages=pages,
        qr_modules=lambda number: qr_modules(L.payload(exam, version["code"], number, len(pages))),
        marks=L.MARKS,
        mark=L.MARK_SIZE,
        qr=L.QR_BOX,
        radius=L.RADIUS,
        pitch=L.PITCH_X,
        pitch_y=L.PITCH_Y,
    )
