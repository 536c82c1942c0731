"""QTI 1.2 package for Canvas: one quiz whose question groups draw each slot's variants.

The assessment holds one section per exam question slot, with `selection_number` 1 and Canvas's
`points_per_item` (the one Canvas extension here: QTI 1.2.1's DTD has no `selection_extension`,
Canvas's converter reads points only there), holding every version's variant of that slot as an
item. Item types, as Canvas's own exporter writes them: numerical_question (key and window, every
answer 100 %), multiple_choice_question, multiple_answers_question; a multi-part question whose
parts are numbers and options is one fill_in_multiple_blanks_question (Canvas has no multi-part
numeric type: each blank lists the spellings the checker accepts in full); a question with a
part Canvas cannot mark is one essay_question that says it is graded by hand. Figures travel as
files under web_resources/ referenced by `$IMS-CC-FILEBASE$/`, as Canvas's own export does.
"""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile

from ..checking.numeric import accepted_interval, decimal_inside
from ..markup import to_moodle
from ..markup.numbers import machine_number
from ..parts.check import check_answer
from ..parts.printed import importer_key
from .exports import BY_HAND, auto_graded, figures_of, part_label, question_title, slots, variant_tag

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
FIGURE_DIR = "web_resources/examkit-figures"  # in the zip; $IMS-CC-FILEBASE$ is web_resources/
STAMP = (2020, 1, 1, 0, 0, 0)


def package_id(spec, versions) -> str:
    """A digest of the exam's title and variants: stable per build, without the master seed."""
    text = "|".join([spec.title, *(f"{q.qid}:{q.seed}" for qs in slots(versions).values() for q in qs)])
    return "examkit_" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _meta(parent, fields: dict):
    meta = ET.SubElement(parent, "qtimetadata")
    for label, entry in fields.items():
        field = ET.SubElement(meta, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = str(entry)


def _material(parent, html_text):
    mat = ET.SubElement(parent, "material")
    ET.SubElement(mat, "mattext", {"texttype": "text/html"}).text = html_text


def _figures_html(paths) -> str:
    return "".join(
        f'<p><img src="$IMS-CC-FILEBASE$/examkit-figures/{p.name}" alt="figure {i}"></p>'
        for i, p in enumerate(paths, 1)
    )


def _score(processing):
    ET.SubElement(
        ET.SubElement(processing, "outcomes"),
        "decvar",
        {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"},
    )


def _set(cond, value, action="Set"):
    ET.SubElement(cond, "setvar", {"action": action, "varname": "SCORE"}).text = value


def _choice(presentation, processing, part):
    single = part.select == "single"
    lid = ET.SubElement(
        presentation, "response_lid", {"ident": "response1", "rcardinality": "Single" if single else "Multiple"}
    )
    choices = ET.SubElement(lid, "render_choice")
    for o in part.options:
        _material(ET.SubElement(choices, "response_label", {"ident": o.letter}), to_moodle(o.text))
    cond = ET.SubElement(processing, "respcondition", {"continue": "No"})
    var = ET.SubElement(cond, "conditionvar")
    if single:
        ET.SubElement(var, "varequal", {"respident": "response1"}).text = part.answer[0]
    else:
        both = ET.SubElement(var, "and")
        for o in part.options:
            target = both if o.correct else ET.SubElement(both, "not")
            ET.SubElement(target, "varequal", {"respident": "response1"}).text = o.letter
    _set(cond, "100")


def _numeric(presentation, processing, part):
    fib = ET.SubElement(
        ET.SubElement(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"}),
        "render_fib",
        {"fibtype": "Decimal"},
    )
    ET.SubElement(fib, "response_label", {"ident": "answer1"})
    low, high = accepted_interval(part.answer, part.tolerance)  # Canvas: every answer at 100 %
    cond = ET.SubElement(processing, "respcondition", {"continue": "No"})
    either = ET.SubElement(ET.SubElement(cond, "conditionvar"), "or")
    ET.SubElement(either, "varequal", {"respident": "response1"}).text = importer_key(part)
    both = ET.SubElement(either, "and")
    ET.SubElement(both, "vargte", {"respident": "response1"}).text = decimal_inside(low, 12, up=True)
    ET.SubElement(both, "varlte", {"respident": "response1"}).text = decimal_inside(high, 12, up=False)
    _set(cond, "100")


def _essay(presentation, processing):
    fib = ET.SubElement(
        ET.SubElement(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"}), "render_fib"
    )
    ET.SubElement(fib, "response_label", {"ident": "answer1", "rshuffle": "No"})
    ET.SubElement(
        ET.SubElement(ET.SubElement(processing, "respcondition", {"continue": "No"}), "conditionvar"), "other"
    )


def blank_answers(question, part) -> list[str]:
    """What a student may type in a blank for full marks: spellings of the key the checker accepts."""
    if part.response == "number":
        candidates = [importer_key(part)] + [f"{float(part.answer):.{n}g}" for n in range(2, 8)]
    else:
        letters = list(part.answer)
        candidates = ["".join(letters), ",".join(letters), ", ".join(letters)]
    accepted = []
    for text in dict.fromkeys(candidates):
        if check_answer(question.variant, part.id, text).status == "correct":
            accepted.append(text)
    return accepted


def _blanks(presentation, processing, question):
    parts = question.variant.parts
    share = f"{100 / len(parts):.2f}"
    for part in parts:
        blank = f"part_{part.id}"
        lid = ET.SubElement(presentation, "response_lid", {"ident": f"response_{blank}"})
        ET.SubElement(ET.SubElement(lid, "material"), "mattext").text = blank
        choices = ET.SubElement(lid, "render_choice")
        for i, text in enumerate(blank_answers(question, part)):
            label = ET.SubElement(choices, "response_label", {"ident": f"{blank}_{i}"})
            ET.SubElement(ET.SubElement(label, "material"), "mattext").text = text
            cond = ET.SubElement(processing, "respcondition")
            ET.SubElement(
                ET.SubElement(cond, "conditionvar"), "varequal", {"respident": f"response_{blank}"}
            ).text = f"{blank}_{i}"
            _set(cond, share, "Add")


def _options_html(part) -> str:
    return "<ol type='A'>" + "".join(f"<li>{to_moodle(o.text)}</li>" for o in part.options) + "</ol>"


def _body(question, kind) -> str:
    parts = question.variant.parts
    body = f"<p>{to_moodle(question.variant.stem)}</p>"
    for part in parts:
        text = f"{part_label(question, part)} {to_moodle(part.prompt)}".strip()
        if kind == "fill_in_multiple_blanks_question":
            how = "option letter(s)" if part.response == "options" else "number"
            unit = f" {part.unit}" if part.unit else ""
            body += f"<p>{text}</p>" + (_options_html(part) if part.response == "options" else "")
            body += f"<p>Your {how}: [part_{part.id}]{unit}</p>"
        elif text:
            body += f"<p>{text}</p>"
            if kind == "essay_question" and part.response == "options":
                body += _options_html(part)
    if kind == "essay_question":
        body += f"<p><em>This answer is {BY_HAND}.</em></p>"
    return body


def item_type(question) -> str:
    parts = question.variant.parts
    if len(parts) > 1:
        return "fill_in_multiple_blanks_question" if auto_graded(question) else "essay_question"
    part = parts[0]
    if part.response == "number":
        return "numerical_question"
    if part.response == "options":
        return "multiple_choice_question" if part.select == "single" else "multiple_answers_question"
    return "essay_question"


def _item(section, question, figures):
    kind = item_type(question)
    tag = variant_tag(question.qid, question.seed)
    ident = f"q{question.number}_{tag}"
    item = ET.SubElement(section, "item", {"ident": ident, "title": f"{question_title(question)} #{tag}"})
    _meta(
        ET.SubElement(item, "itemmetadata"),
        {"question_type": kind, "points_possible": machine_number(question.points), "assessment_question_identifierref": ident},
    )  # fmt: skip
    presentation = ET.SubElement(item, "presentation")
    _material(presentation, _body(question, kind) + _figures_html(figures_of(question, figures)))
    processing = ET.SubElement(item, "resprocessing")
    _score(processing)
    part = question.variant.parts[0]
    if kind == "fill_in_multiple_blanks_question":
        _blanks(presentation, processing, question)
    elif kind == "numerical_question":
        _numeric(presentation, processing, part)
    elif kind.startswith("multiple_"):
        _choice(presentation, processing, part)
    else:
        _essay(presentation, processing)
    return item


def assessment_xml(spec, versions, figures=None) -> bytes:
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    assessment = ET.SubElement(root, "assessment", {"ident": package_id(spec, versions), "title": spec.title})
    _meta(assessment, {"cc_maxattempts": "1"})
    top = ET.SubElement(assessment, "section", {"ident": "root_section"})
    for number, questions in slots(versions).items():
        group = ET.SubElement(top, "section", {"ident": f"group_q{number}", "title": f"Question {number}"})
        selection = ET.SubElement(ET.SubElement(group, "selection_ordering"), "selection")
        ET.SubElement(selection, "selection_number").text = "1"
        points = max(q.points for q in questions)
        ET.SubElement(ET.SubElement(selection, "selection_extension"), "points_per_item").text = machine_number(points)
        for question in questions:
            _item(group, question, figures)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def manifest_xml(ident, href, figure_names) -> bytes:
    """IMS Content Packaging 1.1: the assessment and each figure as resources."""
    manifest = ET.Element("manifest", {"identifier": f"{ident}_manifest", "xmlns": CP_NS})
    metadata = ET.SubElement(manifest, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(manifest, "organizations")
    resources = ET.SubElement(manifest, "resources")
    resource = ET.SubElement(resources, "resource", {"identifier": ident, "type": "imsqti_xmlv1p2", "href": href})
    ET.SubElement(resource, "file", {"href": href})
    for name in figure_names:
        path = f"{FIGURE_DIR}/{name}"
        fig = ET.SubElement(resources, "resource", {"identifier": "fig_" + name.rsplit(".", 1)[0].replace("-", "_"),
                                                    "type": "webcontent", "href": path})  # fmt: skip
        ET.SubElement(fig, "file", {"href": path})
    ET.indent(manifest)
    return ET.tostring(manifest, encoding="utf-8", xml_declaration=True)


def qti_package(spec, versions, figures=None) -> bytes:
    """A zip with imsmanifest.xml, the one assessment and the figures it shows."""
    ident = package_id(spec, versions)
    href = f"{ident}/{ident}.xml"
    files = {p.name: p for qs in slots(versions).values() for q in qs for p in figures_of(q, figures)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("imsmanifest.xml", STAMP), manifest_xml(ident, href, sorted(files)))
        archive.writestr(zipfile.ZipInfo(href, STAMP), assessment_xml(spec, versions, figures))
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(f"{FIGURE_DIR}/{name}", STAMP), files[name].read_bytes())
    return buffer.getvalue()
