"""Attacks on lab grading: hostile notebooks, forged results, floods, processes aimed at the next
submission, and attacks on the batch itself. Each costs the attacker only, and never the batch.
(Split from test_labs.py so the two long files balance over the test workers.)"""

import json
import shutil
from pathlib import Path

import pytest

from examkit.labs.grade import grade_batch
from lab_variants import (
    BATCH_ATTACKS,
    FORGERIES,
    GAN_FORGERY,
    HOSTILE,
    LINGERING_ATTACK,
    PROC_ATTACK,
    SCRATCH_FLOOD,
    source,
)

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


@pytest.mark.slow
def test_hostile_submissions_earn_nothing_and_never_stop_the_batch(tmp_path):
    files = []
    for name, code in HOSTILE.items():
        path = tmp_path / f"{name}.py"
        path.write_text(source("vae") + "\n" + code)
        files.append(path)
    # time limits at 0.3x (3 s a check): an attack that never stops costs its check, however long the limit
    summary = grade_batch("vae", files, tmp_path / "out", jobs=2, time_scale=0.3)
    assert summary["submissions"] == len(HOSTILE)
    results = {name: json.loads((tmp_path / "out" / name / "results.json").read_text()) for name in HOSTILE}
    scores = {name: {t["name"].split(":")[0]: t["score"] for t in r["tests"]} for name, r in results.items()}
    attacked = scores["per_check_attacks"]
    assert attacked["kl_divergence"] == 0 and attacked["sample"] == 0 and attacked["interpolate"] == 0
    assert attacked["VAE.encode"] == 1 and attacked["VAE.forward"] == 1 and attacked["VAE.decode"] == 1
    assert scores["exits_and_network"]["kl_divergence"] == 0 and scores["exits_and_network"]["interpolate"] == 0
    assert scores["exits_and_network"]["sample"] == 0  # the reference models are not importable in the jail
    assert scores["exits_and_network"]["VAE.encode"] == 1  # a top-level call to the exiting function costs only itself
    # definition-time attacks cost nothing but their own statements: everything else still grades
    attacks = results["definition_time_attacks"]
    assert attacks["score"] == attacks["max_score"], [t["output"] for t in attacks["tests"]] + [attacks["output"]]
    forged = scores["forged_and_patched"]
    assert forged["kl_divergence"] == 0 and forged["vae_loss"] == 0
    assert not Path("/usr/pwned").exists() and not Path("/tmp/pwned").exists()


@pytest.mark.slow
def test_a_batch_of_attacks_between_honest_notebooks_grades_every_honest_one(tmp_path):
    """Each attack on the batch itself (issue 13) sits between honest notebooks: the run finishes,
    writes grades.csv, and every honest notebook gets its full score. A fault of the grader's own on
    one submission (here its output folder is blocked by a file) marks it for review; it is never
    cached, so a re-run grades it (and reuses the others)."""
    files = [tmp_path / "0_honest.py"]
    files[0].write_text(source("vae"))
    for i, (name, attack) in enumerate(BATCH_ATTACKS.items(), 1):
        files.append(tmp_path / f"{i}_{name}.py")
        files[-1].write_text(source("vae") + attack)
    files.append(tmp_path / "9_honest.py")
    files[-1].write_text(source("vae") + "\n# another student\n")  # graded, not reused from 0_honest
    out = tmp_path / "out"
    out.mkdir()
    (out / "9_honest").write_text("in the way")
    summary = grade_batch("vae", files, out, jobs=2)
    assert summary["submissions"] == len(files) and (out / "grades.csv").exists()
    assert summary["scores"]["0_honest"] == summary["max_score"], summary["scores"]
    assert summary["scores"]["9_honest"] == 0 and "9_honest" in summary["review"]
    for i, name in enumerate(BATCH_ATTACKS, 1):
        if name.endswith("_in_statement") or name == "top_level_exit":  # they cost only their statement
            results = json.loads((out / f"{i}_{name}" / "results.json").read_text())
            assert results["score"] == results["max_score"], (name, results["output"])
            assert "the notebook was run again without it" in results["output"], results["output"]
    for name in summary["scores"]:  # every submission has its page, the attackers' included
        if name != "9_honest":
            assert (out / name / "feedback.html").exists() and (out / name / "results.json").exists()
    (out / "9_honest").unlink()
    again = grade_batch("vae", files, out, jobs=2)
    assert again["scores"]["9_honest"] == again["max_score"] and again["reused"] == len(files) - 1
    assert "9_honest" not in again["review"]


@pytest.mark.slow
@pytest.mark.parametrize("lab", ["gan", "vae"])
def test_forgeries_earn_nothing(tmp_path, lab):
    """The training checks are judged outside from the trained parameters of the lab's own
    networks, interpolate against a line decoded in another process: a harness probe replaced
    through the call stack, result files rewritten by a thread, files written before os._exit(0),
    a loss that moves the model's parameters through the stack, a line rewritten through the stack,
    all score 0 on what they forge; a forged train_step record scores 0 on the train_step checks."""
    attacks = dict(FORGERIES[lab])
    if lab == "gan":
        attacks["stack_and_record"] = (GAN_FORGERY, ("GAN training", "train_step"))
    files = []
    for name, (code, _) in attacks.items():
        files.append(tmp_path / f"{name}.py")
        files[-1].write_text(source(lab) + code)
    grade_batch(lab, files, tmp_path / "out", jobs=2)
    untouched = ("Generator", "Discriminator", "weights_init") if lab == "gan" else ("VAE.encode", "kl_divergence")
    for name, (_, targets) in attacks.items():
        results = json.loads((tmp_path / "out" / name / "results.json").read_text())
        scores = {t["name"]: t["score"] for t in results["tests"]}
        assert all(v == 0 for k, v in scores.items() if k.startswith(targets)), (name, results["tests"])
        assert all(v > 0 for k, v in scores.items() if k.startswith(untouched)), (name, scores)
    forger = json.loads((tmp_path / "out" / "stack_and_record" / "results.json").read_text()) if lab == "gan" else None
    if forger:
        assert "something other than opt_G.step()" in " ".join(t["output"] for t in forger["tests"])


@pytest.mark.slow
def test_the_scratch_quota_stops_a_flood_and_the_batch_goes_on(tmp_path):
    """Gigabytes written into the working folder by a check: stopped at the quota (512 MB) from
    outside, the submission is told why, and the next submission in the same jail grades."""
    flood, good = tmp_path / "a_flood.py", tmp_path / "b_good.py"
    flood.write_text(source("vae") + SCRATCH_FLOOD)
    good.write_text(source("vae"))
    summary = grade_batch("vae", [flood, good], tmp_path / "out", jobs=1)
    flooded = json.loads((tmp_path / "out" / "a_flood" / "results.json").read_text())
    assert flooded["score"] == 0 and "512 MB scratch quota" in flooded["tests"][0]["output"], flooded["tests"][0]
    assert summary["scores"]["b_good"] == summary["max_score"]
    assert "a_flood" in summary["review"]


@pytest.mark.slow
def test_a_submission_cannot_reach_the_next_one_in_the_same_warm_jail(tmp_path):
    """One worker grades, in one warm jail: an attack on the processes in /proc (it must not reach
    the zygote, so that submission still grades normally), a detached file-deleting process (it
    must be gone before the next submission), then, in the next batch of this process, which is
    given the same zygote, a correct submission."""
    from examkit.labs.jail import warm
    from examkit.labs.jail.sandbox import Limits

    def kept_zygote() -> int:
        jail = warm.borrow(Limits(), 120)
        try:
            return jail.proc.pid
        finally:
            warm.give_back(jail)

    files = []
    for name, attack in (("a_proc", PROC_ATTACK), ("b_lingering", LINGERING_ATTACK), ("c_victim", "")):
        files.append(tmp_path / f"{name}.py")
        files[-1].write_text(source("vae") + "\n" + attack)
    warm.close_idle()
    first = grade_batch("vae", files[:2], tmp_path / "out", jobs=1)
    assert first["scores"]["a_proc"] == first["max_score"], first["scores"]
    zygote = kept_zygote()
    summary = grade_batch("vae", files[2:], tmp_path / "out", jobs=1)
    assert summary["scores"]["c_victim"] == summary["max_score"], summary["scores"]
    assert kept_zygote() == zygote
