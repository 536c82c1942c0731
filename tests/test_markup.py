"""Bank markup is read once (`examkit.markup.spans`) and each surface renders it with its own
escaping: nothing of the markup leaks, and prose is escaped where the surface needs it."""

import re

import pytest

from examkit.markup import Span, spans, to_html, to_latex, to_moodle, to_terminal
from examkit.markup.unicode import math_to_unicode


def test_spans_read_each_kind_once():
    text = r"Use `nn.BCELoss` with **mean** reduction: $a \log D$, $$x < y$$ and \(z\) & more"
    assert spans(text) == [
        Span("text", "Use "),
        Span("code", "nn.BCELoss"),
        Span("text", " with "),
        Span("bold", "mean"),
        Span("text", " reduction: "),
        Span("math", r"a \log D"),
        Span("text", ", "),
        Span("display", "x < y"),
        Span("text", " and "),
        Span("math", "z"),
        Span("text", " & more"),
    ]


def test_each_surface_escapes_its_own_way():
    text = "Compare `D(x) < 0.5` & **fakes**: $\\log D(x) < 0$"
    moodle = to_moodle(text)
    assert "`" not in moodle and "<code>D(x) &lt; 0.5</code>" in moodle and "&amp;" in moodle
    assert r"\(\log D(x) &lt; 0\)" in moodle and "$" not in moodle
    latex = to_latex(text)
    assert r"\texttt{D(x) \ensuremath{<} 0.5}" in latex and r"\&" in latex and r"$\log D(x) < 0$" in latex
    assert to_terminal(text) == "Compare D(x) < 0.5 & fakes: log D(x) < 0"
    assert "<strong>fakes</strong>" in to_html(text) and "<math" in to_html(text)
    assert to_latex("z ~ N(0, 1)") == r"z \textasciitilde{} N(0, 1)"  # a tilde, not an accent over nothing


def test_solutions_name_mistakes_by_their_answer_not_their_id(bank):
    from examkit.exam.assemble import ExamQuestion, ExamVersion
    from examkit.exam.latex import environment, render_version
    from examkit.exam.spec import Student, load_spec
    from examkit.resources import bundled

    variant = bank.get("gan-optimal-d-value").variant(1)
    version = ExamVersion(Student("s1", "S"), "CODE", [ExamQuestion(1, "S", variant.qid, 1, variant)])
    spec = load_spec(bundled("examples") / "unit12-quiz.yaml")
    _, solutions = render_version(environment(), spec, version, {1: []}, roster=False)
    assert "Common mistakes" in solutions and "swapped" not in solutions.split("Common mistakes")[1]


def test_mathml_sets_operator_names_apart():
    html = to_html(r"$a \log D$")
    assert re.search(r"<mi>a</mi><mspace[^>]*></mspace><mi>log</mi><mo>&#x2061;</mo><mspace", html)


def test_terminal_math_keeps_a_function_argument_whole():
    assert math_to_unicode(r"\log\frac{r(a+b)}{a}") == "log((r(a + b))/a)"


def _bank_texts(bank):
    for template in bank:
        variant = template.variant(0)
        yield template.id, variant.stem
        yield template.id, variant.solution
        for part in variant.parts:
            yield template.id, part.prompt
            yield template.id, part.solution
            yield from ((template.id, h) for h in part.hints)
            yield from ((template.id, m.feedback) for m in part.misconceptions)
            for option in part.options:
                yield template.id, option.text
                yield template.id, option.feedback


@pytest.mark.parametrize("render,leaks", [(to_moodle, r"`|\$"), (to_terminal, r"`|\$|\\[A-Za-z]+"), (to_html, r"`|\$")])
def test_no_markup_leaks_from_any_bank_text(bank, render, leaks):
    leaked = [(qid, text[:60]) for qid, text in _bank_texts(bank) if text and re.search(leaks, render(text))]
    assert not leaked, leaked[:10]


def test_no_output_switches_on_a_part_type_name():
    """Outputs switch on the response kind (`examkit/parts/base.py`), so a new part type is one module
    in `examkit/parts/` plus one registry line, and no exporter changes."""
    from pathlib import Path

    from examkit.parts import PART_TYPES

    root = Path(__file__).resolve().parent.parent / "examkit"
    outputs = [*root.glob("exam/*.py"), *root.glob("drill/*.py"), *root.glob("markup/*.py"), root / "parts/check.py"]
    named = [
        (path.name, name)
        for path in outputs
        for name in PART_TYPES
        if re.search(rf"[\"']{name}[\"']", path.read_text())
    ]
    assert not named, named
