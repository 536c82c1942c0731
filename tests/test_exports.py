"""Moodle XML, QTI 1.2 (Canvas) and HTML exports: structure, and answers that round-trip."""

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal

import pytest

from conftest import ROOT
from examkit.exam.build import build_exam

EXAMPLE = ROOT / "examples" / "unit12-quiz.yaml"
MOODLE_FRACTIONS = {
    100,
    90,
    83.33333,
    80,
    75,
    70,
    66.66667,
    60,
    50,
    40,
    33.33333,
    30,
    25,
    20,
    16.66667,
    14.28571,
    12.5,
    11.11111,
    10,
    5,
    0,
}
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    report = build_exam(EXAMPLE, out, versions=3, formats=("tex", "moodle", "qti", "html"))
    assert not report.failures
    return out, json.loads((out / "instructor" / "manifest.json").read_text())


def _parts(manifest):
    for version in manifest["versions"]:
        for q in version["questions"]:
            for part in q["parts"]:
                yield version, q, part


def test_moodle_xml_structure_and_answers_round_trip(exported):
    out, manifest = exported
    root = ET.parse(out / "instructor" / "moodle.xml").getroot()
    assert root.tag == "quiz"
    questions = {q.findtext("idnumber"): q for q in root.findall("question") if q.get("type") != "category"}
    categories = [q for q in root.findall("question") if q.get("type") == "category"]
    assert {c.findtext("category/text").rsplit("/", 1)[-1] for c in categories} == {f"Q{i}" for i in range(1, 8)}
    for _version, q, part in _parts(manifest):
        node = questions[f"{q['qid']}-{q['seed']}-{part['id']}"]
        assert node.findtext("questiontext/text") and float(node.findtext("defaultgrade")) == pytest.approx(
            part["points"]
        )
        if part["type"] == "numeric":
            assert node.get("type") == "numerical"
            right = [a for a in node.findall("answer") if a.get("fraction") == "100"]
            assert len(right) == 1 and float(right[0].findtext("text")) == pytest.approx(part["value"], rel=1e-9)
            assert float(right[0].findtext("tolerance")) >= 0  # 0: a whole number, exactly
        elif part["type"] in ("choice", "diagnosis"):
            assert node.get("type") == "multichoice"
            fractions = [float(a.get("fraction")) for a in node.findall("answer")]
            assert all(abs(f) in MOODLE_FRACTIONS for f in fractions)
            assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=0.01)
            texts = [a.findtext("text") for a in node.findall("answer")]
            correct = [o["letter"] for o in part["options"] if o["correct"]]
            marked = ["ABCDEFGH"[i] for i, f in enumerate(fractions) if f > 0]
            assert marked == correct and len(texts) == len(part["options"])
            assert all(a.findtext("feedback/text") for a in node.findall("answer"))
        else:
            assert node.get("type") == "essay" and node.findtext("graderinfo/text")


def test_qti_package_for_canvas(exported):
    out, manifest = exported
    with zipfile.ZipFile(out / "instructor" / "qti.zip") as archive:
        names = set(archive.namelist())
        assert "imsmanifest.xml" in names
        cp = ET.fromstring(archive.read("imsmanifest.xml"))
        hrefs = [f.get("href") for f in cp.iter() if f.tag.endswith("file")]
        assert len(hrefs) == len(manifest["versions"]) and set(hrefs) <= names
        for version, href in zip(manifest["versions"], hrefs):
            root = ET.fromstring(archive.read(href))
            assert root.tag == f"{QTI}questestinterop"
            items = root.findall(f".//{QTI}item")
            entries = [p for q in version["questions"] for p in q["parts"]]
            assert len(items) == len(entries)
            for item, part in zip(items, entries):
                fields = {
                    f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                    for f in item.iter(f"{QTI}qtimetadatafield")
                }
                assert fields["question_type"] in {
                    "numerical_question",
                    "multiple_choice_question",
                    "multiple_answers_question",
                    "essay_question",
                }
                assert float(fields["points_possible"]) == pytest.approx(part["points"])
                assert item.find(f"{QTI}presentation/{QTI}material/{QTI}mattext").text
                if part["type"] == "numeric":
                    exact = item.find(f".//{QTI}varequal").text
                    assert float(exact) == pytest.approx(part["value"], rel=1e-9)
                    low = float(item.find(f".//{QTI}vargte").text)
                    high = float(item.find(f".//{QTI}varlte").text)
                    assert low <= part["value"] <= high
                if part["type"] == "choice" and fields["question_type"] == "multiple_choice_question":
                    correct = [o["letter"] for o in part["options"] if o["correct"]]
                    assert item.find(f".//{QTI}varequal").text == correct[0]
                    labels = [r.get("ident") for r in item.iter(f"{QTI}response_label")]
                    assert labels == [o["letter"] for o in part["options"]]


def test_html_preview_is_self_contained_with_mathml(exported):
    out, manifest = exported
    for version in manifest["versions"]:
        page = (out / "instructor" / "preview" / f"{version['student_id']}.html").read_text()
        assert "<math" in page and "<script" not in page
        assert not re.search(r"(src|href)=\"https?://", page)
        assert version["code"] in page
        assert "<details>" in page
    with_figure = [
        v
        for v in manifest["versions"]
        if any(q["qid"] in ("gan-d-overpowers", "gan-mode-collapse") for q in v["questions"])
    ]
    if with_figure:
        assert (
            "data:image/png;base64,"
            in (out / "instructor" / "preview" / f"{with_figure[0]['student_id']}.html").read_text()
        )


def test_moodle_numeric_answers_grade_as_the_checker_does(exported):
    """Moodle gives the first matching answer's grade: the key 100, the key rounded to too few
    figures 50 (the checker's 'imprecise'), each misconception 0. Typed into the checker, every
    listed value gets the same share."""
    from examkit.bank.identity import VariantIdentity, realize
    from examkit.bank.loader import load_bank
    from examkit.checking.check import check_answer

    out, manifest = exported
    bank = load_bank()
    questions = {
        q.findtext("idnumber"): q for q in ET.parse(out / "instructor" / "moodle.xml").getroot().findall("question")
    }
    halves = 0
    for _version, q, part in _parts(manifest):
        if part["type"] != "numeric":
            continue
        variant = realize(bank, VariantIdentity.from_json(q["identity"]))
        for answer in questions[f"{q['qid']}-{q['seed']}-{part['id']}"].findall("answer"):
            verdict = check_answer(variant, part["id"], answer.findtext("text"))
            share = verdict.score / verdict.max_score
            assert share == pytest.approx(float(answer.get("fraction")) / 100), (q["qid"], answer.findtext("text"))
            halves += answer.get("fraction") == "50"
            if answer.get("fraction") == "100":  # Moodle accepts key ± tolerance: both ends are right
                key, width = Decimal(answer.findtext("text")), Decimal(answer.findtext("tolerance"))
                for end in (key - width, key + width):
                    assert check_answer(variant, part["id"], str(end)).status == "correct", (q["qid"], str(end))
    assert halves > 0


def test_qti_numeric_window_only_holds_full_marks(exported):
    """Canvas imports every numerical answer of a QTI item at weight 100 (its importer has no
    partial credit there), so the exported window may hold only answers the checker gives full
    marks: the key and both ends of the window, typed as Canvas would compare them."""
    from examkit.bank.identity import VariantIdentity, realize
    from examkit.bank.loader import load_bank
    from examkit.checking.check import check_answer

    out, manifest = exported
    bank = load_bank()
    checked = 0
    with zipfile.ZipFile(out / "instructor" / "qti.zip") as archive:
        cp = ET.fromstring(archive.read("imsmanifest.xml"))
        hrefs = [f.get("href") for f in cp.iter() if f.tag.endswith("file")]
        roots = [ET.fromstring(archive.read(href)) for href in hrefs]
    for version, root in zip(manifest["versions"], roots):
        entries = [(q, p) for q in version["questions"] for p in q["parts"]]
        for item, (q, part) in zip(root.iter(f"{QTI}item"), entries):
            if part["type"] != "numeric":
                continue
            variant = realize(bank, VariantIdentity.from_json(q["identity"]))
            conditions = item.findall(f".//{QTI}respcondition")
            assert len(conditions) == 1 and conditions[0].findtext(f"{QTI}setvar") == "100"
            for tag in ("varequal", "vargte", "varlte"):
                typed = item.find(f".//{QTI}{tag}").text
                verdict = check_answer(variant, part["id"], typed)
                assert verdict.status == "correct", (q["qid"], tag, typed, verdict.message)
                checked += 1
    assert checked > 0
