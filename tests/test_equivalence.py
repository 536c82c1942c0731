"""Equivalence accepts every correct form and rejects near misses."""

import json

import pytest

from conftest import run_cli
from examkit.checking.equivalence import check_equivalence, parse_assumption
from examkit.checking.parse import AnswerError

POS = ["p_data>0", "p_g>0"]


@pytest.mark.parametrize(
    "expected,answer,assume",
    [
        ("p_data/(p_data+p_g)", "1/(1+p_g/p_data)", POS),
        ("p_data/(p_data+p_g)", r"\frac{p_{data}}{p_{data}+p_{g}}", POS),
        ("log(sigma)", "(1/2) log(sigma^2)", ["sigma>0"]),
        ("log(sigma)", r"\frac{1}{2}\ln\sigma^2", ["sigma>0"]),
        (
            "(mu**2 + sigma**2 - 1)/2 - log(sigma)",
            r"-\frac12\left(1 + \log\sigma^2 - \mu^2 - \sigma^2\right)",
            ["sigma>0"],
        ),
        ("-log(4)", "-2*log(2)", []),
        ("-log(4)", "log(1/4)", []),
        ("sigmoid(a) - 1", "-(1 - 1/(1+exp(-a)))", []),
        ("a/(a+b)", "1 - b/(a+b)", ["a>0", "b>0"]),
    ],
)
def test_accepts_equivalent_forms(expected, answer, assume):
    result = check_equivalence(expected, answer, assume=assume)
    assert result.equivalent, result.reason


@pytest.mark.parametrize(
    "expected,answer,assume",
    [
        ("(mu**2 + sigma**2 - 1)/2 - log(sigma)", "(mu**2 + sigma**2 - 1)/2 + log(sigma)", ["sigma>0"]),  # sign
        (
            "(mu**2 + sigma**2 - 1)/2 - log(sigma)",
            "(mu**2 + sigma - 1)/2 - log(sigma)",
            ["sigma>0"],
        ),  # sigma for sigma^2
        ("-log(4)", "-log(2)", []),  # log 2 for log 4
        ("p_data/(p_data+p_g)", "p_g/(p_data+p_g)", POS),  # swapped
        ("sigmoid(a) - 1", "-sigmoid(a)", []),  # saturating vs non-saturating gradient
        ("log(sigma)", "log(sigma) + 1e-9", ["sigma>0"]),
    ],
)
def test_rejects_near_misses(expected, answer, assume):
    result = check_equivalence(expected, answer, assume=assume)
    assert not result.equivalent
    assert "not equal" in result.reason or result.method != "numeric"


def test_equations_compare_by_their_solution():
    assume = ["a>0", "b>0", "0<D<1"]
    assert check_equivalence("D = a/(a+b)", "a(1-D) = b D", assume=assume, unknown="D").equivalent
    assert not check_equivalence("D = a/(a+b)", "a(1-D) = 2 b D", assume=assume, unknown="D").equivalent


def test_assumptions():
    name, dom = parse_assumption("0<D<1")
    assert (name, dom.lo, dom.hi) == ("D", 0.0, 1.0)
    name, dom = parse_assumption("sigma >= 0.5")
    assert (name, dom.lo, dom.hi) == ("sigma", 0.5, None)
    with pytest.raises(AnswerError):
        parse_assumption("sigma")
    with pytest.raises(AnswerError):
        parse_assumption("1<x<0")


def test_cli_equiv_exit_codes_and_json():
    ok = run_cli(
        "equiv", "p_data/(p_data+p_g)", "1/(1+p_g/p_data)", "--assume", "p_data>0", "--assume", "p_g>0", "--json"
    )
    assert ok.returncode == 0
    assert json.loads(ok.stdout)["equivalent"] is True
    no = run_cli("equiv", "--json", "--", "-log(4)", "-log(2)")
    assert no.returncode == 1
    data = json.loads(no.stdout)
    assert data["equivalent"] is False and data["reason"]
    bad = run_cli("equiv", "x", "__import__('os').system('id')", "--json")
    assert bad.returncode == 2
    assert json.loads(bad.stdout)["equivalent"] is False
    hostile = run_cli("equiv", "x", "9**9**9**9")
    assert hostile.returncode == 2 and "exponent" in hostile.stderr


@pytest.mark.parametrize(
    "names,expected,typed",
    [
        (["mu_1", "mu_2"], "mu_1 - mu_2", "μ1-μ2"),  # an indexed Greek name, however the index is typed
        (["mu_1", "mu_2"], "mu_1 - mu_2", "mu1 - mu2"),
        (["mu1"], "mu1^2", "μ_1^2"),
        (["sigma_2"], "sigma_2^2", "σ2^2"),
        (["sigma_2"], "sigma_2^2", "σ₂²"),
        (["x"], "csc(3*x)", "cosec(3x)"),
        (["x"], "csch(3*x)", "cosech(3x)"),
        (["x", "y"], "y/2 = cos(x)*sin(x)", "y = sin(2x)"),  # equations equal up to a constant factor
    ],
)
def test_written_as_students_write_it(names, expected, typed):
    assert check_equivalence(expected, typed, names=names).equivalent


def test_a_rounded_decimal_is_not_an_exact_value():
    """As exact constants are compared exactly (1/3 is not 0.333333333333333), so are coefficients,
    and the reason says what to do."""
    result = check_equivalence("x^2/3", "0.333333333333333*x^2", names=["x"])
    assert not result.equivalent and "exact values" in result.reason
    assert check_equivalence("x/4", "0.25x", names=["x"]).equivalent
