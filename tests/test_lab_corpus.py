"""The lab corpus (tests/corpus/labs): notebooks written as students write them, each run top to
bottom in real Jupyter when it was made (verify_notebooks.py). Every correct one gets full marks;
every buggy one loses the points of its bug's checks, and only those."""

import json
import shutil
from pathlib import Path

import pytest

from examkit.labs.grade import grade_batch

CORPUS = Path(__file__).parent / "corpus" / "labs"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text())

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed"),
]


@pytest.mark.parametrize("lab", ["vae", "gan"])
def test_corpus_notebooks_get_their_fair_score(tmp_path, lab):
    entries = [e for e in MANIFEST if e["lab"] == lab]
    assert len(entries) >= 10
    summary = grade_batch(lab, [CORPUS / e["file"] for e in entries], tmp_path / "out", jobs=2)
    assert summary["submissions"] == len(entries)
    unfair = []
    for e in entries:
        name = Path(e["file"]).stem
        results = json.loads((tmp_path / "out" / name / "results.json").read_text())
        lost = {t["name"]: t["output"] for t in results["tests"] if t["score"] < t["max_score"]}
        if e["expected"] == "full":
            if lost:
                unfair.append((e["file"], lost))
        else:
            wanted = e["failing_checks"]
            missed = [w for w in wanted if not any(w in name for name in lost)]
            extra = {n: why for n, why in lost.items() if not any(w in n for w in wanted)}
            if missed or extra:
                unfair.append((e["file"], {"bug not caught by": missed, "lost besides the bug": extra}))
    assert not unfair, json.dumps(unfair, indent=1)
