"""The CLI as a user runs it: help, list, show, check, exit codes, JSON."""

import json

import pytest

from conftest import run_cli


def test_help_lists_subcommands():
    result = run_cli("--help")
    assert result.returncode == 0
    for cmd in ("validate", "bank", "check", "equiv"):
        assert cmd in result.stdout
    assert run_cli("bank", "show", "--help").returncode == 0
    assert run_cli("nonsense").returncode == 2


def test_bank_list_and_filter():
    rows = json.loads(run_cli("bank", "list", "--json").stdout)
    assert len(rows) >= 45
    gan = json.loads(run_cli("bank", "list", "--topic", "gan", "--json").stdout)
    assert gan and all(r["topic"] == "gan" for r in gan)
    text = run_cli("bank", "list", "--objective", "labs").stdout
    assert "lab-vae-interpolation" in text


def test_bank_show_json_has_stem_params_answer_solution():
    result = run_cli("bank", "show", "vae-neg-elbo-beta", "--seed", "7", "--json")
    data = json.loads(result.stdout)
    rec, kl = data["params"]["rec"], data["params"]["kl"]
    assert str(rec) in data["stem"].replace(".0$", "$")
    assert float(data["parts"][0]["answer"]) == round(rec + kl, 6)
    assert data["parts"][0]["solution"] and data["parts"][0]["misconceptions"]
    again = json.loads(run_cli("bank", "show", "vae-neg-elbo-beta", "--seed", "7", "--json").stdout)
    assert again == data


def test_bank_show_text_and_student_view():
    full = run_cli("bank", "show", "gan-optimal-d-derivation", "--seed", "0").stdout
    assert "answer:" in full and "worked steps" in full
    assert full.startswith("gan-optimal-d-derivation  (seed 0, gan, hard, 4 points)\n")
    one = run_cli("bank", "show", "gan-minimax-roles", "--seed", "0").stdout
    assert one.startswith("gan-minimax-roles  (seed 0, gan, easy, 1 point)\n")
    student = run_cli("bank", "show", "gan-optimal-d-derivation", "--seed", "0", "--no-answers").stdout
    assert "answer:" not in student and "$f(D)" in student
    assert "start from: a/D - b/(1-D) = 0" in student  # what the paper prints
    kl = run_cli("bank", "show", "vae-kl-1d", "--seed", "5", "--no-answers").stdout
    assert "parameters:" not in kl and "1.7365" not in kl  # the derived answer never shows
    data = json.loads(run_cli("bank", "show", "vae-kl-1d", "--seed", "5", "--no-answers", "--json").stdout)
    assert "params" not in data and "1.7365" not in json.dumps(data) and "misconceptions" not in json.dumps(data)


def test_bank_show_gives_each_options_feedback_the_misconceptions_and_hints():
    """The author's view: why each option is right or wrong (and its role), each misconception's
    answer and feedback, the hints; the student view keeps none of them."""
    full = run_cli("bank", "show", "ae-compression", "--seed", "0").stdout
    assert "right: Too small a bottleneck cannot carry enough information." in full
    assert "wrong: Memorization is the risk of too large a bottleneck." in full
    assert "misconception side_not_area: answer 14; feedback: An image has side x side pixels per channel." in full
    assert "hint 1: The compression factor is the number of input values" in full
    diagnosis = run_cli("bank", "show", "gan-d-overpowers", "--seed", "0").stdout
    assert "right (fix): Strong gradients when $D(G(z))$ is small." in diagnosis
    student = run_cli("bank", "show", "ae-compression", "--seed", "0", "--no-answers").stdout
    assert "Memorization is the risk" not in student and "misconception" not in student and "hint" not in student


def test_show_unknown_question_exits_2():
    result = run_cli("bank", "show", "vae-kl", "--seed", "1")
    assert result.returncode == 2 and "no question 'vae-kl'" in result.stderr and "did you mean" in result.stderr


def test_check_exit_codes():
    data = json.loads(run_cli("bank", "show", "vae-kl-1d", "--seed", "4", "--json").stdout)
    answer = data["parts"][0]["answer"]
    ok = run_cli("check", "vae-kl-1d", "--seed", "4", "--answer", answer, "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "correct"
    wrong = run_cli("check", "vae-kl-1d", "--seed", "4", "--answer", "123")
    assert wrong.returncode == 1 and wrong.stdout.startswith("incorrect")
    bad = run_cli("check", "vae-kl-1d", "--seed", "4", "--answer", "__import__('os')", "--json")
    assert bad.returncode == 2 and json.loads(bad.stdout)["status"] == "unsafe"
    multi = run_cli("check", "vae-neg-elbo-beta", "--seed", "4", "--answer", "1")
    assert multi.returncode == 2 and "name one" in multi.stderr


def test_check_reads_derivation_steps_from_stdin():
    steps = "a/D - b/(1-D) = 0\na(1-D) = bD\nD = a/(a+b)\n"
    result = run_cli("check", "gan-optimal-d-derivation", "--seed", "0", "--answer", "-", "--json", input=steps)
    assert result.returncode == 0, result.stdout + result.stderr


def test_coverage_command():
    result = run_cli("bank", "coverage", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["missing"] == []


def test_figures_are_written_and_reproducible(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert run_cli("bank", "show", "gan-mode-collapse", "--seed", "3", "--figures", str(out)).returncode == 0
    made = sorted(p.name for p in a.glob("*.png"))
    assert made == ["gan-mode-collapse-3-checkpoints.png", "gan-mode-collapse-3-samples.png"]
    for name in made:
        assert (a / name).read_bytes() == (b / name).read_bytes() and (a / name).stat().st_size > 5000


def test_every_option_and_argument_has_help():
    import argparse

    from examkit.cli import build_parser

    missing = []

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])
            elif not action.help and action.dest != "help":
                missing.append((" ".join(path), action.option_strings or action.dest))

    walk(build_parser(), ["examkit"])
    assert not missing, missing


def test_a_bug_keeps_its_traceback_and_a_user_mistake_does_not(monkeypatch):
    """Only UsageError is the user's channel (exit 2, one line); a KeyError from a slip in the code is
    not dressed up as something the user typed."""
    from examkit import api
    from examkit.cli import main

    def slip(*args, **kwargs):
        return {}["missing"]

    unknown = run_cli("bank", "show", "no-such-question")
    assert unknown.returncode == 2 and unknown.stderr.startswith("examkit: error: no question 'no-such-question'")
    monkeypatch.setattr(api, "show", slip)
    with pytest.raises(KeyError):
        main(["bank", "show", "vae-kl-1d"])


def test_every_command_is_an_api_function_with_the_same_checks(tmp_path):
    """Each CLI command calls the Python API (examkit/api.py), so a script gets the same operation and
    the same input checks, as a UsageError with the message the CLI prints."""
    import ast
    from pathlib import Path

    from examkit import api
    from examkit.errors import UsageError

    for module in (Path(api.__file__).parent / "cli").glob("*.py"):
        source = module.read_text()
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("cmd_"):
                assert "api." in ast.get_source_segment(source, node), f"{module.name}: {node.name} bypasses the API"
    with pytest.raises(UsageError, match="--dpi must be between 50 and 600"):
        api.exam_scan(tmp_path, tmp_path / "manifest.json", tmp_path / "answers.csv", dpi=20)
    cli = run_cli(
        "exam", "scan", str(tmp_path), "--manifest", str(tmp_path / "m.json"), "--out", "a.csv", "--dpi", "20"
    )
    assert cli.returncode == 2 and "--dpi must be between 50 and 600 (got 20)" in cli.stderr
    with pytest.raises(UsageError, match="no such submission"):
        api.lab_grade("vae", [tmp_path / "missing.ipynb"], tmp_path / "out", sandbox=False)
    with pytest.raises(UsageError, match="no submission folder"):
        api.lab_gradescope("vae", tmp_path / "nope", tmp_path / "results.json")
