"""A part type is one module: a toy type defined here, outside examkit, and registered, goes into a
bank file and from there into a real exam with answer sheets, Moodle and QTI exports, a graded
answers file and a practice page, with no other module told about it."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import run_cli
from examkit.bank.loader import load_bank
from examkit.checking.verdict import Verdict
from examkit.parts import register, unregister
from examkit.parts.base import Computed, Response
from examkit.parts.check import check_answer
from examkit.parts.fields import COMPUTED


class WholeNumber(Computed):
    """An exact whole number (a count of layers, modes or parameters): nothing but digits is read."""

    name = "whole-number"
    response = Response.NUMBER
    fields = COMPUTED

    def build(self, template, spec, context, rng, path, part) -> None:
        super().build(template, spec, context, rng, path, part)
        part.tolerance = {"abs": 0}

    def value(self, template, text, context, path, variables):
        return template.numeric_value(text, context, path)

    def check(self, variant, part, answer) -> Verdict:
        text = str(answer).strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            return Verdict("invalid", 0.0, part.points, "write a whole number, digits only")
        right = int(text) == int(part.answer)
        return Verdict("correct" if right else "incorrect", part.points if right else 0.0, part.points,
                       "correct" if right else "incorrect: count again")  # fmt: skip

    def own_answer(self, part) -> str:
        return str(int(part.answer))

    def misconception_answer(self, part, misconception) -> str:
        return str(int(misconception.value))


BANK_FILE = """\
topic: counting
title: Counting
questions:
  - id: count-gan-params
    title: Parameters of a linear layer
    objectives: [count_parameters]
    difficulty: easy
    params:
      n_in: {int: [3, 9]}
      n_out: {int: [2, 6]}
    stem: A linear layer maps $[[n_in]]$ inputs to $[[n_out]]$ outputs, with a bias.
    parts:
      - id: n
        type: whole-number
        prompt: How many parameters does it have?
        points: 2
        answer: n_in*n_out + n_out
        misconceptions:
          - {name: no_bias, answer: n_in*n_out, feedback: The bias adds one parameter per output.}
"""
SPEC = """\
title: Counting quiz
course: Generative models
master_seed: 5
sections:
  - {title: Counting, draw: 1, from: {ids: [count-gan-params]}}
"""


@pytest.fixture
def toy_bank(tmp_path):
    register(WholeNumber())
    bank_file = tmp_path / "counting.yaml"
    bank_file.write_text(BANK_FILE)
    yield bank_file
    unregister("whole-number")


def test_a_new_part_type_reaches_every_output_with_no_other_module_changed(toy_bank, tmp_path):
    bank = load_bank([toy_bank])
    variant = bank.get("count-gan-params").variant(3)
    key = str(int(variant.parts[0].answer))
    assert check_answer(variant, "n", key).status == "correct"
    assert check_answer(variant, "n", "1.5").status == "invalid"

    spec = tmp_path / "quiz.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "exam"
    built = run_cli("exam", "build", str(spec), "--versions", "2", "--bank", str(toy_bank), "--answer-sheets",
                    "--format", "pdf,moodle,qti", "--out", str(out), timeout=300)  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert len(list((out / "students").glob("*-answer-sheet.pdf"))) == 2
    manifest = json.loads((out / "instructor" / "manifest.json").read_text())
    part = manifest["versions"][0]["questions"][0]["parts"][0]
    assert part["type"] == "whole-number" and part["response"] == "number"
    moodle = ET.parse(next((out / "instructor").rglob("*moodle*.xml"))).getroot()
    assert moodle.find(".//question[@type='numerical']") is not None
    assert list((out / "instructor").rglob("*qti*.zip"))

    answers = tmp_path / "answers.csv"
    rows = ["student_id,question,part,answer"]
    for v in manifest["versions"]:
        rows.append(f"{v['code']},1,,{int(v['questions'][0]['parts'][0]['value'])}")
    answers.write_text("\n".join(rows) + "\n")
    graded = run_cli("exam", "grade", str(out / "instructor" / "manifest.json"), str(answers), "--bank", str(toy_bank),
                     "--out", str(tmp_path / "grades"), "--json")  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    assert "2/2" in (tmp_path / "grades" / "feedback" / f"{manifest['versions'][0]['student_id']}.txt").read_text()

    from examkit.practice.app import create_app

    app = create_app(db=tmp_path / "p.sqlite", bank=bank)
    client, token = app.test_client(), app.extensions["examkit"].access.token
    page = client.get("/q/count-gan-params/3").get_data(as_text=True)
    assert 'name="answer-n"' in page
    checked = client.post("/q/count-gan-params/3", data={"token": token, "action": "check", "answer-n": key})
    assert re.findall(r'class="verdict (\w+)"', checked.get_data(as_text=True)) == ["correct"]
