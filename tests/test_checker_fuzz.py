"""No input reaches a traceback (issue 12): random, hostile and huge answers against every part of
every template each get a verdict within the time limit, and none is the checker's own fault."""

import random
import time

from examkit.checking.verdict import STATUSES
from examkit.parts.check import CHECK_TIMEOUT_S, check_answer

HOSTILE = [
    "499!*498!*497!*496!", "500!^2", "(500!)!", "10^256*10^256*10^256*10^256*10^256", "9^256^2",
    "exp(exp(exp(exp(exp(1)))))", "e^(e^(e^(e^9)))", "sin(10^300)", "1/0", "0^0", "0^-1", "log(0)", "ln(-1)",
    "sqrt(-1)", "(-8)^(1/3)", "asin(2)", "1e300^256", "tan(pi/2)", "floor(1e40)", "binomial(10000, 5000)",
    "max(1,2,3,4,5,6,7,8,9)", "(" * 61 + "1" + ")" * 61, "1" * 41, "0." + "0" * 39 + "1", "-" * 1500 + "1",
    "!" * 100, "3!!!!", "gamma(x)", "i", "I", "oo", "nan", "inf", "zoo", "None", "pi^pi^pi^pi",
    "factorial(170)*factorial(170)", "(2^256)^256", "x^x^x^x^x^x", "\\frac{1}{0}", "\\sqrt[0]{2}", "root(2, 0)",
    "\\sin^{-1}", "sin^", "1,", ",1", "1 2/0", "1\\frac{0}{0}", "\\lfloor", "\\rfloor x", "\\hspace{", "\\",
    "$$", "{}", "()", "[]", "||", "|x", "x|", "_", "^", "=", "==", "x==1", "a=b=c", "1\u200b", "\u200b", "\u202e1+1",
    "__import__('os').system('id')", "().__class__", "lambda: 0", "\x00", "A" * 3000, "x" * 1_000_000,
    "\n".join(["x = 1"] * 200), "(" * 100_000, "1e-400", "0.1e400", "sqrt[3]{", "root(", "nthroot(8)",
]  # fmt: skip
ALPHABET = list("0123456789+-*/^()[]{}|!=,._ xyzabepi") + [
    "\\frac", "\\sqrt", "\\sin", "sin", "ln", "log_", "e^", "sigma", "mu", "\\left(", "\\right)", "^-1",
    "\\lfloor", "\\rfloor", "½", "√", "²", "\u200b", "−", "1,000", "1 000", "∛", "sqrt[3]", "root(", "\\tbinom",
    "\\{", "\\}", "σ", "ℓ", "π", "∞", "%", "E", "'", '"', "`", "#", "\\", "\n", "\t", "$", "&", "~", "≈", "nats",
    "D =", "p_{data}", "\\cdot", "\\ ", "1\\frac23", "12", ".5", "e-3", "!", "⌊", "⌋",
]  # fmt: skip


def _random_answers(rng, count):
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 25))) for _ in range(count)]


def test_every_part_gives_a_verdict_in_time_for_any_input(bank):
    rng = random.Random(12)
    faults, slow = [], []
    for template in bank:
        variant = template.variant(rng.randrange(100))
        for part in variant.parts:
            for answer in HOSTILE + _random_answers(rng, 40):
                started = time.perf_counter()
                verdict = check_answer(variant, part.id, answer)
                took = time.perf_counter() - started
                assert verdict.status in STATUSES, (template.id, part.id, answer[:60], verdict)
                assert len(verdict.message) < 400, (template.id, part.id, answer[:60], verdict.message[:400])
                verdict.to_json()  # the echo of what was read prints, whatever was read
                if "fault" in verdict.details:
                    faults.append((template.id, part.id, answer[:60], verdict.details["fault"]))
                if took > CHECK_TIMEOUT_S + 0.5:
                    slow.append((template.id, part.id, answer[:60], round(took, 2)))
    assert not faults, faults[:10]
    assert not slow, slow[:10]
