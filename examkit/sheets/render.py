"""A version's answer sheet as LaTeX (templates/latex/answer-sheet.tex.j2), drawn from its layout."""

from __future__ import annotations

from . import layout as L


def render_sheet(env, exam: dict, version: dict, roster: bool) -> str:
    """`exam` and `version` are the manifest's entries, so the sheet shows exactly what a scan reads."""
    pages = L.sheet_layout(version)
    return env.get_template("answer-sheet.tex.j2").render(
        exam=exam,
        version=version,
        roster=roster,
        pages=pages,
        payload=lambda number: L.payload(exam, version["code"], number, len(pages)),
        marks=L.MARKS,
        mark=L.MARK_SIZE,
        qr=L.QR_BOX,
        radius=L.RADIUS,
        pitch=L.PITCH_X,
        pitch_y=L.PITCH_Y,
    )
