"""Numeric answers: absolute, relative and significant-figure tolerances; 'too imprecise'."""

import pytest

from examkit.checking.numeric import DEFAULT_TOLERANCE, judge, read_number, significant_figures


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
    assert verdict(58.0, "58.01", tol) == "correct"  # the edge counts, in exact arithmetic
    assert verdict(58.0, "58.05", tol) == "incorrect"  # wrong in the second decimal
    assert verdict(58.0, "58.1", tol) == "incorrect"
    assert verdict(58.04, "58", tol) == "imprecise"  # the key to the figures given: carry more digits
    assert verdict(58.0, "59", tol) == "incorrect"


def test_relative_tolerance():
    tol = {"rel": 0.001}
    assert verdict(1000.0, "1000.9", tol) == "correct"
    assert verdict(1000.0, "1005", tol) == "incorrect"
    assert verdict(1000.0, "1020", tol) == "incorrect"
    assert verdict(1234.5678, "1200", tol) == "imprecise"
    assert verdict(1234.5678, "1230", tol) == "imprecise"
    assert verdict(1234.5678, "1240", tol) == "incorrect"  # not the key rounded


def test_tolerances_are_exact_at_their_edges():
    assert verdict(1.0, "1.05", {"rel": 0.05}) == "correct"
    assert verdict(1.0, "0.95", {"rel": 0.05}) == "correct"
    assert verdict(1.0, "1.0500001", {"rel": 0.05}) == "incorrect"
    assert verdict(2e-10, "9e-10", DEFAULT_TOLERANCE) == "incorrect"
    assert verdict(1e-33, "0", DEFAULT_TOLERANCE) == "incorrect"
    assert verdict(2.5e-10, "2.5e-10", DEFAULT_TOLERANCE) == "correct"


def test_half_credit_only_when_the_answer_is_the_key_rounded():
    tol = {"abs": 0.5}
    assert verdict(35.0, "34", tol) == "incorrect"
    assert verdict(35.0, "35.4", tol) == "incorrect"  # a count: the whole number or nothing
    assert verdict(35.0, "35", tol) == "correct"
    tol = {"abs": 0.001}
    assert verdict(0.995, "0.9", tol) == "incorrect"
    assert verdict(0.995, "1", tol) == "imprecise"


def test_significant_figures_mode():
    tol = {"sigfigs": 3}
    value = 1.23456
    assert verdict(value, "1.23", tol) == "correct"
    assert verdict(value, "1.235", tol) == "correct"  # the key to four figures
    assert verdict(value, "1.2349", tol) == "correct"  # rounds to the key's three figures
    assert verdict(value, "1.2", tol) == "imprecise"  # right, but to 2 figures only
    assert verdict(value, "1", tol) == "imprecise"
    assert verdict(value, "1.24", tol) == "incorrect"  # wrongly rounded
    assert verdict(value, "1.2351", tol) == "incorrect"
    assert verdict(value, "1.3", tol) == "incorrect"
    assert verdict(value, "2.5", tol) == "incorrect"
    assert verdict(0.125, "0.13", {"sigfigs": 2}) == "correct"  # half-way: either neighbour
    assert verdict(0.125, "0.12", {"sigfigs": 2}) == "correct"


def test_exact_answers_need_no_digits():
    tol = {"sigfigs": 4, "rel": 1e-4}
    assert verdict(58.0, "58", tol) == "correct"
    assert verdict(58.0, "50 + 4*2", tol) == "correct"
    assert verdict(-1.3862943611198906, "-log(4)", tol) == "correct"
    assert verdict(-1.3862943611198906, "-2 ln 2", tol) == "correct"


def test_the_quick_float_reject_never_changes_a_verdict(monkeypatch):
    """`judge` first rejects answers far from the key in floats; across keys, answers written to
    1-6 figures near every rule's edge, and every kind of tolerance, the verdict is the one the
    exact rules give without that shortcut."""
    import random

    from examkit.checking import numeric

    rng = random.Random(7)
    tolerances = [
        {"abs": 0.01},
        {"rel": 0.05},
        {"sigfigs": 1},
        {"sigfigs": 3},
        {"rel": 0.001, "sigfigs": 3},
        {"abs": 0.5},
    ]
    cases = []
    for _ in range(3000):
        key = rng.choice([1, -1]) * 10 ** rng.uniform(-4, 4)
        key = rng.choice([key, round(key), round(key, 2)])
        figures = rng.randint(1, 6)
        near = key * (1 + rng.choice([0, 1, -1]) * 10 ** rng.uniform(-7, 0.3))
        cases.append((key, f"{near:.{figures}g}", rng.choice(tolerances)))
    fast = [judge(key, read_number(text), tol)[0] for key, text, tol in cases]
    monkeypatch.setattr(numeric, "_far", lambda *args: False)
    exact = [judge(key, read_number(text), tol)[0] for key, text, tol in cases]
    assert fast == exact
    assert {"correct", "imprecise", "incorrect"} <= set(fast)


@pytest.mark.parametrize(
    "key,typed,tol,status",
    [
        (250.2, "250", None, "correct"),  # trailing zeros of a whole number may be significant
        (999.7, "1000", None, "correct"),
        (999, "1000", {"sigfigs": 2}, "correct"),
        (1234, "1000", None, "imprecise"),  # but 1000 for 1234 is the key to one figure
        (1 / 7, "0.14295", {"sigfigs": 4}, "incorrect"),  # a student's half-way value rounds up: 0.1430
        (1 / 7, "0.1429", {"sigfigs": 4}, "correct"),
        (0.125, "0.12", {"sigfigs": 2}, "correct"),  # the key half-way: either neighbour
        (0.125, "0.13", {"sigfigs": 2}, "correct"),
    ],
)
def test_figures_as_written(key, typed, tol, status):
    assert verdict(key, typed, tol) == status
