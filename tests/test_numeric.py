"""Numeric answers: absolute, relative and significant-figure tolerances; 'too imprecise'."""

import pytest

from examkit.checking.numeric import judge, read_number, significant_figures


@pytest.mark.parametrize(
    "text,figs", [("52", 2), ("52.0", 3), ("0.0123", 3), ("1.20e3", 3), ("100", 1), ("log(2)", None)]
)
def test_significant_figures(text, figs):
    assert significant_figures(text) == figs


def verdict(expected, text, tol):
    return judge(expected, read_number(text), tol)[0]


def test_absolute_tolerance():
    tol = {"abs": 0.01}
    assert verdict(58.0, "58.005", tol) == "correct"
    assert verdict(58.0, "58.05", tol) == "imprecise"  # within 10x tolerance
    assert verdict(58.0, "59", tol) == "incorrect"


def test_relative_tolerance():
    tol = {"rel": 0.001}
    assert verdict(1000.0, "1000.9", tol) == "correct"
    assert verdict(1000.0, "1005", tol) == "imprecise"
    assert verdict(1000.0, "1020", tol) == "incorrect"


def test_significant_figures_mode():
    tol = {"sigfigs": 3}
    value = 1.23456
    assert verdict(value, "1.23", tol) == "correct"
    assert verdict(value, "1.235", tol) == "correct"
    assert verdict(value, "1.2", tol) == "imprecise"  # right, but to 2 figures only
    assert verdict(value, "1", tol) == "imprecise"
    assert verdict(value, "1.24", tol) == "imprecise"  # within 10x: close but outside
    assert verdict(value, "1.3", tol) == "incorrect"  # wrongly rounded
    assert verdict(value, "2.5", tol) == "incorrect"


def test_exact_answers_need_no_digits():
    tol = {"sigfigs": 4, "rel": 1e-4}
    assert verdict(58.0, "58", tol) == "correct"
    assert verdict(58.0, "50 + 4*2", tol) == "correct"
    assert verdict(-1.3862943611198906, "-log(4)", tol) == "correct"
    assert verdict(-1.3862943611198906, "-2 ln 2", tol) == "correct"
