"""Standard notation typed as students type it, read as mathematicians and the peer checkers read it,
and each reading said back (issue 12): inverse-function powers, powers of functions, roots in every
spelling, glued names, thousands separators, mixed numbers, LaTeX spacing and bracket commands,
pasted invisible characters; huge numbers abbreviated, never a traceback."""

import pytest

from conftest import run_cli
from examkit.checking.echo import interpretation
from examkit.checking.equivalence import check_equivalence
from examkit.checking.parse import AnswerError, read_math
from examkit.parts.check import check_answer


def same(expected, typed, assume=()):
    result = check_equivalence(expected, typed, assume=list(assume))
    return result.equivalent


def seen(typed, names="x"):
    import sympy as sp

    return interpretation(read_math(typed, {n: sp.Symbol(n) for n in names.split()}))


@pytest.mark.parametrize("typed", ["\\sin^{-1} a", "sin^-1 a", "sin^{-1}(a)", "\\sin^{-1}(a)", "\\arcsin a", "asin(a)"])
def test_an_inverse_function_power_is_the_inverse_function(typed):
    assert same("asin(a)", typed, ["0<a<1"])
    assert not same("csc(a)", typed, ["0<a<1"])  # never 1/sin a


def test_the_inverse_reading_is_said_and_other_negative_powers_are_refused():
    assert any("arcsin" in n for n in seen("\\sin^{-1} x")["notes"])
    assert same("1/sin(x)", "(\\sin x)^{-1}", ["0<x<1"])  # the reciprocal, written as one
    for typed in ("\\ln^{-1} x", "\\sin^{-2} x"):
        with pytest.raises(AnswerError, match="ambiguous"):
            read_math(typed, {})


@pytest.mark.parametrize("typed", ["\\sin^2 x", "sin^2(x)", "sin^2 x", "(sin x)^2", "\\sin^{2}\\left(x\\right)"])
def test_a_power_of_a_function_is_a_power_of_its_value(typed):
    assert same("sin(x)^2", typed)


@pytest.mark.parametrize(
    "typed", ["\\sqrt[3]{x}", "sqrt[3]{x}", "sqrt[3](x)", "root(x, 3)", "nthroot(x, 3)", "cbrt(x)", "∛x", "x^(1/3)"]
)
def test_a_cube_root_in_every_spelling(typed):
    assert same("x^(1/3)", typed, ["x>0"])
    assert not same("sqrt(3*x)", typed, ["x>0"])


@pytest.mark.parametrize(
    "expected,typed,assume",
    [
        ("sin(x)", "sinx", []),
        ("log(x)", "lnx", ["x>0"]),
        ("x*cos(x)", "xcos(x)", []),
        ("4/3*pi*r^3", "4/3pir^3", ["r>0"]),
        ("sin(x)*cos(x)", "sinxcosx", []),
        ("r*sin(t)", "rsint", []),
    ],
)
def test_glued_names_are_read_where_the_declared_variables_allow_one_reading(expected, typed, assume):
    assert same(expected, typed, assume)


def test_a_glued_name_with_two_readings_is_refused_naming_both():
    with pytest.raises(AnswerError, match="more than one way"):
        seen("sinx", "s i n x")
    assert seen("sinx")["text"] == "sin(x)" and seen("sinx")["notes"]  # the reading is shown


@pytest.mark.parametrize(
    "typed",
    ["1,584,656", "1 584 656", "1\\,584\\,656", "1{,}584{,}656", "1\u2009584\u2009656", "1\u00a0584\u00a0656",
     "1\u202f584\u202f656"],
)  # fmt: skip
def test_thousands_separators_in_three_digit_groups(typed):
    assert same("1584656", typed)
    assert any("thousands" in n for n in seen(typed)["notes"])


@pytest.mark.parametrize("typed", ["0,5", "12,34", "1,5842", "2 3"])
def test_what_is_not_a_thousands_group_is_still_refused(typed):
    with pytest.raises(AnswerError):
        read_math(typed, {})


def test_a_grouped_number_is_graded_with_its_figures(bank):
    variant = bank.get("ae-param-count").variant(0)
    key = int(variant.part("count").answer)
    grouped = f"{key:,}"
    assert "," in grouped
    for typed in (grouped, grouped.replace(",", " ")):
        assert check_answer(variant, "count", typed).correct, typed


@pytest.mark.parametrize("typed", ["1\\ \\frac{2}{3}", "1 \\frac{2}{3}", "1\\frac23", "1 2/3", "1⅔", "1 ⅔"])
def test_a_mixed_number_is_read_as_one_and_said_so(typed):
    assert same("5/3", typed)
    reading = seen(typed, "")
    assert any("mixed number" in n for n in reading["notes"]) and reading["value"].startswith("5/3")


def test_a_fraction_after_a_number_that_is_no_mixed_number_shows_its_product():
    reading = seen("2\\frac{3}{2}", "")
    assert reading["text"] == "2*3/2" and reading["value"] == "3" and not reading["notes"]


@pytest.mark.parametrize(
    "expected,typed",
    [
        ("x + 1", "x\\thinspace + 1"),
        ("x + 1", "x\\hspace{1em}+\\enspace 1"),
        ("6", "\\tbinom{4}{2}"),
        ("6", "\\dbinom{4}{2}"),
        ("floor(x)", "\\lfloor x \\rfloor"),
        ("floor(x)", "\\left\\lfloor x \\right\\rfloor"),
        ("ceil(x)", "\\lceil x \\rceil"),
        ("floor(x)", "⌊x⌋"),
        ("2*(x + 1)", "2\\{x + 1\\}"),
        ("2*(x + 1)", "2\\left\\lbrace x + 1\\right\\rbrace"),
    ],
)
def test_latex_spacing_and_bracket_commands(expected, typed):
    assert same(expected, typed)


@pytest.mark.parametrize(
    "typed", ["x\u200b+1", "x\u200d + 1", "\ufeffx + 1", "x\u00a0+\u00a01", "x + 1\u00ad", "x \u2212 (-1)", "x − −1"]
)
def test_text_pasted_from_a_pdf_is_normalised_before_parsing(typed):
    assert same("x + 1", typed)


def test_the_preview_shows_the_structure_as_typed_with_its_value_beside_it():
    reading = seen("1.78/(1.78+0.48)", "")
    assert reading["text"] == "1.78/(1.78 + 0.48)" and reading["value"].startswith("89/113 ≈ 0.787")
    assert reading["latex"] == "\\frac{1.78}{1.78 + 0.48}"
    typed = seen("2 + ln(x) - 3x")  # order kept, ln stays ln, the implied product shown
    assert typed["text"] == "2 + ln(x) - 3*x" and typed["value"] == ""
    assert seen("\\sin 2x")["text"] == "sin(2*x)"  # where the argument ends is shown


def test_a_huge_exact_value_is_a_verdict_with_a_short_message(bank):
    for expected in ("2", "x"):
        result = run_cli("equiv", expected, "499!*498!*497!*496!")
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert len(result.stdout) < 300 and "e+4509" in result.stdout.replace("e4509", "e+4509"), result.stdout
    checked = run_cli("check", "vae-kl-1d", "--seed", "3", "--answer", "499!*498!*497!*496!")
    assert checked.returncode == 2 and "too large" in checked.stdout and len(checked.stdout) < 300, checked.stdout
    expression = bank.get("gan-value-js-expression").variant(0)
    verdict = check_answer(expression, expression.parts[0].id, "499!*498!*497!*496!")
    assert verdict.status in ("incorrect", "invalid", "unsafe") and len(verdict.message) < 300, verdict.message
    assert len(str(verdict.to_json())) < 2000


# --- from a student tryout -------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["J = (V+ln4)/2", "V = 2J - ln 4", "2J - ln4 = V", "V - 2J = -ln4"])
def test_a_relation_answered_as_an_equation_is_the_relation_whichever_way_round(bank, typed):
    for variant in map(bank.get("gan-value-js-expression").variant, (1, 4)):  # V asked, then J
        assert check_answer(variant, "relation", typed).correct, (variant.context["ask"], typed)
        wrong = check_answer(variant, "relation", typed.replace("4", "2"))
        assert wrong.misconception == "log2_for_log4", wrong


def test_the_other_quantity_written_for_the_asked_one_is_told_so(bank):
    asked_v = bank.get("gan-value-js-expression").variant(1)
    assert asked_v.context["ask"] == "V"
    verdict = check_answer(asked_v, "relation", "(V+ln4)/2")
    assert not verdict.correct and "contains V, the quantity asked for" in verdict.message


def test_two_named_mistakes_with_one_value_are_both_said(bank):
    variant = bank.get("wgan-gp-penalty").variant(1)
    names = [m.name for m in variant.part("gp").misconceptions if abs(m.value - 1.0) < 1e-9]
    assert len(names) > 1  # this seed: squared-and-summed equals not-squared
    verdict = check_answer(variant, "gp", "5*(0+0.04+0.16)")
    assert "more than one common mistake" in verdict.message and len(verdict.feedback) == len(names)


def test_a_number_after_a_typeset_fraction_is_a_factor():
    assert same("0.5*(0.49-1)^2 + 0.5*0.12^2", "\\tfrac12(0.49-1)^2+\\tfrac12 0.12^2")
    with pytest.raises(AnswerError):
        read_math("(0.5)0.12", {})  # after brackets, still a typo


@pytest.mark.parametrize("typed", ["\\sqrt[3]{-8}", "cbrt(-8)", "root(-8, 3)", "∛(-8)"])
def test_an_odd_root_of_a_negative_number_is_real(typed):
    assert same("-2", typed)


def test_equiv_says_what_it_read():
    result = run_cli("equiv", "asin(x)", "\\sin^{-1} x")
    assert result.returncode == 0 and "interpreted as: arcsin(x)" in result.stdout and "note:" in result.stdout
    near = run_cli("equiv", "499!*498!*497!*496!", "499!*498!*497!*496!+1")
    assert near.returncode == 1 and "1 away" in near.stdout, near.stdout


def test_a_grouped_decimal_keeps_its_decimals_and_a_stray_comma_gets_the_fitting_hint():
    assert any("4860.8" in n for n in seen("4 860.8", "")["notes"])
    with pytest.raises(AnswerError, match="groups of three"):
        read_math("1,584,6560", {})
    with pytest.raises(AnswerError, match="one answer, not a list"):
        seen("x=2, x=0")
