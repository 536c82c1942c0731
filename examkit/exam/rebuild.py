"""The variant each student saw, rebuilt from the manifest's record of it, and only from the bank
it was built from: a changed template is refused, naming the questions."""

from __future__ import annotations

from ..bank.identity import VariantIdentity, apply_identity, realize, template_digest


class BankChanged(ValueError):
    """The bank's templates differ from those the exam was built from."""

    def __init__(self, qids):
        self.qids = sorted(qids)
        super().__init__(
            f"the question bank changed since this exam was built: {', '.join(self.qids)} "
            "(rebuild the exam, or grade anyway with --allow-bank-change)"
        )


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
    """Raise BankChanged naming every question whose template is missing or edited."""
    recorded = {q["qid"]: q.get("template") for version in data["versions"] for q in version["questions"]}
    changed = {
        qid
        for qid, digest in recorded.items()
        if qid not in bank.templates or (digest is not None and digest != template_digest(bank.get(qid)))
    }
    if changed:
        raise BankChanged(changed)
