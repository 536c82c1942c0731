"""The exam's gradebook files: `canvas.csv` and `moodle.csv` (writers: `examkit/gradebook.py`),
one row per student of the manifest, identified as the roster the exam was built with names
them: student_id (Canvas's SIS User ID, Moodle's ID number), and email and username where the
roster has those columns.

A student who is absent, or has parts still to mark by hand or to check on the scan, gets an
empty grade (no grade) rather than a provisional total. Anonymous versions (built with
`--versions`) get no gradebook files: no LMS knows V01, V02, ...
"""

from __future__ import annotations

from pathlib import Path

from ..gradebook import Entry, write_canvas_csv, write_moodle_csv
from .stats import PENDING

FILES = ("canvas.csv", "moodle.csv")


def write_gradebooks(out: Path, data: dict, versions: dict, marks, totals: dict) -> dict:
    """Write both files into `out`; returns {"files": [...], "notes": [...]}."""
    if data["exam"].get("anonymous"):
        for name in FILES:
            (out / name).unlink(missing_ok=True)
        return {"files": [], "notes": ["no canvas.csv or moodle.csv: the versions are anonymous (built without a "
                                       "roster), so no LMS knows their ids; build from a roster to get them"]}  # fmt: skip
    pending = {m.student_id for m in marks if m.status in PENDING}
    entries = [
        Entry(
            student=v.get("name") or sid,
            sis_id=sid,
            login=v.get("username", ""),
            email=v.get("email", ""),
            score=totals[sid] if sid in totals and sid not in pending else None,
        )  # fmt: skip
        for sid, v in versions.items()
    ]
    points = sorted({round(v["points"], 4) for v in versions.values()})
    title = data["exam"]["title"]
    write_canvas_csv(out / "canvas.csv", title, points[-1], entries)
    notes = write_moodle_csv(out / "moodle.csv", title, entries)
    if len(points) > 1:
        notes.append(f"versions differ in total points ({points[0]:g} to {points[-1]:g}); canvas.csv's Points "
                     "Possible is the largest")  # fmt: skip
    waiting = len(pending & set(totals))
    if waiting:
        notes.append(f"{waiting} student(s) with parts still to mark or check have no grade in canvas.csv and "
                     "moodle.csv until then")  # fmt: skip
    return {"files": [str(out / name) for name in FILES], "notes": notes}
