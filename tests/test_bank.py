"""Question files: schema errors point at file:line; variants are reproducible and really vary."""

import json
import textwrap

import pytest

from conftest import run_cli
from examkit.bank.loader import BankError, load_bank
from examkit.bank.validate import validate

GOOD = textwrap.dedent("""\
    topic: demo
    title: Demo
    questions:
      - id: demo-sum
        title: Sum
        objectives: [vae_loss_reparam]
        covers: [exam2a]
        difficulty: easy
        params:
          a: {uniform: [1, 9], decimals: 1}
          b: {int: [1, 9]}
        stem: "What is $[[a]] + [[b]]$?"
        parts:
          - id: s
            type: numeric
            points: 1
            answer: a + b
            tolerance: {abs: 0.01}
            misconceptions:
              - {name: difference, answer: a - b, feedback: "Add, do not subtract."}
    """)


def write(tmp_path, text, name="q.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def problems_of(path):
    return [str(p) for p in validate([path], seeds=20).problems]


def test_good_file_validates(tmp_path):
    report = validate([write(tmp_path, GOOD)], seeds=50)
    assert report.ok, report.problems
    assert report.templates == 1 and report.variants == 50


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, GOOD.replace("title: Sum", "title: [Sum"))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:") and "YAML syntax error" in problem


def test_schema_errors_name_the_line(tmp_path):
    text = GOOD.replace("    difficulty: easy\n", "    difficulty: trivial\n    colour: red\n")
    path = write(tmp_path, text)
    found = problems_of(path)
    assert f"{path}:8: questions.0.difficulty: 'trivial' is not one of ['easy', 'medium', 'hard']" in found
    assert any(p.startswith(f"{path}:9:") and "unknown field" in p and "colour" in p for p in found)  # its own line


def test_missing_answer_is_reported(tmp_path):
    path = write(tmp_path, GOOD.replace("        answer: a + b\n", ""))
    found = problems_of(path)
    assert any("'answer' is a required property" in p for p in found)
    assert all(p.startswith(str(path)) for p in found)


def test_bad_expression_and_unknown_names(tmp_path):
    path = write(tmp_path, GOOD.replace("answer: a + b", "answer: a + c"))
    (problem,) = problems_of(path)
    assert f"{path}:17:" in problem and "unknown name 'c'" in problem


def test_misconception_that_passes_is_an_error(tmp_path):
    path = write(tmp_path, GOOD.replace("answer: a - b, feedback", "answer: b + a, feedback"))
    (problem,) = problems_of(path)
    assert "misconception 'difference'" in problem and ":20:" in problem


def test_template_that_never_varies_is_an_error(tmp_path):
    text = GOOD.replace("a: {uniform: [1, 9], decimals: 1}", "a: {choice: [2]}").replace(
        "b: {int: [1, 9]}", "b: {choice: [3]}"
    )
    (problem,) = problems_of(write(tmp_path, text))
    assert "same variant" in problem


def test_unknown_objective_and_duplicate_ids(tmp_path):
    path = write(tmp_path, GOOD.replace("objectives: [vae_loss_reparam]", "objectives: [cooking]"))
    assert any("unknown objective 'cooking'" in p for p in problems_of(path))
    dup = write(tmp_path, GOOD, "dup.yaml")
    with pytest.raises(BankError, match="duplicate question id 'demo-sum'"):
        load_bank([write(tmp_path, GOOD, "one.yaml"), dup])


def test_unsatisfiable_constraints_and_python_tags_are_reported(tmp_path):
    text = GOOD.replace("    stem:", '    constraints: ["a > 100"]\n    stem:')
    (problem,) = problems_of(write(tmp_path, text))
    assert "never satisfied" in problem
    tagged = write(tmp_path, GOOD.replace("title: Sum", "title: !!python/object/apply:os.system ['id']"), "t.yaml")
    (problem,) = problems_of(tagged)
    assert "YAML syntax error" in problem or "could not determine" in problem


def test_same_seed_same_variant_different_seeds_differ(bank):
    for template in bank:
        a, b = template.variant(11).to_json(), template.variant(11).to_json()
        assert a == b, template.id
    for template in list(bank)[:20]:
        variants = {json.dumps(template.variant(s).to_json(), sort_keys=True) for s in range(15)}
        assert len(variants) > 1, template.id


def test_cli_validate_reports_file_line_and_exit_1(tmp_path):
    path = write(tmp_path, GOOD.replace("answer: a + b", "answer: a + c"))
    result = run_cli("validate", str(path), "--seeds", "5")
    assert result.returncode == 1
    assert f"{path}:17:" in result.stdout
    ok = run_cli("validate", str(write(tmp_path, GOOD, "ok.yaml")), "--seeds", "5", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True


def test_bundled_bank_validates_quickly():
    report = validate(seeds=15, jobs=2)
    assert report.ok, "\n".join(map(str, report.problems))
    assert report.templates >= 45


@pytest.mark.slow
def test_bundled_bank_validates_for_200_seeds():
    result = run_cli("validate", "--seeds", "200", "--jobs", "2", "--json", timeout=600)
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["ok"], data["problems"]
    assert data["variants"] == 200 * data["templates"]


def test_a_field_of_another_part_type_is_named(tmp_path):
    """Each part type declares its own fields (examkit/parts/*.fields): a tolerance on a choice part
    is an error at its line, not silently ignored."""
    from examkit.bank.loader import load_file

    path = tmp_path / "q.yaml"
    path.write_text(
        "topic: vae\ntitle: T\nquestions:\n  - id: t1\n    title: T\n    objectives: [elbo]\n    difficulty: easy\n"
        "    stem: Pick one.\n    parts:\n      - id: a\n        type: choice\n        points: 1\n"
        "        tolerance: {abs: 0.1}\n        options:\n"
        "          - {text: x, correct: true, feedback: f}\n          - {text: y, correct: false, feedback: f}\n"
    )
    _templates, problems, _tree = load_file(path)
    assert len(problems) == 1 and "'tolerance' does not belong to this type of part" in problems[0].message
    assert problems[0].line == 13  # the line of `tolerance:` itself, not of its part


def test_the_lint_flags_answers_given_away(bank, tmp_path):
    from examkit.bank.lint import answer_leaks, lint, longest_is_right
    from examkit.bank.loader import load_file

    leaky = tmp_path / "leaky.yaml"
    leaky.write_text(
        textwrap.dedent("""\
        topic: gan
        title: Leaky
        section: "5"
        questions:
          - id: leaky-gradient
            title: A leaky question
            objectives: [gan_objective]
            covers: [exam3a]
            difficulty: easy
            params:
              d: {uniform: [0.01, 0.09], decimals: 2}
            stem: "D(G(z)) = [[d]] on a fake."
            parts:
              - id: sat
                type: numeric
                points: 1
                prompt: The saturating loss's gradient magnitude?
                answer: d
              - id: why
                type: choice
                points: 1
                prompt: Why the other loss?
                options:
                  - {text: "Its gradient is [[d]] here, too small", correct: true, feedback: "Yes."}
                  - {text: "Mode collapse", correct: false, feedback: "No."}
                  - {text: "Bigger D", correct: false, feedback: "No."}
        """)
    )
    templates, problems, _ = load_file(leaky)
    assert not problems, problems
    template = templates[0]
    found = dict(lint(template, [template.variant(s) for s in range(10)]))
    assert any("part sat: its answer is printed" in message for message in found), found
    assert any("part why: the right option is the longest" in message for message in found), found
    assert "sat" in answer_leaks(template.variant(2))
    assert any("stem: math 'D(G(z))' is plain text" in message for message in found), found
    clean = bank.get("vae-kl-1d")
    assert lint(clean, [clean.variant(s) for s in range(10)]) == []
    assert longest_is_right(template.variant(0).part("why"))


def test_no_bank_option_gives_itself_away_by_length(bank):
    from examkit.bank.lint import lint

    found = [
        m for t in bank.templates.values() for m, *_ in lint(t, [t.variant(s) for s in range(30)]) if "longest" in m
    ]
    assert not found, found


def test_the_bank_typesets_its_math(bank):
    """Every D(x), E[...], p(x|z) or sigma a student reads is inside $...$ or backticks, so paper,
    web and exports typeset it (issue 10: `D(x)` in options was printed in the text font)."""
    from examkit.bank.lint import plain_math

    found = {(t.id, *hit) for t in bank.templates.values() for seed in range(8) for hit in plain_math(t.variant(seed))}
    assert not found, sorted(found)


# --- bank content from the audit (issue 12, part 6) ---------------------------------------------


def _options(bank, qid, seed, part_id):
    variant = bank.get(qid).variant(seed)
    return next(p for p in variant.parts if p.id == part_id).options, variant


def test_identity_is_keyed_only_for_a_code_at_least_as_large_as_the_image(bank):
    """A 1024-d code of a 64x64 image is a 4:1 compression, not a copy: 'learns the identity' is
    the key only when dim(z) >= 4096."""
    for seed in range(60):
        options, variant = _options(bank, "ae-bottleneck-size", seed, "symptom")
        right = next(o for o in options if o.correct)
        d = int(variant.context["d"])
        assert d < 10 or d >= 64 * 64
        assert ("copies" in right.text) == (d >= 64 * 64)


def test_interpolation_without_kl_does_not_key_abrupt_jumps(bank):
    for seed in range(10):
        options, _ = _options(bank, "lab-interp-no-kl", seed, "expect")
        assert all(not o.correct for o in options if "Abrupt jumps" in o.text)
        assert any(o.correct and "blurry blends" in o.text for o in options)


def test_beta_vae_never_promises_disentanglement():
    """Locatello et al. (2019): a large beta can encourage disentanglement, it does not guarantee it."""
    bank = load_bank()
    for seed in range(20):
        variant = bank.get("vae-beta-tradeoff").variant(seed)
        texts = [o.text for p in variant.parts for o in p.options] + [
            o.feedback for p in variant.parts for o in p.options
        ]
        texts += [p.solution for p in variant.parts] + [p.spec.get("model_answer", "") for p in variant.parts]
        for text in texts:
            if "disentangl" in text:
                assert any(w in text for w in ("not guarantee", "need not", "can encourage", "may")), text


def test_mode_collapse_feedback_claims_no_cycling_the_figure_does_not_show():
    text = json.dumps(load_bank().get("gan-mode-collapse").data)
    assert "cycling" not in text and "jump between modes" not in text
