"""Latency of answer checking over the whole bank (warm), and the worst time on hostile inputs.

Targets (issue 7): p95 <= 1 ms per check; every hostile input answered in <= 0.1 s (and no input in > 2 s).
Issue 12: arbitrary `equiv` pairs, each new (no per-variant cache helps), p95 <= 5 ms.
Usage: python bench/check_latency.py [--seeds N] [--pairs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

import sympy as sp

from examkit.bank.loader import load_bank
from examkit.bank.validate import own_answer
from examkit.checking.equivalence import check_equivalence
from examkit.checking.parse import AnswerError
from examkit.parts.check import check_answer

HOSTILE = [
    "__import__('os').system('echo pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "(lambda: 0)()",
    "lambda x: x",
    "9**9**9**9",
    "2^2^2^2^2^2^2",
    "10^100000",
    "(10^300)^300",
    "exp(exp(exp(exp(exp(exp(sigma))))))",
    "sigma^(sigma^(sigma^(sigma^(sigma^sigma))))",
    "1e999999",
    "x" * 1_000_000,
    "(" * 100_000 + ")" * 100_000,
    "(" * 59 + "sigma" + ")" * 59,
    "+".join(["sigma"] * 240),
    "*".join(["(sigma+1)"] * 120),
    "sigma" + "^2" * 200,
    "\\frac{" * 40 + "1" + "}{2}" * 40,
    "log(" * 55 + "sigma" + ")" * 55,
    "\x00\x01\x02",
    "mu\n" * 5000,
    "9^9^9^9",
    "2^(2^(2^(2^(2^2))))",
    "1" * 5000,
    "(" * 500 + "sigma" + ")" * 500,
    "sigma" + "+sigma" * 3000,
    "sin(" + "*".join(f"sigma^{255 - i}" for i in range(38)) + ")^2",
]
# Built to be as slow as the limits allow (sympy's own evaluation of sin() of a product of 38
# huge powers): each must end within 2 s with a verdict or a refusal, never an uncaught time-out.
_HUGE = "*".join(f"(sigma+{i})^{200 + i}" for i in range(38))
WORST_CASE_PAIRS = [("sigma", f"sin({_HUGE})^2"), (f"sin({_HUGE})^2", f"1-cos({_HUGE})^2")]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def wrong_answer(part):
    if part.type == "numeric":
        return repr(part.answer * 1.37 + 0.5)
    if part.type in ("choice", "diagnosis"):
        return next((o.letter for o in part.options if not o.correct), part.options[0].letter)
    if part.type == "derivation":
        return part.start + "\n" + part.answer_text + " + 1"
    if part.type == "expression":
        return f"({part.answer_text}) + 1"
    return "a short essay"


def equiv_pairs(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(expected, answer) pairs nobody has checked before: random expressions in x, y, a with fresh
    constants, the answer a rewrite (expanded, over one denominator, logs split, or as is), a third
    of them made wrong by a small constant, half written in LaTeX as sympy prints it."""
    x, y, a = sp.symbols("x y a", positive=True)
    rng = random.Random(seed)

    def expression(depth=0):
        if depth > 2 or rng.random() < 0.3:
            return rng.choice(
                [x, y, a, sp.Integer(rng.randint(1, 9)), sp.Rational(rng.randint(1, 9), rng.randint(2, 9))]
            )
        left, right = expression(depth + 1), expression(depth + 1)
        return rng.choice([
            lambda: left + right, lambda: left - right, lambda: left * right, lambda: left / (right + 1),
            lambda: left ** rng.randint(2, 3), lambda: rng.choice([sp.sin, sp.cos, sp.exp, sp.log, sp.sqrt])(left + 1),
        ])()  # fmt: skip

    pairs = []
    while len(pairs) < count:
        expected = expression()
        if not expected.free_symbols:
            continue
        answer = rng.choice([sp.expand, sp.together, sp.expand_log, lambda e: e])(expected)
        if rng.random() < 0.3:
            answer += sp.Rational(1, rng.randint(2, 50))
        text = sp.latex(answer) if rng.random() < 0.5 else str(answer).replace("E", "e")
        pairs.append((str(expected).replace("E", "e"), text))
    return pairs


def time_equiv_pairs(count: int) -> list[float]:
    check_equivalence("x", "x")  # imports and sympy's first-use caches, not the pairs'
    times = []
    for expected, answer in equiv_pairs(count):
        started = time.perf_counter()
        check_equivalence(expected, answer, assume=["x>0", "y>0", "a>0"])
        times.append((time.perf_counter() - started) * 1000)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=400, help="arbitrary equiv pairs to time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bank = load_bank()
    cases = []
    for template in bank:
        for seed in range(args.seeds):
            variant = template.variant(seed)
            for part in variant.parts:
                cases.append((variant, part.id, own_answer(part)))
                cases.append((variant, part.id, wrong_answer(part)))
                cases.extend(
                    (variant, part.id, repr(m.value) if part.type == "numeric" else m.text) for m in part.misconceptions
                )
    for variant, pid, answer in cases[:50]:  # warm caches (sympy, mpmath)
        check_answer(variant, pid, answer)
    times = []
    for variant, pid, answer in cases:
        started = time.perf_counter()
        check_answer(variant, pid, answer)
        times.append((time.perf_counter() - started) * 1000)
    targets = [
        (bank.get("vae-kl-closed-form").variant(0), "kl"),
        (bank.get("vae-neg-elbo-beta").variant(0), "a"),
        (bank.get("gan-optimal-d-derivation").variant(0), "steps"),
    ]
    hostile = []
    for text in HOSTILE:
        worst = 0.0
        for variant, pid in targets:
            started = time.perf_counter()
            verdict = check_answer(variant, pid, text)
            worst = max(worst, time.perf_counter() - started)
            assert verdict.refused or verdict.status == "incorrect", (text[:40], verdict)
        started = time.perf_counter()
        try:
            check_equivalence("sigma", text, assume=["sigma>0"])
        except AnswerError:
            pass
        worst = max(worst, time.perf_counter() - started)
        hostile.append((text[:40].replace("\n", "\\n"), worst))
    worst_case = 0.0
    for expected, text in WORST_CASE_PAIRS:
        started = time.perf_counter()
        check_equivalence(expected, text, assume=["sigma>0"])  # an uncaught time-out would raise here
        worst_case = max(worst_case, time.perf_counter() - started)
    pair_times = time_equiv_pairs(args.pairs)
    result = {
        "equiv_pairs": len(pair_times),
        "equiv_p50_ms": round(statistics.median(pair_times), 2),
        "equiv_p95_ms": round(percentile(pair_times, 95), 2),
        "checks": len(times),
        "templates": len(bank),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
        "hostile_inputs": len(hostile),
        "hostile_worst_s": round(max(t for _, t in hostile), 3),
        "hostile_worst_input": max(hostile, key=lambda h: h[1])[0],
        "worst_case_s": round(worst_case, 3),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"check latency over {result['checks']} checks ({result['templates']} templates, warm): "
            f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, max {result['max_ms']} ms  (target p95 <= 1 ms)"
        )
        print(
            f"arbitrary equiv pairs: {result['equiv_pairs']} (new each, no cache): p50 {result['equiv_p50_ms']} ms, "
            f"p95 {result['equiv_p95_ms']} ms  (target p95 <= 5 ms)"
        )
        print(
            f"hostile inputs: {len(hostile)}, worst {result['hostile_worst_s']} s on {result['hostile_worst_input']!r}"
            f"  (target <= 0.1 s each)"
        )
        print(
            f"built worst cases: {len(WORST_CASE_PAIRS)}, worst {result['worst_case_s']} s  (target <= 2 s, a verdict)"
        )


if __name__ == "__main__":
    main()
