"""Diagnosis figures come from cached real runs, and the stem states that run's numbers."""

import json
import shutil
import statistics

import pytest
import torch

from examkit.bank.figures import figure_data, figure_key, render_figure, seeds_drawing_every_run
from examkit.bank.loader import load_bank
from examkit.bank.runs import RUNS_FOLDER, scenario_runs
from examkit.bank.validate import validate
from examkit.cli import main
from examkit.resources import bundled
from reference_models import cached_runs, metrics
from reference_models.runs import load_dataset

RUN_QUESTIONS = {
    "gan-d-overpowers": "d_overpowers",
    "gan-mode-collapse": "mode_collapse",
    "gan-instability": "instability",
    "vae-kl-collapse": "kl_collapse",
}


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def _runs(template):
    return scenario_runs(template.path, RUN_QUESTIONS[template.id])


@pytest.mark.parametrize("qid", sorted(RUN_QUESTIONS))
def test_every_cached_run_is_drawn_and_plots(bank, qid):
    template = bank.get(qid)
    runs = _runs(template)
    drawn = {}
    for seed in range(80):
        variant = template.variant(seed)
        drawn.setdefault(variant.context["run"], variant)
    assert set(drawn) == set(runs)  # every cached run reaches some student
    for run_id, variant in drawn.items():
        assert variant.runs["run"] is runs[run_id]
        for spec in variant.figures:
            assert spec.get("run") == "run", "every figure of a diagnosis question comes from its run"
            for series in figure_data(spec, variant):
                assert len(series.get("values") or series["y"]) >= 20
        assert "[[" not in variant.stem


def test_a_class_server_draws_every_runs_figure_before_its_workers_start(bank, monkeypatch):
    """The warm-up (classroom/server.py) views the seeds of seeds_drawing_every_run: after it, no
    seed of any question draws a figure again (100-300 ms of matplotlib inside a student's request)."""
    from examkit.exam import preview
    from examkit.practice.pages.context import Practice

    for qid in RUN_QUESTIONS:
        seeds = seeds_drawing_every_run(bank.get(qid))
        assert {bank.get(qid).variant(s).context["run"] for s in seeds} == set(_runs(bank.get(qid)))
        assert seeds[0] == 0 and seeds == sorted(seeds)
    assert seeds_drawing_every_run(bank.get("vae-kl-1d")) == [0]  # no runs: one variant warms its code paths

    monkeypatch.setattr(preview, "_figures", preview.Kept(256))
    practice = Practice(bank, bank.syllabus, None, None, None, lambda: 0.0)
    practice.warm()

    def drawn_again(*args):
        raise AssertionError("a figure was drawn after the warm-up")

    monkeypatch.setattr(preview, "render_figure", drawn_again)
    for qid in RUN_QUESTIONS:
        for seed in range(100, 130):
            assert practice.view_of(practice.variant_of(qid, seed))["figures"]


def test_a_drawn_figure_is_read_back_by_the_next_process_and_a_read_only_cache_only_costs_a_drawing(
    bank, tmp_path, monkeypatch
):
    from examkit.exam import preview

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    variant = bank.get("gan-instability").variant(5)
    monkeypatch.setattr(preview, "_figures", preview.Kept(8))
    drawn = preview._figure_uri(variant.figures[0], variant)
    assert [p.suffix for p in (tmp_path / "cache" / "examkit" / "figures").iterdir()] == [".png"]

    def drawn_again(*args):
        raise AssertionError("drawn again instead of read from the cache folder")

    monkeypatch.setattr(preview, "_figures", preview.Kept(8))  # as a new process starts
    with monkeypatch.context() as m:
        m.setattr(preview, "render_figure", drawn_again)
        assert preview._figure_uri(variant.figures[0], variant) == drawn
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-cache-here")  # nothing can be written there
    monkeypatch.setattr(preview, "_figures", preview.Kept(8))
    assert preview._figure_uri(variant.figures[0], variant) == drawn


def test_run_figure_renders_and_its_key_follows_the_run(bank, tmp_path):
    template = bank.get("gan-d-overpowers")
    a = template.variant(0)
    b = next(template.variant(s) for s in range(1, 60) if template.variant(s).context["run"] != a.context["run"])
    spec = a.figures[0]
    assert figure_key(spec, a) != figure_key(spec, b)
    assert figure_key(spec, a) == figure_key(spec, template.variant(0))
    path = render_figure(a.figures[1], a, tmp_path / "dhist.png")
    assert path.stat().st_size > 5000


def test_mode_count_in_the_stem_is_the_count_of_the_plotted_samples(bank):
    """One definition of a covered mode: the key is `metrics.mode_coverage` (VEEGAN's 3 sd) of the
    samples the figure plots, the count a reader makes from the figure agrees, and the stem says so."""
    template = bank.get("gan-mode-collapse")
    runs = _runs(template)
    ds = load_dataset("gaussians8")
    for run in runs.values():
        samples = torch.tensor(list(zip(run["series"]["gen_x"], run["series"]["gen_y"])))
        covered = metrics.mode_coverage(samples, ds.centers, ds.std)["modes_covered"]
        used, clear = cached_runs.visible_modes(samples, ds.centers, ds.std)
        assert clear and used == covered == run["numbers"]["used"]
        assert 1 <= used <= 3 and run["numbers"]["std"] == ds.std
    stem = template.variant(0).stem
    assert "covered" in stem and "3 standard deviations" in stem


def test_mode_count_follows_the_metric_not_a_looser_rule():
    """A tight cluster 0.3 from a mode (outside 3 sd = 0.15) covers nothing, however many
    samples it holds; a few samples on a mode's centre cover it."""
    ds = load_dataset("gaussians8")
    near_miss = (
        ds.centers[0]
        + torch.tensor([0.3, 0.0])
        + 0.01 * torch.randn(300, 2, generator=torch.Generator().manual_seed(0))
    )
    assert cached_runs.visible_modes(near_miss, ds.centers, ds.std)[0] == 0
    on_mode = torch.cat([ds.centers[2].repeat(30, 1), ds.centers[2] + torch.tensor([0.0, 5.0]).repeat(270, 1)])
    assert cached_runs.visible_modes(on_mode, ds.centers, ds.std) == (1, True)


def test_overpowered_discriminator_runs_show_what_the_stem_says(bank):
    for run in _runs(bank.get("gan-d-overpowers")).values():
        n, s = run["numbers"], run["series"]
        assert n["acc"] >= 97 and n["layers_d"] == 2 * n["layers_g"]
        assert statistics.median(s["d_fake"]) < 0.05 and statistics.median(s["d_real"]) > 0.95
        assert abs(s["d_loss"][-1]) < 0.05  # D's loss near 0
        assert n["fd"] > 0.7 * n["fd_untrained"]  # the samples are still noise


def test_kl_collapse_runs_collapse_and_the_plain_decoder_does_not(bank):
    for run in _runs(bank.get("vae-kl-collapse")).values():
        n, s = run["numbers"], run["series"]
        assert n["kl_end"] < 1 and n["active"] <= 2 and n["kl_plain"] > 5
        assert s["kl"][-1] < 0.25 * s["kl_plain"][-1]


def _bank_copy(tmp_path):
    """A copy of the bank's training-issues file with its runs, validated in place of the bundled bank."""
    folder = tmp_path / "bank"
    folder.mkdir()
    source = bundled("questions")
    for name in ("syllabus.yaml", "training_issues.yaml"):
        shutil.copy(source / name, folder / name)
    shutil.copytree(source / RUNS_FOLDER, folder / RUNS_FOLDER)
    return folder


def test_a_missing_or_broken_runs_file_is_named(tmp_path):
    folder = _bank_copy(tmp_path)
    (folder / RUNS_FOLDER / "instability.json").unlink()
    (folder / RUNS_FOLDER / "mode_collapse.json").write_text("{not json")
    report = validate([folder], seeds=3, bundled=False)
    messages = "\n".join(str(p) for p in report.problems)
    assert "instability.json" in messages and "examkit reference cache-runs" in messages
    assert "mode_collapse.json: not a cached-runs file" in messages
    assert "gan-d-overpowers" not in messages  # the other questions are unaffected


def test_a_figure_naming_a_missing_series_is_reported(tmp_path):
    folder = _bank_copy(tmp_path)
    path = folder / "training_issues.yaml"
    path.write_text(path.read_text().replace("y: d_loss}", "y: d_losses}", 1))
    report = validate([folder], seeds=3, bundled=False)
    assert any("no series 'd_losses'" in str(p) for p in report.problems)


def test_cache_runs_cli_writes_what_this_code_trains(tmp_path, capsys, monkeypatch):
    """Rerun one bundled run through the CLI (on a two-run grid: one that shows the story, one that
    diverges): the same numbers, and the same early losses (a GAN's later steps may drift across
    CPUs, its start may not)."""
    assert main(["reference", "cache-runs", "--only", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown scenario(s) nope" in capsys.readouterr().err
    recipe, grid = cached_runs.SCENARIOS["instability"]
    small = [g for g in grid if (g["lr"], g["beta1"]) in ((0.01, 0.9), (0.02, 0.99))]
    monkeypatch.setitem(cached_runs.SCENARIOS, "instability", (recipe, small))
    assert main(["reference", "cache-runs", "--only", "instability", "--out", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["left_out"]["instability"]) == 1 and "diverge" in report["left_out"]["instability"][0]
    ((run_id, fresh),) = json.loads((tmp_path / "instability.json").read_text())["runs"].items()
    cached = scenario_runs(str(bundled("questions") / "x.yaml"), "instability")[run_id]
    assert fresh["numbers"] == cached["numbers"] and fresh["settings"] == cached["settings"]
    for key in ("d_loss", "g_loss"):
        assert fresh["series"][key][:20] == pytest.approx(cached["series"][key][:20], rel=1e-3, abs=1e-4)


def _damage(folder, scenario, change):
    path = folder / RUNS_FOLDER / f"{scenario}.json"
    data = json.loads(path.read_text())
    change(next(iter(data["runs"].values())))
    path.write_text(json.dumps(data))
    return "\n".join(str(p) for p in validate([folder], seeds=3, bundled=False).problems)


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda r: r["series"].update(d_loss=[1.0, 2.0]), "'kiter' has"),  # lengths differ
        (lambda r: r["series"].update(d_loss=3), "series 'd_loss' must be a non-empty list of finite numbers"),
        (lambda r: r["series"]["g_loss"].append("oops"), "series 'g_loss' must be a non-empty list"),
        (lambda r: r["numbers"].update(lr={"a": 1}), "number 'lr' is {'a': 1}, not a number"),
    ],
)
def test_runs_that_a_figure_or_stem_cannot_use_are_named(tmp_path, change, expected):
    messages = _damage(_bank_copy(tmp_path), "instability", change)
    assert expected in messages and "instability" in messages


def test_a_misspelt_scenario_lists_the_cached_ones(tmp_path):
    folder = _bank_copy(tmp_path)
    path = folder / "training_issues.yaml"
    path.write_text(path.read_text().replace("{run: instability}", "{run: instabilty}"))
    messages = "\n".join(str(p) for p in validate([folder], seeds=3, bundled=False).problems)
    assert (
        "no cached runs for scenario 'instabilty'" in messages and "cached there: d_overpowers, instability" in messages
    )


def test_the_count_typed_for_the_fraction_gets_its_own_feedback(bank):
    from examkit.parts.check import check_answer

    variant = bank.get("gan-mode-collapse").variant(3)
    part = variant.parts[0]
    used, k = variant.context["run_used"], variant.context["run_k"]
    assert check_answer(variant, part.id, f"{used}/{k}").status == "correct"
    assert check_answer(variant, part.id, "0.13").status != "correct"
    wrong = check_answer(variant, part.id, str(used))
    assert wrong.status == "incorrect" and "fraction of the 8 modes" in " ".join(wrong.feedback)
