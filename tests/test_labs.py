"""Lab autograder: full marks for the solutions, exactly the matching checks lost for each pitfall,
hostile submissions contained, real notebooks graded without running their heavy cells."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import bare_env, run_cli
from examkit.labs.extract import extract
from examkit.labs.grade import grade_batch, grade_submission
from examkit.labs.notebooks import write_notebook
from lab_variants import ACCEPTED_VARIANTS, GAN_PITFALLS, HOSTILE, LINGERING_ATTACK, PROC_ATTACK, VAE_PITFALLS, source

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


def failed_checks(results):
    return {t["name"] for t in results["tests"] if t["score"] < t["max_score"]}


def matches(failed, expected):
    return {e for e in expected if any(f.startswith(e) for f in failed)} == set(expected) and all(
        any(f.startswith(e) for e in expected) for f in failed
    )


CHECKS = {
    "vae": {
        "VAE.encode",
        "VAE.decode",
        "VAE.forward",
        "kl_divergence",
        "VAE.reparameterize",
        "vae_loss",
        "sample",
        "interpolate",
        "VAE training",
    },
    "gan": {
        "Generator",
        "Discriminator",
        "weights_init",
        "discriminator_loss",
        "generator_loss",
        "train_step",
        "GAN training",
    },
}


def assert_full_marks(results, lab):
    assert results["score"] == results["max_score"], [t for t in results["tests"] if t["score"] < t["max_score"]]
    assert {t["name"].split(":")[0] for t in results["tests"]} == CHECKS[lab]


def test_gan_solution_notebook_gets_full_marks(tmp_path):
    """(The VAE solution is graded in full by the extraction test below and the CLI batch test.)"""
    assert_full_marks(grade_submission("gan", write_notebook("gan", True, tmp_path / "gan.ipynb")), "gan")


def test_extraction_skips_heavy_cells_and_isolates_syntax_errors(tmp_path):
    nb = nbformat.read(write_notebook("vae", True, tmp_path / "v.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("def broken(:\n    pass\nextra = 1"))
    nbformat.write(nb, str(tmp_path / "v.ipynb"))
    extracted = extract(tmp_path / "v.ipynb")
    sources = "\n".join(s["source"] for s in extracted.statements)
    assert "pip install" not in sources and "%matplotlib" not in sources
    assert "for epoch in range" not in sources and "plt.imshow" not in sources
    assert "class VAE" in sources and "def interpolate" in sources
    assert extracted.skipped_cells and "syntax error" in extracted.skipped_cells[0]["reason"]
    results = grade_submission("vae", tmp_path / "v.ipynb")
    assert_full_marks(results, "vae")
    assert "syntax error" in results["output"]


def test_starter_notebook_scores_zero_with_clear_messages(tmp_path):
    results = grade_submission("vae", write_notebook("vae", False, tmp_path / "s.ipynb"))
    assert results["score"] == 0
    assert all(
        "NotImplementedError" in t["output"] or "not defined" in t["output"] or "error" in t["output"]
        for t in results["tests"]
    )


@pytest.mark.slow
@pytest.mark.parametrize("lab,pitfalls", [("vae", VAE_PITFALLS), ("gan", GAN_PITFALLS)])
def test_each_pitfall_loses_exactly_its_checks(tmp_path, lab, pitfalls):
    files = []
    for name, (old, new, _) in pitfalls.items():
        path = tmp_path / f"{name}.py"
        path.write_text(source(lab, [(old, new)]))
        files.append(path)
    for i, edits in enumerate(ACCEPTED_VARIANTS[lab]):
        path = tmp_path / f"accepted_{i}.py"
        path.write_text(source(lab, [edits]))
        files.append(path)
    grade_batch(lab, files, tmp_path / "out", jobs=2)
    for name, (_, _, expected) in pitfalls.items():
        results = json.loads((tmp_path / "out" / name / "results.json").read_text())
        assert matches(failed_checks(results), expected), (name, failed_checks(results))
    for i, _ in enumerate(ACCEPTED_VARIANTS[lab]):
        results = json.loads((tmp_path / "out" / f"accepted_{i}" / "results.json").read_text())
        assert not failed_checks(results), (i, failed_checks(results))


@pytest.mark.slow
def test_hostile_submissions_earn_nothing_and_never_stop_the_batch(tmp_path):
    files = []
    for name, code in HOSTILE.items():
        path = tmp_path / f"{name}.py"
        path.write_text(source("vae") + "\n" + code)
        files.append(path)
    summary = grade_batch("vae", files, tmp_path / "out", jobs=2)
    assert summary["submissions"] == len(HOSTILE)
    results = {name: json.loads((tmp_path / "out" / name / "results.json").read_text()) for name in HOSTILE}
    scores = {name: {t["name"].split(":")[0]: t["score"] for t in r["tests"]} for name, r in results.items()}
    attacked = scores["per_check_attacks"]
    assert attacked["kl_divergence"] == 0 and attacked["sample"] == 0 and attacked["interpolate"] == 0
    assert attacked["VAE.encode"] == 1 and attacked["VAE.forward"] == 1 and attacked["VAE.decode"] == 1
    assert scores["exits_and_network"]["kl_divergence"] == 0 and scores["exits_and_network"]["interpolate"] == 0
    assert scores["exits_and_network"]["sample"] == 0  # the reference models are not importable in the jail
    # definition-time attacks cost nothing but their own statements: everything else still grades
    assert results["definition_time_attacks"]["score"] == results["definition_time_attacks"]["max_score"]
    forged = scores["forged_and_patched"]
    assert forged["kl_divergence"] == 0 and forged["vae_loss"] == 0
    assert not Path("/usr/pwned").exists() and not Path("/tmp/pwned").exists()


@pytest.mark.slow
def test_a_submission_cannot_reach_the_next_one_in_the_same_warm_jail(tmp_path):
    """One worker grades, in one warm jail: an attack on the processes in /proc (it must not reach
    the zygote, so that submission still grades normally), a detached file-deleting process (it
    must be gone before the next submission), then a correct submission."""
    files = []
    for name, attack in (("a_proc", PROC_ATTACK), ("b_lingering", LINGERING_ATTACK), ("c_victim", "")):
        files.append(tmp_path / f"{name}.py")
        files[-1].write_text(source("vae") + "\n" + attack)
    summary = grade_batch("vae", files, tmp_path / "out", jobs=1)
    assert summary["scores"]["a_proc.py"] == summary["max_score"], summary["scores"]
    assert summary["scores"]["c_victim.py"] == summary["max_score"], summary["scores"]


def test_cli_grade_batch_outputs_and_resume(tmp_path):
    good = write_notebook("vae", True, tmp_path / "alice.ipynb")
    bad = tmp_path / "bob.py"
    bad.write_text(source("vae", [(VAE_PITFALLS["beta_ignored"][0], VAE_PITFALLS["beta_ignored"][1])]))
    broken = tmp_path / "carol.ipynb"
    broken.write_text("{not json")
    out = tmp_path / "out"
    result = run_cli("lab", "grade", "vae", str(good), str(bad), str(broken), "--out", str(out), "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["scores"]["alice.ipynb"] == summary["max_score"]
    assert summary["scores"]["bob.py"] == summary["max_score"] - 1
    assert summary["scores"]["carol.ipynb"] == 0
    carol = json.loads((out / "carol" / "results.json").read_text())
    assert "not a readable notebook" in carol["tests"][0]["output"]
    for name in ("alice", "bob"):
        data = json.loads((out / name / "results.json").read_text())
        assert set(data) >= {"score", "tests"} and all(
            {"name", "score", "max_score", "output"} <= set(t) for t in data["tests"]
        )
        assert "<table>" in (out / name / "feedback.html").read_text()
    feedback = (out / "alice" / "feedback.html").read_text()
    assert feedback.count("<img") == 7 and "Reference VAE after the same 150 steps" in feedback
    assert (out / "grades.csv").read_text().count("\n") == 4
    assert "Points Possible" in (out / "canvas.csv").read_text()
    again = run_cli("lab", "grade", "vae", str(good), str(bad), str(broken), "--out", str(out), "--json", timeout=300)
    assert json.loads(again.stdout)["reused"] == 3


def test_cli_starter_solution_and_refusal_without_sandbox(tmp_path):
    assert run_cli("lab", "starter", "gan", "--out", str(tmp_path)).returncode == 0
    assert (tmp_path / "lab11.1_GAN.ipynb").exists()
    assert run_cli("lab", "solution", "vae", "--out", str(tmp_path / "sol.ipynb")).returncode == 0
    nested = run_cli("lab", "solution", "vae", "--out", str(tmp_path / "new" / "deeper" / "alice.ipynb"))
    assert nested.returncode == 0 and (tmp_path / "new" / "deeper" / "alice.ipynb").is_file(), nested.stderr
    assert run_cli("lab", "starter", "vae", "--out", str(tmp_path / "made")).returncode == 0
    assert (tmp_path / "made" / "lab11.2_VAE.ipynb").is_file()
    refused = run_cli(
        "lab",
        "grade",
        "vae",
        str(tmp_path / "sol.ipynb"),
        "--out",
        str(tmp_path / "o"),
        env=bare_env(tmp_path),
        cwd=tmp_path,
    )
    assert refused.returncode == 2 and "--unsafe-no-sandbox" in refused.stderr
