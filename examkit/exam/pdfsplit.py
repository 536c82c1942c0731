"""Cut a batch's PDF into one file per document (exam/batch.py), byte for byte reproducibly.

pikepdf (qpdf) copies each page with only the objects it uses (its fonts, figures), and writes
the file's /ID from its content (`deterministic_id`), so the same pages always give the same bytes;
the document information (producer, the fixed creation date TeX got from SOURCE_DATE_EPOCH) is
TeX's. A document compiled alone keeps TeX's file and gets the same content-derived /ID.
A font is one subset per batch, so a document carries the glyphs of its batch's other names as
well (a few kilobytes; never their text).
"""

from __future__ import annotations

from pathlib import Path

import pikepdf


def split_pdf(pdf: Path, counts: list[int], targets: list[Path]):
    """Write the first counts[0] pages of PDF to targets[0], the next counts[1] to targets[1], ..."""
    with pikepdf.open(pdf) as source:
        if len(source.pages) != sum(counts):
            raise ValueError(f"{pdf.name}: {len(source.pages)} pages, but its documents counted {sum(counts)}")
        start = 0
        for count, target in zip(counts, targets):
            with pikepdf.new() as part:
                part.pages.extend(source.pages[start : start + count])
                part.docinfo = part.copy_foreign(source.docinfo)
                part.save(target, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
            start += count


def reproducible_id(pdf: Path):
    """Give a PDF TeX set alone the /ID of its content: LuaTeX derives it from the file's full
    path, which differs from build to build (the staging folder's name)."""
    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        del document.trailer["/ID"]  # else qpdf keeps its first half
        document.save(pdf, deterministic_id=True)
