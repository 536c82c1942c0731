"""Moodle XML, QTI 1.2 (Canvas) and HTML exports: structure, and answers that round-trip."""

import base64
import html
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal

import pytest

from conftest import ROOT
from examkit.exam.build import build_exam
from examkit.exam.exports import variant_tag

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
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
QTI_DATA = ROOT / "tests" / "data" / "qti"


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


def _moodle_questions(out):
    root = ET.parse(out / "instructor" / "moodle.xml").getroot()
    return {q.findtext("idnumber"): q for q in root.findall("question") if q.get("type") != "category"}


def _moodle_node(questions, q, number):
    return questions[f"Q{number}-{variant_tag(q['qid'], q['seed'])}"]


def _numbered(manifest):
    """(version, question, its exam number) for every question of every version."""
    for version in manifest["versions"]:
        for number, q in enumerate(version["questions"], 1):
            yield version, q, number


CLOZE = re.compile(r"\{(\d+):(NUMERICAL|MULTICHOICE_V|MULTIRESPONSE):(.*?)(?<!\\)\}", re.S)
ALTERNATIVE = re.compile(r"%(-?[0-9.]+)%(.*?)(?:(?<!\\)#(.*))?$", re.S)


def _cloze(text):
    """Cloze subquestions as qtype_multianswer reads them: (weight, type, [(fraction, answer)])."""
    found = []
    for weight, kind, body in CLOZE.findall(text):
        alts = [ALTERNATIVE.match(alt).groups()[:2] for alt in re.split(r"(?<!\\)~", body)]
        alts = [(float(f), a) for f, a in alts]
        found.append((int(weight), kind, alts))
    return found


def test_moodle_xml_structure_and_answers_round_trip(exported):
    out, manifest = exported
    root = ET.parse(out / "instructor" / "moodle.xml").getroot()
    assert root.tag == "quiz"
    questions = _moodle_questions(out)
    categories = [q for q in root.findall("question") if q.get("type") == "category"]
    assert {c.findtext("category/text").rsplit("/", 1)[-1] for c in categories} == {f"Q{i}" for i in range(1, 8)}
    for _version, q, number in _numbered(manifest):
        node = _moodle_node(questions, q, number)
        assert node.findtext("questiontext/text")
        assert float(node.findtext("defaultgrade")) == pytest.approx(sum(p["points"] for p in q["parts"]))
        kinds = {p["type"] for p in q["parts"]}
        if len(q["parts"]) > 1:
            assert node.get("type") in ("cloze", "essay")
            if node.get("type") == "essay":
                assert kinds - {"numeric", "choice", "diagnosis"} and "graded by hand" in node.findtext(
                    "questiontext/text"
                )
            continue
        part = q["parts"][0]
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
            assert "graded by hand" in node.findtext("questiontext/text")
            assert "graded by hand" in node.findtext("graderinfo/text").lower()


def test_moodle_multi_part_is_one_cloze_question_accepting_the_key(exported):
    """A multi-part question of numbers and options is one cloze question, a subquestion per
    part, whose full-credit answers are the key (numbers within their tolerance)."""
    out, manifest = exported
    questions = _moodle_questions(out)
    clozes = 0
    for _version, q, number in _numbered(manifest):
        node = _moodle_node(questions, q, number)
        if node.get("type") != "cloze":
            continue
        clozes += 1
        subs = _cloze(node.findtext("questiontext/text"))
        assert len(subs) == len(q["parts"])
        for (weight, kind, alts), part in zip(subs, q["parts"]):
            assert weight >= 1
            if part["type"] == "numeric":
                assert kind == "NUMERICAL"
                full = [a for f, a in alts if f == 100]
                value, tolerance = full[0].split(":")
                assert abs(float(value) - part["value"]) <= float(tolerance) + 1e-12 * max(1, abs(part["value"]))
            else:
                correct = [o["letter"] for o in part["options"] if o["correct"]]
                assert kind == (
                    "MULTICHOICE_V" if len(correct) == 1 and part.get("select", "single") == "single" else kind
                )
                marked = [a.split(".", 1)[0] for f, a in alts if f > 0]
                assert marked == correct
    assert clozes > 0


def test_moodle_figures_are_embedded_pngs(exported):
    out, manifest = exported
    questions = _moodle_questions(out)
    figured = 0
    for _version, q, number in _numbered(manifest):
        if q["qid"] not in ("gan-d-overpowers", "gan-mode-collapse"):
            continue
        text = _moodle_node(questions, q, number).find("questiontext")
        files = text.findall("file")
        assert files and all(f.get("path") == "/" and f.get("encoding") == "base64" for f in files)
        for f in files:
            assert base64.b64decode(f.text).startswith(b"\x89PNG\r\n\x1a\n")
            assert f"@@PLUGINFILE@@/{f.get('name')}" in text.findtext("text")
        figured += 1
    assert figured > 0


def test_no_student_id_or_seed_in_names_or_qti_manifest(exported):
    out, manifest = exported
    root = ET.parse(out / "instructor" / "moodle.xml").getroot()
    names = [q.findtext("name/text") for q in root.findall("question") if q.get("type") != "category"]
    secrets = {v["student_id"] for v in manifest["versions"]} | {v["code"] for v in manifest["versions"]}
    secrets |= {str(q["seed"]) for v in manifest["versions"] for q in v["questions"]}
    shown = names + [q.findtext("idnumber") for q in root.findall("question") if q.get("type") != "category"]
    with zipfile.ZipFile(out / "instructor" / "qti.zip") as archive:
        cp = archive.read("imsmanifest.xml").decode()
        assessment = archive.read(_assessment_href(archive)).decode()
    for text in shown + [cp]:
        assert not any(re.search(rf"(?<![0-9A-Za-z]){re.escape(s)}(?![0-9A-Za-z])", text) for s in secrets), text
    assert str(2026) not in cp  # the example's master seed
    titles = re.findall(r'title="([^"]*)"', assessment)
    assert not any(s in t for t in titles for s in secrets)


def _assessment_href(archive):
    cp = ET.fromstring(archive.read("imsmanifest.xml"))
    hrefs = [r.get("href") for r in cp.iter(f"{CP}resource") if r.get("type") == "imsqti_xmlv1p2"]
    assert len(hrefs) == 1
    return hrefs[0]


def _without_namespace(xml_bytes):
    from lxml import etree

    root = etree.fromstring(xml_bytes)
    for node in root.iter():
        if isinstance(node.tag, str) and node.tag.startswith("{"):
            node.tag = node.tag.split("}", 1)[1]
    etree.cleanup_namespaces(root)
    return root


def test_qti_files_valid_against_the_qti_1_2_1_dtd_and_cp_schema(exported):
    """Every QTI file of the zip validates against ims_qtiasiv1p2p1.dtd (tests/data/qti, from
    instructure/QTIMigrationTool's schemas/), once Canvas's one extension, selection_extension with
    points_per_item (which the 1.2.1 DTD lacks and Canvas's converter reads group points from), is
    taken out (the DTD predates namespaces, so the QTI namespace is dropped first). The manifest has
    IMS CP 1.1's shape (its XSD imports xml.xsd from the web, which a test cannot fetch)."""
    etree = pytest.importorskip("lxml.etree")
    dtd = etree.DTD(str(QTI_DATA / "ims_qtiasiv1p2p1.dtd"))
    out, _manifest = exported
    with zipfile.ZipFile(out / "instructor" / "qti.zip") as archive:
        xml_files = [n for n in archive.namelist() if n.endswith(".xml") and n != "imsmanifest.xml"]
        assert xml_files
        for name in xml_files:
            root = _without_namespace(archive.read(name))
            extensions = list(root.iter("selection_extension"))
            assert all([c.tag for c in e] == ["points_per_item"] for e in extensions)
            for e in extensions:
                e.getparent().remove(e)
            assert dtd.validate(root), (name, dtd.error_log.filter_from_errors()[:3])
        cp = ET.fromstring(archive.read("imsmanifest.xml"))  # IMS CP 1.1: manifest > organizations, resources
        assert cp.tag == f"{CP}manifest" and [c.tag for c in cp][-2:] == [f"{CP}organizations", f"{CP}resources"]
        assert all(r.get("identifier") and r.get("type") for r in cp.iter(f"{CP}resource"))


def test_qti_is_one_quiz_with_a_question_group_per_slot(exported):
    """What Canvas's converter reads: one assessment; under root_section one section per exam
    question, drawing 1 (selection_number) at points_per_item, holding that slot's variants of
    every version as items with Canvas's question_type and points_possible."""
    out, manifest = exported
    with zipfile.ZipFile(out / "instructor" / "qti.zip") as archive:
        root = ET.fromstring(archive.read(_assessment_href(archive)))
    assessments = root.findall(f"{QTI}assessment")
    assert len(assessments) == 1
    groups = assessments[0].findall(f"{QTI}section/{QTI}section")
    slots = {}
    for _version, q, number in _numbered(manifest):
        slots.setdefault(number, {})[variant_tag(q["qid"], q["seed"])] = q
    assert len(groups) == len(slots)
    for group, (_number, variants) in zip(groups, sorted(slots.items())):
        selection = group.find(f"{QTI}selection_ordering/{QTI}selection")
        assert selection.findtext(f"{QTI}selection_number") == "1"
        points = float(selection.findtext(f"{QTI}selection_extension/{QTI}points_per_item"))
        items = group.findall(f"{QTI}item")
        assert len(items) == len(variants)
        for item in items:
            q = variants[item.get("ident").rsplit("_", 1)[1]]
            fields = {
                f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                for f in item.iter(f"{QTI}qtimetadatafield")
            }
            total = sum(p["points"] for p in q["parts"])
            assert float(fields["points_possible"]) == pytest.approx(total) and points >= total - 1e-9
            assert fields["question_type"] in {
                "numerical_question",
                "multiple_choice_question",
                "multiple_answers_question",
                "fill_in_multiple_blanks_question",
                "essay_question",
            }
            text = item.find(f"{QTI}presentation/{QTI}material/{QTI}mattext").text
            if fields["question_type"] == "essay_question":
                assert "graded by hand" in text
            if fields["question_type"] == "fill_in_multiple_blanks_question":
                for part in q["parts"]:
                    assert f"[part_{part['id']}]" in text
                    lid = item.find(f"{QTI}presentation/{QTI}response_lid[@ident='response_part_{part['id']}']")
                    assert lid.findall(f".//{QTI}response_label")  # at least the key


def test_qti_figures_packaged_and_referenced(exported):
    out, manifest = exported
    with zipfile.ZipFile(out / "instructor" / "qti.zip") as archive:
        names = set(archive.namelist())
        assessment = archive.read(_assessment_href(archive)).decode()
        cp = ET.fromstring(archive.read("imsmanifest.xml"))
        listed = {f.get("href") for f in cp.iter(f"{CP}file")}
        figures = [n for n in names if n.endswith(".png")]
        if any(
            q["qid"] in ("gan-d-overpowers", "gan-mode-collapse") for v in manifest["versions"] for q in v["questions"]
        ):
            assert figures
        for name in figures:
            assert archive.read(name).startswith(b"\x89PNG") and name in listed
            assert f"$IMS-CC-FILEBASE$/{name.removeprefix('web_resources/')}" in html.unescape(assessment)
        assert listed <= names


def test_qti_one_part_answers(exported):
    out, manifest = exported
    with zipfile.ZipFile(out / "instructor" / "qti.zip") as archive:
        root = ET.fromstring(archive.read(_assessment_href(archive)))
    items = {item.get("ident"): item for item in root.iter(f"{QTI}item")}
    for _version, q, number in _numbered(manifest):
        if len(q["parts"]) > 1:
            continue
        part, item = q["parts"][0], items[f"q{number}_{variant_tag(q['qid'], q['seed'])}"]
        if part["type"] == "numeric":
            exact = item.find(f".//{QTI}varequal").text
            assert float(exact) == pytest.approx(part["value"], rel=1e-9)
            low = float(item.find(f".//{QTI}vargte").text)
            high = float(item.find(f".//{QTI}varlte").text)
            assert low <= part["value"] <= high
        if part["type"] == "choice" and item.find(f".//{QTI}response_lid").get("rcardinality") == "Single":
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
    figures 50 (the checker's 'imprecise'), each misconception 0, in numerical questions and in
    cloze NUMERICAL subquestions alike. Typed into the checker, every listed value gets the same
    share."""
    from examkit.bank.identity import VariantIdentity, realize
    from examkit.bank.loader import load_bank
    from examkit.parts.check import check_answer

    out, manifest = exported
    bank = load_bank()
    questions = _moodle_questions(out)
    halves = 0
    for _version, q, number in _numbered(manifest):
        node = _moodle_node(questions, q, number)
        variant = realize(bank, VariantIdentity.from_json(q["identity"]))
        if node.get("type") == "numerical":
            rows = [(q["parts"][0], [(float(a.get("fraction")), a.findtext("text"), a.findtext("tolerance"))
                                     for a in node.findall("answer")])]  # fmt: skip
        elif node.get("type") == "cloze":
            subs = _cloze(node.findtext("questiontext/text"))
            rows = [(part, [(f, *a.split(":")) for f, a in alts])
                    for part, (_w, kind, alts) in zip(q["parts"], subs) if kind == "NUMERICAL"]  # fmt: skip
        else:
            continue
        for part, answers in rows:
            for fraction, text, tolerance in answers:
                verdict = check_answer(variant, part["id"], text)
                share = verdict.score / verdict.max_score
                assert share == pytest.approx(fraction / 100), (q["qid"], text)
                halves += fraction == 50
                if fraction == 100:  # Moodle accepts key ± tolerance: both ends are right
                    key, width = Decimal(text), Decimal(tolerance)
                    for end in (key - width, key + width):
                        assert check_answer(variant, part["id"], str(end)).status == "correct", (q["qid"], str(end))
    assert halves > 0


def test_qti_answers_only_hold_full_marks(exported):
    """Canvas imports every numerical answer of a QTI item at weight 100 (its importer has no
    partial credit there), so the exported window may hold only answers the checker gives full
    marks: the key and both ends of the window, typed as Canvas would compare them; likewise every
    accepted spelling of a fill-in blank."""
    from examkit.bank.identity import VariantIdentity, realize
    from examkit.bank.loader import load_bank
    from examkit.parts.check import check_answer

    out, manifest = exported
    bank = load_bank()
    checked = 0
    with zipfile.ZipFile(out / "instructor" / "qti.zip") as archive:
        root = ET.fromstring(archive.read(_assessment_href(archive)))
    items = {item.get("ident"): item for item in root.iter(f"{QTI}item")}
    for _version, q, number in _numbered(manifest):
        item = items[f"q{number}_{variant_tag(q['qid'], q['seed'])}"]
        variant = realize(bank, VariantIdentity.from_json(q["identity"]))
        if len(q["parts"]) > 1:
            for part in q["parts"]:
                lid = item.find(f"{QTI}presentation/{QTI}response_lid[@ident='response_part_{part['id']}']")
                if lid is None:
                    continue
                for label in lid.iter(f"{QTI}mattext"):
                    if label.text != f"part_{part['id']}":
                        assert check_answer(variant, part["id"], label.text).status == "correct"
                        checked += 1
            continue
        part = q["parts"][0]
        if part["type"] != "numeric":
            continue
        conditions = item.findall(f".//{QTI}respcondition")
        assert len(conditions) == 1 and conditions[0].findtext(f"{QTI}setvar") == "100"
        for tag in ("varequal", "vargte", "varlte"):
            typed = item.find(f".//{QTI}{tag}").text
            verdict = check_answer(variant, part["id"], typed)
            assert verdict.status == "correct", (q["qid"], tag, typed, verdict.message)
            checked += 1
    assert checked > 0


def test_lms_slots_never_hold_the_same_question_twice_with_shuffled_overlapping_pools(tmp_path):
    """An LMS draws each slot on its own, so a question in two slots could be shown twice: each
    question lives in one slot only, and slots follow section positions, not shuffled numbers."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "title: T\ncourse: C\nmaster_seed: 5\nversions: 6\nshuffle_questions: true\nsections:\n"
        "  - {title: VAE, draw: 2, from: {topic: vae}}\n"
        "  - {title: Mixed, draw: 2, from: {topic: [vae, gan]}}\n"
    )
    out = tmp_path / "out"
    assert not build_exam(spec, out, formats=("tex", "moodle", "qti")).failures
    manifest = json.loads((out / "instructor" / "manifest.json").read_text())
    qid_of = {variant_tag(q["qid"], q["seed"]): q["qid"] for v in manifest["versions"] for q in v["questions"]}
    root = ET.parse(out / "instructor" / "moodle.xml").getroot()
    slot_of, category = {}, None
    for q in root.findall("question"):
        if q.get("type") == "category":
            category = q.findtext("category/text")
            continue
        qid = qid_of[q.findtext("idnumber").split("-")[-1]]
        assert slot_of.setdefault(qid, category) == category, f"{qid} in {slot_of[qid]} and {category}"
    assert len(set(slot_of.values())) == 4  # two per section
    with zipfile.ZipFile(out / "instructor" / "qti.zip") as archive:
        assessment = ET.fromstring(archive.read(_assessment_href(archive)))
    seen = {}
    for group in assessment.iter(f"{QTI}section"):
        for item in group.findall(f"{QTI}item"):
            qid = qid_of[item.get("ident").rsplit("_", 1)[1]]
            assert seen.setdefault(qid, group.get("ident")) == group.get("ident")
