"""The variant each student saw, rebuilt from the manifest's record of it, and only from the bank
it was built from: that bank is found again from the sources the manifest records (`exam_bank`);
a question missing from it is named with the folder it came from, and a changed one is refused,
naming the questions."""

from __future__ import annotations

import os
from pathlib import Path

from ..bank.identity import VariantIdentity, apply_identity, realize, template_digest
from ..bank.loader import Bank, load_bank


class BankChanged(ValueError):
    """The bank's templates differ from those the exam was built from."""

    def __init__(self, qids):
        self.qids = sorted(qids)
        super().__init__(
            f"questions changed since this exam was built: {', '.join(self.qids)} (their templates differ from "
            "the ones the manifest records; rebuild the exam, or grade anyway with --allow-bank-change)"
        )


class MissingQuestions(ValueError):
    """Questions of the exam that the bank has not: each named with where it was built from."""


def exam_bank(data: dict, manifest_path, bank_paths=None, bundled: bool | None = None):
    """The bank to rebuild an exam from: the sources its manifest records (an own folder at its
    path relative to the manifest, else at its absolute path), or the files and folders given,
    which take their place. `bundled` None: the bundled bank as recorded (always, for a manifest
    that records no sources). Raises MissingQuestions naming every question it lacks."""
    recorded = data["exam"].get("banks")
    if bundled is None:
        bundled = recorded is None or any(entry.get("bundled") for entry in recorded)
    if bank_paths or recorded is None:
        bank = load_bank(bank_paths, bundled)
    else:
        here = Path(manifest_path).resolve().parent
        found = [p for entry in recorded if not entry.get("bundled") and (p := _locate(entry, here))]
        bank = load_bank(found, bundled) if found or bundled else Bank([], [])  # nothing found: named below
    missing = sorted({q["qid"] for v in data["versions"] for q in v["questions"]} - set(bank.templates))
    if missing:
        raise MissingQuestions(_missing_message(missing, recorded, Path(manifest_path).resolve().parent, bank_paths))
    return bank


def _locate(entry: dict, here: Path) -> Path | None:
    beside = [Path(os.path.normpath(here / entry["path"]))] if "path" in entry else []
    for candidate in beside + [Path(entry["absolute"])]:
        if candidate.exists():
            return candidate
    return None


def _missing_message(missing, recorded, here: Path, bank_paths) -> str:
    lines = [f"{len(missing)} question(s) of this exam are not in the bank: {', '.join(missing)}"]
    if recorded is None:
        lines.append("  this manifest does not record the folders the exam was built from: "
                     "give them with --bank FOLDER")  # fmt: skip
        return "\n".join(lines)
    accounted = set()
    for entry in recorded:
        ids = [qid for qid in entry.get("ids", []) if qid in missing]
        accounted.update(ids)
        if not ids:
            continue
        if entry.get("bundled"):
            lines.append(f"  {', '.join(ids)}: built from the bundled bank, which no longer has them "
                         "(grade with the examkit version that built the exam)")  # fmt: skip
            continue
        folder = entry["absolute"]
        if bank_paths:
            why = f"not in the --bank given ({', '.join(map(str, bank_paths))})"
        elif _locate(entry, here) is None:
            recorded_as = f" (recorded as {entry['path']} from the manifest)" if "path" in entry else ""
            why = f"not found there now{recorded_as}: give its new place with --bank FOLDER"
        else:
            why = "which no longer has them"
        lines.append(f"  {', '.join(ids)}: built from {folder}, {why}")
    rest = [qid for qid in missing if qid not in accounted]
    if rest:
        lines.append(f"  {', '.join(rest)}: the manifest does not say where from")
    return "\n".join(lines)


def variant_from_manifest(q: dict, bank):
    """The variant the student saw, from its recorded identity; for manifests of format /1 (no
    identity), the option order is read back from the printed option texts."""
    if "identity" in q:
        return realize(bank, VariantIdentity.from_json(q["identity"]))
    variant = bank.get(q["qid"]).variant(q["seed"])
    order = {}
    for entry in q["parts"]:
        if entry.get("options"):
            by_text = {o.text: o.key for o in variant.part(entry["id"]).options}
            order[entry["id"]] = tuple(by_text[o["text"]] for o in entry["options"])
    points = {e["id"]: e["points"] for e in q["parts"]}
    return apply_identity(variant, VariantIdentity(q["qid"], q["seed"], order or None, points))


def check_bank(data: dict, bank):
    """Raise BankChanged naming every question whose template was edited since the build (each is
    in `bank`: `exam_bank` has named those it lacks)."""
    recorded = {q["qid"]: q.get("template") for version in data["versions"] for q in version["questions"]}
    changed = {
        qid for qid, digest in recorded.items() if digest is not None and digest != template_digest(bank.get(qid))
    }
    if changed:
        raise BankChanged(changed)
