"""Answers typed the ways students type them: each right one is accepted, each typo is refused as
invalid (not counted) rather than marked, and a function name is never silently a symbol."""

import pytest

from conftest import run_cli
from examkit.checking.echo import interpretation
from examkit.checking.equivalence import check_equivalence
from examkit.checking.parse import AnswerError, parse_math, read_math

# (expected, typed, assumptions): typed is a right answer written another way.
RIGHT = [
    ("x/2", "0.5x", []),
    ("x/2", ".5x", []),
    ("x/2", "0.5 x", []),
    ("3*x/2", "1.5x", []),
    ("0.0015*x", "1.5e-3x", []),
    ("0.0015*x", "1.5E-3 x", []),
    ("2*pi", "2\\pi", []),
    ("2*pi", "2π", []),
    ("log(2)", "\\ln 2", []),
    ("log(2)", "ln(2)", []),
    ("exp(x)", "e^x", []),
    ("exp(x)", "\\mathrm{e}^{x}", []),
    ("sigma^2", "σ²", ["sigma>0"]),
    ("sigma^2", "σ^2", ["sigma>0"]),
    ("1/x", "x⁻¹", ["x>0"]),
    ("x_1 + x_2", "x₁ + x₂", []),
    ("ell + 1", "\\ell + 1", []),
    ("ell + 1", "ℓ + 1", []),
    ("alpha*beta", "α β", []),
    ("-log(D)", "log(1/D)", ["0<D<1"]),
    ("-log(D)", "−log D", ["0<D<1"]),
    ("cosh(x)", "(exp(x)+exp(-x))/2", []),
    ("sinh(x)", "(e^x - e^(-x))/2", []),
    ("atan(x)", "arctan(x)", []),
    ("asin(x)", "\\arcsin x", ["0<x<1"]),
    ("1/cos(x)", "sec(x)", []),
    ("1/sin(x)", "csc x", ["0<x<3"]),
    ("cos(x)/sin(x)", "cot(x)", ["0<x<3"]),
    ("abs(x)", "|x|", []),
    ("abs(x)", "\\lvert x \\rvert", []),
    ("abs(x)", "\\left| x \\right|", []),
    ("6", "3!", []),
    ("n*(n-1)/2", "binomial(n, 2)", ["n>2"]),
    ("n*(n-1)/2", "\\binom{n}{2}", ["n>2"]),
    ("max(a, b)", "(a + b + |a - b|)/2", []),
    ("min(a, b)", "(a + b - |a - b|)/2", []),
    ("sign(x)", "sgn(x)", []),
    ("asinh(x)", "log(x + sqrt(x^2 + 1))", []),
    ("a*b^2", "ab^2", ["a>0", "b>0"]),
    ("sin(5*n)", "sin 5n", []),
    ("sin(2*x)", "\\sin 2x", []),
    ("sin(x)*cos(x)", "\\sin x \\cos x", []),
    ("sin(x)^2", "\\sin^2 x", []),
    ("log(x)/log(2)", "log_2(x)", ["x>0"]),
    ("log(x)/log(10)", "\\log_{10} x", ["x>0"]),
    ("log(x)/log(10)", "log10(x)", ["x>0"]),
    ("1/(1+exp(-a))", "σ(a)", []),
    ("1/(1+exp(-a))", "\\sigma(a)", []),
    ("1/(1+exp(-a))", "sigmoid(a)", []),
    ("-(1/2)*(1 + log(s^2) - m^2 - s^2)", "-0.5(1 + ln s^2 - m^2 - s^2)", ["s>0"]),
    ("x/2", "  x / 2  ", []),
    ("log(4)", "ln4", []),  # a function glued to its number
    ("log(4)", "log4", []),
    ("2*log(2)", "2log2", []),  # log2 alone is log(2), not a base-2 log missing its argument
    ("(V + log(4))/2", "(V+2log2)/2", []),
    ("V/2 + log(2)", "V/2+ln2", []),
    ("log(8)/log(2)", "log2(8)", []),
]

# Typos and unreadable input: refused as invalid, never marked right or wrong.
INVALID = [
    "2 3",  # two numbers side by side
    "0.64.2",  # a malformed decimal
    "1..2",
    "(a+b)2",
    "x*atan",  # a function name without its argument
    "erf*x",
    "sin",
    "log(0)",
    "max(a)",
    "binomial(1, 2, 3)",
    "foo(x)",  # an unknown function
    "0,5",  # a decimal comma
    "3.5!",
    "1000!",
]


@pytest.mark.parametrize("expected,typed,assume", RIGHT)
def test_right_answers_written_differently_are_equivalent(expected, typed, assume):
    result = check_equivalence(expected, typed, assume=assume)
    assert result.equivalent, (typed, result.reason)


@pytest.mark.parametrize("typed", INVALID)
def test_typos_are_invalid_input(typed):
    with pytest.raises(AnswerError):
        parse_math(typed)


@pytest.mark.parametrize(
    "expected,typed",
    [
        ("x/2", "0.5 + x"),
        ("6", "2*3 + 1"),
        ("atan(x)", "tan(x)"),
        ("erf(x)", "x"),
        ("(a^b)^c", "a^(b*c)"),  # equal only for a > 0
        ("99999998/99999999", "99999999/10^8"),  # exact values are compared exactly
        ("1e-33", "0"),
        ("sin(5*n)", "sin(5)*n"),
        ("a*b^2", "(a*b)^2"),
    ],
)
def test_near_misses_are_not_equivalent(expected, typed):
    assert not check_equivalence(expected, typed).equivalent


def test_the_echo_reads_like_the_answer():
    """The structure as typed, each implied product and argument made explicit (STACK's validation)."""
    assert interpretation(read_math("0.5x"))["text"] == "0.5*x"
    assert interpretation(read_math("-0.138"))["text"] == "-0.138"
    assert interpretation(read_math("sin 5n"))["text"] == "sin(5*n)"
    assert interpretation(read_math("ab^2", {"a": parse_math("a"), "b": parse_math("b")}))["text"] == "a*b^2"
    assert interpretation(parse_math("0.5x"))["text"] == "x/2"  # a bare value (no structure kept): sympy's form


def test_cli_takes_expressions_that_start_with_a_minus():
    result = run_cli("equiv", "-log(D)", "log(1/D)", "--assume", "0<D<1")
    assert result.returncode == 0, result.stderr
    assert run_cli("equiv", "-0.5", "-1/2").returncode == 0
    checked = run_cli("check", "vae-kl-1d", "--seed", "5", "--answer", "-0.138")
    assert checked.returncode == 1 and "interpreted as: -0.138" in checked.stdout, checked.stdout + checked.stderr
    assert run_cli("equiv", "x", "x", "--json").returncode == 0  # real options still work


def test_cli_keeps_backslash_n_as_latex():
    result = run_cli("equiv", "\\nu^2", "nu*nu")
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_typo_exits_2_and_says_why():
    result = run_cli("equiv", "6", "2 3")
    assert result.returncode == 2 and "right after a factor" in result.stderr


def test_only_parameters_the_stem_shows_can_be_typed_by_name(bank):
    """Typing the name of a derived value (the answer itself) earns nothing, and is never listed."""
    from examkit.parts.check import check_answer

    variant = bank.get("vae-kl-1d").variant(5)
    assert set(variant.shown) == {"mu", "sigma"}
    named = check_answer(variant, "kl", "kl")
    assert named.status == "invalid" and "kl" not in named.message.split("variables here:")[1]
    written = "-(1/2)*(1 + log(sigma^2) - mu^2 - sigma^2)"
    assert check_answer(variant, "kl", written).status == "correct"  # the shown symbols stand for their values
    batch = bank.get("lab-vae-loss-reduction").variant(0)  # the stem shows numbers, not the names n or total
    assert check_answer(batch, "loss", "total").status == "invalid"
    assert check_answer(batch, "loss", "n*(bce + beta*kl)").status == "invalid"


@pytest.mark.parametrize(
    "typed,value",
    [("D = 0.2", 0.2), ("D(x) = 0.2", 0.2), ("D^*(x) ≈ 0.2", 0.2), ("KL \\approx 0.3 nats", 0.3), ("1.39 nats", 1.39),
     ("25%", 0.25), ("1/(1+e^2) = 0.119", 0.119)],
)  # fmt: skip
def test_numbers_written_as_students_write_them(typed, value):
    from examkit.checking.numeric import read_number

    number = read_number(typed)
    assert number.value == pytest.approx(value) and number.sigfigs == len(str(value).replace("0.", "").replace(".", ""))


def test_a_rounded_constant_is_named_as_the_mistake(bank):
    """(V + 1.386294)/2 for (V + log 4)/2: wrong, and the student is told it is the rounding."""
    from examkit.parts.check import check_answer

    variant = next(v for v in map(bank.get("gan-value-js-expression").variant, range(20)) if v.context["ask"] == "J")
    rounded = check_answer(variant, "relation", "(V + 1.386294)/2")
    assert rounded.status == "incorrect" and "rounded decimal" in rounded.message, rounded.message
    assert "rounded decimal" in check_answer(variant, "relation", "V/2 + 0.693").message
    assert "rounded decimal" not in check_answer(variant, "relation", "(V + 1.5)/2").message  # simply wrong
    assert check_answer(variant, "relation", "(V + ln4)/2").status == "correct"
    assert check_answer(variant, "relation", "0.5V + log(4)/2").status == "correct"  # 0.5 is exact


def test_a_name_the_stem_defines_may_be_used_for_what_it_stands_for(bank):
    """σ = e^(ℓ/2) in the stem: σε/2 and e^(ℓ/2)ε/2 are the same answer."""
    from examkit.parts.check import check_answer

    variant = next(v for v in map(bank.get("vae-reparam-gradient").variant, range(30)) if v.context["wrt"] == "logvar")
    for typed in ("σε/2", "0.5*sigma*epsilon", "\\frac{1}{2}\\sigma\\epsilon", "exp(ell/2)*epsilon/2"):
        assert check_answer(variant, "grad", typed).status == "correct", typed
    assert check_answer(variant, "grad", "sigma*epsilon").status == "incorrect"


@pytest.mark.parametrize("typed,value", [("~1.737", 1.737), ("1.7365.", 1.7365), ("1.7365 (nats)", 1.7365),
                                         ("½", 0.5), ("ln4.84", 1.5769147207285403)])  # fmt: skip
def test_more_numbers_as_students_type_them(typed, value):
    from examkit.checking.numeric import read_number

    assert read_number(typed).value == pytest.approx(value)


@pytest.mark.parametrize("typed", ["7 × 7", "7x7", "7 X 7", "7 by 7", "(7, 7)", "7×7 pixels", "7 px", "7"])
def test_a_square_map_size_may_be_written_as_its_two_sides(typed):
    from examkit.checking.numeric import read_number, square_side

    assert read_number(square_side(typed)).value == 7


def test_unequal_sides_are_refused_for_a_square_map():
    from examkit.checking.numeric import square_side

    with pytest.raises(AnswerError, match="square"):
        square_side("7 × 8")


@pytest.mark.parametrize("name", ["D^*", "D*", "D^{\\ast}", "D^\\ast", "D^(∗)", "D⋆", "D^{*}"])
def test_the_optimal_d_may_carry_its_star(bank, name):
    from examkit.parts.check import check_answer

    variant = bank.get("gan-optimal-d-derivation").variant(0)
    steps = variant.parts[0].steps
    assert check_answer(variant, "steps", "\n".join([*steps[:-1], name + " = " + steps[-1].split("=", 1)[1]])).correct


def test_a_hidden_precision_rule_is_said_and_the_typed_zeros_are_echoed(bank):
    from examkit.parts.check import check_answer

    variant = bank.get("gan-value-at-optimum").variant(5)
    part = variant.part("value")
    assert "at least 4 significant figures" in part.prompt
    verdict = check_answer(variant, "value", "-1.00")
    assert verdict.status == "imprecise" and verdict.interpreted["text"] == "-1.00"
    assert "significant" not in bank.get("lab-dcgan-generator-sizes").variant(0).part("h1").prompt  # a size
