"""Keys proved as printed (issue 16): `validate` types every key as the outputs print it, and each
worked solution's final value, into the checker, and refuses a question whose printed key does not
earn full marks, naming file, line, seed and the printed text; a tolerance must be positive. A
numeric part's `half_credit: false` gives a key rounded to too few figures nothing, in the checker
and in the Moodle export."""

import json
import re
import textwrap
import xml.etree.ElementTree as ET
import zipfile

from conftest import run_cli
from examkit.bank.keys import final_value
from examkit.bank.loader import load_file
from examkit.bank.validate import validate
from examkit.exam.build import build_exam
from examkit.parts.check import check_answer
from examkit.parts.printed import FOR_IMPORTERS, FOR_PEOPLE, printed_keys

# 37/7 = 5.2857142..., 41/9 = 4.5555...: neither is a short decimal, so each output rounds it.
RATIO = textwrap.dedent("""\
    topic: demo
    title: Demo
    questions:
      - id: demo-ratio
        title: Ratio
        objectives: [vae_loss_reparam]
        covers: [exam2a]
        difficulty: easy
        params:
          a: {choice: [37, 41]}
          b: {choice: [7, 9]}
        stem: "What is $[[a]] / [[b]]$?"
        parts:
          - id: r
            type: numeric
            points: 2
            answer: a / b
            tolerance: {rel: 0.001, sigfigs: 3}
            solution: "$[[a]] / [[b]] = [[a/b|num(5)]]$"
    """)
TOLERANCE_LINE, SOLUTION_LINE = 18, 19


def write(tmp_path, text, name="q.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def refusal(path) -> str:
    """The one problem `validate` reports for the file."""
    (problem,) = [str(p) for p in validate([path], seeds=20).problems]
    return problem


def seed_zero(path):
    """Seed 0's variant (the seed a planted mistake is caught at) and its one part."""
    (template,), _, _ = load_file(path)
    variant = template.variant(0)
    return variant, variant.parts[0]


def test_the_question_as_written_validates(tmp_path):
    report = validate([write(tmp_path, RATIO)], seeds=50)
    assert report.ok, report.problems


def test_a_tolerance_narrower_than_the_solution_printed_to_3_figures_is_refused(tmp_path):
    """abs 0.000001 with the worked solution's value printed to 3 figures: its text is refused at the
    solution's line, with the direct message, for seed 0. (The keys, below 1, print 6 figures,
    within 0.000001.)"""
    small = RATIO.replace("[37, 41]", "[7, 9]").replace("b: {choice: [7, 9]}", "b: {choice: [37, 41]}")
    path = write(tmp_path, small.replace("{rel: 0.001, sigfigs: 3}", "{abs: 0.01}").replace("num(5)", "num(3)"))
    assert validate([path], seeds=20).ok  # wide enough for 3 figures
    path = write(tmp_path, path.read_text().replace("{abs: 0.01}", "{abs: 0.000001}"))
    variant, _ = seed_zero(path)
    printed = {(7, 37): "0.189", (7, 41): "0.171", (9, 37): "0.243", (9, 41): "0.220"}[
        (int(variant.params["a"]), int(variant.params["b"]))
    ]
    assert refusal(path) == (
        f"{path}:{SOLUTION_LINE}: demo-ratio: seed 0, part r: tolerance abs 1e-06 is narrower than the worked "
        f"solution's final value (3 significant figures: {printed}): widen it or print more figures"
    )


def test_a_tolerance_narrower_than_the_printed_key_is_refused_at_the_tolerance(tmp_path):
    """abs 0.000001: the key as the answer key prints it (6 figures) is off by more than that."""
    path = write(tmp_path, RATIO.replace("{rel: 0.001, sigfigs: 3}", "{abs: 0.000001}").replace("num(5)", "num(9)"))
    variant, part = seed_zero(path)
    assert len(part.answer_text.replace(".", "")) == 6  # six figures, as printed
    message = refusal(path)
    assert message.startswith(f"{path}:{TOLERANCE_LINE}: demo-ratio: seed 0, part r: tolerance abs 1e-06 is narrower")
    assert f"the key as {FOR_PEOPLE} print it (6 significant figures: {part.answer_text}): widen it" in message
    result = run_cli("validate", str(path), "--seeds", "5")
    assert result.returncode == 1 and f"{path}:{TOLERANCE_LINE}:" in result.stdout + result.stderr


def test_a_tolerance_asking_for_more_figures_than_printed_is_refused(tmp_path):
    path = write(tmp_path, RATIO.replace("sigfigs: 3", "sigfigs: 7").replace("num(5)", "num(9)"))
    _, part = seed_zero(path)
    message = refusal(path)
    assert f":{TOLERANCE_LINE}: demo-ratio: seed 0, part r: tolerance rel 0.001, sigfigs 7 is narrower" in message
    assert f"(6 significant figures: {part.answer_text})" in message


def test_a_zero_or_negative_tolerance_is_a_schema_error_at_its_line(tmp_path):
    for tolerance, shown in (("{abs: 0}", "abs: 0"), ("{rel: -0.005}", "rel: -0.005"), ("{sigfigs: 0}", "sigfigs: 0")):
        path = write(tmp_path, RATIO.replace("{rel: 0.001, sigfigs: 3}", tolerance))
        problem = refusal(path)
        name, value = shown.split(": ")
        assert problem.startswith(f"{path}:{TOLERANCE_LINE}: questions.0.parts.0.tolerance.{name}: {value} "), problem
        assert "must be greater than 0" in problem or "less than the minimum of 1" in problem


def test_a_worked_solution_whose_final_value_is_wrong_is_refused(tmp_path):
    path = write(tmp_path, RATIO.replace("[[a/b|num(5)]]", "[[b/a|num(5)]]"))
    variant, _ = seed_zero(path)
    printed = final_value(variant.parts[0].solution)
    assert printed == f"{float(variant.params['b'] / variant.params['a']):.5g}"
    assert refusal(path).startswith(
        f"{path}:{SOLUTION_LINE}: demo-ratio: seed 0, part r: the worked solution's final value, "
        f"{printed!r}, is judged incorrect: incorrect: Your answer is the reciprocal"
    )


def test_a_worked_solution_without_a_final_value_is_refused(tmp_path):
    path = write(tmp_path, RATIO.replace('"$[[a]] / [[b]] = [[a/b|num(5)]]$"', "Divide a by b."))
    assert refusal(path) == (
        f"{path}:{SOLUTION_LINE}: demo-ratio: seed 0, part r: the worked solution's final value is missing: "
        "end the worked solution with `$... = value$`"
    )


def test_final_value_is_the_right_side_of_the_last_equation():
    assert final_value(r"$a = 1 + 2 = 3$, so $b = \frac{1}{2}$.") == r"\frac{1}{2}"
    assert final_value(r"Sum: $x = 0.330$ (not $0.33$).") == "0.330"
    assert final_value("no math here") is None


def _spec(tmp_path, qid):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"title: T\ncourse: C\nmaster_seed: 3\nsections:\n  - {{title: S, draw: 1, from: {{ids: [{qid}]}}}}\n"
    )
    return spec


def test_the_texts_validate_types_are_the_ones_the_outputs_print(tmp_path):
    """Built for real: the answer key and solutions (TeX), the HTML preview, Moodle XML and QTI
    print exactly the texts `validate` types back. The keys (1, 10 or 100 over 37: 0.0270270...)
    end in a zero at 6 figures, which a float rounding would drop."""
    bank = tmp_path / "bank"
    bank.mkdir()
    write(bank, RATIO.replace("a: {choice: [37, 41]}", "a: {choice: [1, 10, 100]}").replace("[7, 9]", "[37]"))
    out = tmp_path / "exam"
    report = build_exam(_spec(tmp_path, "demo-ratio"), out, versions=3, formats=("tex", "moodle", "qti", "html"),
                        bank_paths=[bank])  # fmt: skip
    assert not report.failures
    instructor = out / "instructor"
    manifest = json.loads((instructor / "manifest.json").read_text())
    (bank_template,), _, _ = load_file(bank / "q.yaml")
    moodle = (instructor / "moodle.xml").read_text()
    with zipfile.ZipFile(instructor / "qti.zip") as z:
        qti = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    key_tex = (instructor / "tex" / "answer-key.tex").read_text()
    for number, version in enumerate(manifest["versions"], 1):
        (question,) = version["questions"]
        variant = bank_template.variant(question["seed"])
        (part,) = variant.parts
        forms = dict((where, text) for where, text in printed_keys(part))
        people, importers = forms[FOR_PEOPLE], forms[FOR_IMPORTERS]
        assert people.endswith("0") and people != importers  # 6 and 12 figures, each typed back
        assert f"${people}$" in key_tex
        solutions = (instructor / "tex" / f"V{number:02d}-solutions.tex").read_text()
        assert f"\\textbf{{Answer:}} ${people}$" in solutions and final_value(part.solution) in solutions
        assert f"<mn>{people}</mn>" in (instructor / "preview" / f"V{number:02d}.html").read_text()
        assert f"<text>{importers}</text>" in moodle and f">{importers}<" in qti
        for text in (people, importers, final_value(part.solution)):
            assert check_answer(variant, "r", text).status == "correct"


# a key of -1.19 or -1.23 with abs 0.01: '-1' is the key to one figure
NEGATIVE = textwrap.dedent("""\
    topic: demo
    title: Demo
    questions:
      - id: demo-negative
        title: Negative
        objectives: [vae_loss_reparam]
        covers: [exam2a]
        difficulty: easy
        params:
          x: {choice: [1.19, 1.23]}
        stem: "What is $-[[x]]$?"
        parts:
          - id: v
            type: numeric
            points: 2
            answer: -x
            tolerance: {abs: 0.01}
            solution: "$-([[x]]) = [[-x]]$"
    """)
OFF = NEGATIVE.replace("tolerance: {abs: 0.01}\n", "tolerance: {abs: 0.01}\n        half_credit: false\n")


def test_half_credit_false_gives_a_rounded_key_nothing(tmp_path):
    on, _ = seed_zero(write(tmp_path, NEGATIVE, "on.yaml"))
    off, _ = seed_zero(write(tmp_path, OFF, "off.yaml"))
    verdict = check_answer(on, "v", "-1")
    assert (verdict.status, verdict.score) == ("imprecise", 1.0)
    verdict = check_answer(off, "v", "-1")
    assert (verdict.status, verdict.score) == ("incorrect", 0.0)
    assert "right to 1 significant figure(s)" in verdict.message and "earns nothing" in verdict.message
    for variant in (on, off):
        assert check_answer(variant, "v", str(-float(variant.params["x"]))).score == 2.0
    assert validate([tmp_path / "off.yaml"], seeds=20).ok


def _moodle_fractions(tmp_path, text, name):
    bank = tmp_path / name
    bank.mkdir()
    write(bank, text)
    out = tmp_path / f"{name}-exam"
    build_exam(_spec(tmp_path, "demo-negative"), out, versions=2, formats=("moodle", "tex"), bank_paths=[bank])
    root = ET.parse(out / "instructor" / "moodle.xml").getroot()
    answers = [(a.get("fraction"), a.findtext("text")) for a in root.iter("answer")]
    return answers, (out / "instructor" / "tex" / "answer-key.tex").read_text()


def test_half_credit_false_keeps_the_rounded_key_out_of_moodle(tmp_path):
    answers, key = _moodle_fractions(tmp_path, NEGATIVE, "on")
    assert ("50", "-1") in answers and "no half credit" not in key
    answers, key = _moodle_fractions(tmp_path, OFF, "off")
    assert not [a for a in answers if a[0] not in ("100", "0")], answers
    assert all(text != "-1" for _, text in answers)
    assert re.search(r"\(abs 0\.01, no half credit\)", key)
