"""QTI 1.2 package (a zip Canvas imports as quizzes): one assessment per version.

Canvas item types: numerical_question (exact answer with a range), multiple_choice_question,
multiple_answers_question, and essay_question for expressions, derivations and short answers.
Math is kept as LaTeX inside \\( \\) for Canvas's equation rendering.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from ..checking.numeric import accepted_interval, decimal_inside
from ..markup import to_moodle
from .moodle import machine_number
from .names import xml_id

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_TYPES = {  # by response kind; option parts depend on single or multiple select
    "number": "numerical_question",
    "formula": "essay_question",
    "steps": "essay_question",
    "text": "essay_question",
}


def _meta(item, fields: dict):
    meta = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        field = ET.SubElement(meta, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = str(entry)


def _material(parent, html_text):
    mat = ET.SubElement(parent, "material")
    ET.SubElement(mat, "mattext", {"texttype": "text/html"}).text = html_text


def _item(section, version, question, part):
    canvas_type = CANVAS_TYPES.get(part.response)
    if part.response == "options":
        canvas_type = "multiple_choice_question" if part.select == "single" else "multiple_answers_question"
    ident = xml_id(version.student.id, question.number, part.id)
    label = f"Q{question.number}{part.id if len(question.variant.parts) > 1 else ''}"
    item = ET.SubElement(section, "item", {"ident": ident, "title": f"{label} {question.qid}"})
    _meta(
        item,
        {
            "question_type": canvas_type,
            "points_possible": machine_number(part.points),
            "original_answer_ids": ",".join(o.letter for o in part.options),
            "assessment_question_identifierref": ident,
        },
    )
    presentation = ET.SubElement(item, "presentation")
    body = f"<p>{to_moodle(question.variant.stem)}</p>" + (f"<p>{to_moodle(part.prompt)}</p>" if part.prompt else "")
    _material(presentation, body)
    processing = ET.SubElement(item, "resprocessing")
    ET.SubElement(
        ET.SubElement(processing, "outcomes"),
        "decvar",
        {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"},
    )
    if part.response == "options":
        single = part.select == "single"
        lid = ET.SubElement(
            presentation, "response_lid", {"ident": "response1", "rcardinality": "Single" if single else "Multiple"}
        )
        choices = ET.SubElement(lid, "render_choice")
        for o in part.options:
            label_node = ET.SubElement(choices, "response_label", {"ident": o.letter})
            _material(label_node, to_moodle(o.text))
        cond = ET.SubElement(processing, "respcondition", {"continue": "No"})
        var = ET.SubElement(cond, "conditionvar")
        if single:
            ET.SubElement(var, "varequal", {"respident": "response1"}).text = part.answer[0]
        else:
            both = ET.SubElement(var, "and")
            for o in part.options:
                target = both if o.correct else ET.SubElement(both, "not")
                ET.SubElement(target, "varequal", {"respident": "response1"}).text = o.letter
        ET.SubElement(cond, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"
    elif part.response == "number":
        ET.SubElement(
            ET.SubElement(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"}),
            "render_fib",
            {"fibtype": "Decimal"},
        )
        low, high = accepted_interval(part.answer, part.tolerance)  # Canvas: every answer at 100 %
        cond = ET.SubElement(processing, "respcondition", {"continue": "No"})
        either = ET.SubElement(ET.SubElement(cond, "conditionvar"), "or")
        ET.SubElement(either, "varequal", {"respident": "response1"}).text = machine_number(part.answer)
        both = ET.SubElement(either, "and")
        ET.SubElement(both, "vargte", {"respident": "response1"}).text = decimal_inside(low, 12, up=True)
        ET.SubElement(both, "varlte", {"respident": "response1"}).text = decimal_inside(high, 12, up=False)
        ET.SubElement(cond, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"
    else:
        ET.SubElement(
            ET.SubElement(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"}), "render_fib"
        )
        cond = ET.SubElement(processing, "respcondition", {"continue": "No"})
        ET.SubElement(ET.SubElement(cond, "conditionvar"), "other")
    return item


def assessment_xml(spec, version) -> bytes:
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    ident = xml_id(version.student.id, version.code)
    assessment = ET.SubElement(root, "assessment", {"ident": ident, "title": f"{spec.title} ({version.student.id})"})
    _meta(assessment, {"cc_maxattempts": "1"})
    section = ET.SubElement(assessment, "section", {"ident": "root_section"})
    for question in version.questions:
        for part in question.variant.parts:
            _item(section, version, question, part)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def qti_package(spec, versions) -> bytes:
    """A zip with imsmanifest.xml and one assessment file per version."""
    manifest = ET.Element("manifest", {"identifier": xml_id(spec.title), "xmlns": CP_NS})
    ET.SubElement(manifest, "organizations")
    resources = ET.SubElement(manifest, "resources")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for version in versions:
            ident = xml_id(version.student.id, version.code)
            href = f"{ident}/{ident}.xml"
            archive.writestr(zipfile.ZipInfo(href, date_time=(2020, 1, 1, 0, 0, 0)), assessment_xml(spec, version))
            resource = ET.SubElement(resources, "resource", {"identifier": ident, "type": "imsqti_xmlv1p2"})
            ET.SubElement(resource, "file", {"href": href})
        ET.indent(manifest)
        archive.writestr(
            zipfile.ZipInfo("imsmanifest.xml", date_time=(2020, 1, 1, 0, 0, 0)),
            ET.tostring(manifest, encoding="utf-8", xml_declaration=True),
        )
    return buffer.getvalue()
