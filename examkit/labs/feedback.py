"""The feedback page a student gets back: each check's score and message, how the notebook was
read, and pictures of what their trained model does beside the reference's."""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io

import numpy as np

from . import get_lab


def _png(images, value_range) -> str | None:
    """A row of 28x28 images as a PNG data URI, None if they are not images. Written straight from
    the pixels (no figure: a feedback page costs milliseconds, not a quarter of a second)."""
    from matplotlib.image import imsave

    arr = np.asarray(images, dtype=np.float64)
    if arr.size % 784 or not np.all(np.isfinite(arr)) or not 0 < arr.size // 784 <= 12:
        return None
    low, high = value_range
    arr = np.clip((arr.reshape(-1, 28, 28) - low) / (high - low), 0, 1)
    gap = np.ones((28, 4))
    row = np.hstack([part for img in arr for part in (img, gap)][:-1])
    buf = io.BytesIO()
    imsave(buf, np.kron(row, np.ones((3, 3))), cmap="gray", vmin=0, vmax=1, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@functools.lru_cache(maxsize=64)
def _png_cached(digest: str, data: bytes, shape: tuple, value_range) -> str | None:
    """The reference rows are the same on every page: rendered once."""
    return _png(np.frombuffer(data, dtype=np.float64).reshape(shape), value_range)


def _uri(images, value_range) -> str | None:
    arr = np.ascontiguousarray(np.asarray(images, dtype=np.float64))
    data = arr.tobytes()
    return _png_cached(hashlib.sha1(data).hexdigest(), data, arr.shape, value_range)


def _pictures(spec, extras: dict) -> list[tuple[str, str | None]]:
    """(label, PNG data URI or None) for each picture row. The arrays were written by the student's
    own process, so they may be anything (a patched array writer, wrong shapes): a row that cannot be
    drawn says so, and the page is written all the same."""
    try:
        rows = list(spec.pictures(extras))
    except Exception as exc:
        return [(f"Pictures of your model's outputs ({type(exc).__name__} reading them)", None)]
    drawn = []
    for label, images in rows:
        try:
            drawn.append((label, _uri(images, spec.image_range)))
        except Exception:
            drawn.append((label, None))
    return drawn


def feedback_html(lab: str, name: str, results: dict) -> str:
    spec = get_lab(lab)
    rows = "".join(
        f"<tr class='{'ok' if t['score'] == t['max_score'] else 'bad'}'><td>{html.escape(t['name'])}</td>"
        f"<td>{t['score']:g} / {t['max_score']:g}</td><td>{html.escape(t['output'])}</td></tr>"
        for t in results["tests"]
    )
    images = "".join(
        f"<figure><img src='{uri}' alt='{html.escape(label)}'><figcaption>{html.escape(label)}</figcaption></figure>"
        if uri
        else f"<p>{html.escape(label)}: the output could not be shown as 28x28 images.</p>"
        for label, uri in _pictures(spec, results.get("extras", {}))
    )
    title = html.escape(spec.title)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}: {html.escape(name)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td{{padding:4px 8px;vertical-align:top;border-bottom:1px solid #ddd}}
td:nth-child(2){{white-space:nowrap}}tr.ok td:nth-child(2){{color:#2a7}}tr.bad td:nth-child(2){{color:#c33}}pre{{background:#f4f4f4;padding:.5em;white-space:pre-wrap}}</style></head>
<body><h1>{title}</h1><p>Submission <code>{html.escape(name)}</code>: <strong>{results["score"]:g} / {results["max_score"]:g}</strong></p>
<table><tr><th>check</th><th>score</th><th>what we found</th></tr>{rows}</table>
<h2>Notes</h2><pre>{html.escape(results["output"])}</pre>{images}</body></html>"""
