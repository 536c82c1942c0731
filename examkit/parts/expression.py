"""`expression`: one line of math in the declared variables, compared by equivalence on their domain."""

from __future__ import annotations

from ..checking.decimals import only_rounded
from ..checking.equivalence import equivalent_equations, equivalent_expressions
from ..checking.parse import AnswerError, Equation, read_math
from ..checking.slips import expression_slips
from ..checking.verdict import Verdict
from .base import Computed, Response, mistake_verdict, student_symbols
from .fields import COMPUTED, LINES, MATH, NAME


def _defined(value, part):
    """Names tied by the stem's definitions (`define: {sigma: exp(ell/2)}`) replaced by what they
    stand for, so sigma*epsilon/2 and exp(ell/2)*epsilon/2 are the same answer."""
    if not part.definitions:
        return value
    if isinstance(value, Equation):
        return Equation(value.lhs.subs(part.definitions), value.rhs.subs(part.definitions))
    return value.subs(part.definitions)


def compare(expected, given, part):
    """Equivalence of a student's expression or equation with an expected one."""
    expected, given = _defined(expected, part), _defined(given, part)
    if isinstance(expected, Equation) and isinstance(given, Equation):
        return equivalent_equations(expected, given, part.variables, part.unknown or None)
    if isinstance(expected, Equation):
        raise AnswerError("expected an equation (with '=')")
    if isinstance(given, Equation):
        asked = _asked(expected, part)
        if asked is not None:  # 'V in terms of J' answered as J = (V + ln 4)/2: the same relation?
            return equivalent_equations(Equation(asked, expected), given, part.variables, asked.name)
        if not given.lhs.is_Symbol:
            raise AnswerError("expected an expression, not an equation")
        given = given.rhs  # 'D = a/(a+b)' answers with its right-hand side
    return equivalent_expressions(expected, given, part.variables)


def _asked(expected, part):
    """The quantity an expression part asks for, where the declared variables show it: the one
    variable the key is not written in ('V in terms of J' has the key 2J - log 4, so V)."""
    free = expected.free_symbols
    candidates = [s for s in part.variables.symbols.values() if s not in free]
    return candidates[0] if len(candidates) == 1 else None


class Expression(Computed):
    name = "expression"
    response = Response.FORMULA
    fields = COMPUTED | {"unknown": NAME, "lines": LINES, "define": {"type": "object", "additionalProperties": MATH}}
    answer_lines = 3  # where a written surface (Moodle's essay box) needs a height

    def build(self, template, spec, context, rng, path, part) -> None:
        super().build(template, spec, context, rng, path, part)
        part.lines = spec.get("lines", self.answer_lines)
        part.unknown = spec.get("unknown", "")
        part.definitions = {}
        for name, text in spec.get("define", {}).items():
            where = path + ("define", name)
            rendered = template.render(str(text), context, where)
            symbol = part.variables.symbols.get(name)
            if symbol is None:
                template.fail(f"define: {name!r} is not one of the part's variables", where)
            part.definitions[symbol] = template.parse_rendered(rendered, context, where, part.variables)

    def value(self, template, text, context, path, variables):
        """The key (or a misconception) and its text, a parameter named in it written as its value."""
        rendered = template.render(text, context, path)
        value = template.parse_rendered(rendered, context, path, variables)
        return value, template.written_out(rendered, context, variables)

    def check(self, variant, part, answer) -> Verdict:
        symbols = student_symbols(variant, part)
        reading = read_math(str(answer), symbols, allow_new_symbols=False)
        given = reading.value
        verdict = self.judge(part, given, variant.context)
        verdict.understood = reading
        if verdict.status == "incorrect" and not verdict.misconception and _rounded(part, str(answer), symbols):
            verdict.message = ROUNDED_MESSAGE
        return verdict

    def judge(self, part, given, context) -> Verdict:
        result = compare(part.answer, given, part)
        if result.equivalent:
            details = {"method": result.method, "why": result.reason}
            return Verdict("correct", part.points, part.points, "correct", details=details)
        matches = lambda target: compare(target, given, part).equivalent
        hit = mistake_verdict(part, expression_slips(part, context), matches)
        if hit:
            return hit
        reason = result.reason
        asked = None if isinstance(part.answer, Equation) or isinstance(given, Equation) else _asked(part.answer, part)
        if asked is not None and asked in given.free_symbols:
            reason = f"your answer contains {asked}, the quantity asked for: write it without {asked}"
        return Verdict("incorrect", 0.0, part.points, "incorrect: " + reason, details={"method": result.method})


ROUNDED_MESSAGE = (
    "incorrect: right apart from a rounded decimal; write exact values (log(4), 1/3, sqrt(2)) instead of decimals"
)


def _rounded(part, text, symbols) -> bool:
    expected = part.answer
    if isinstance(expected, Equation):
        return False
    return only_rounded(expected, text, symbols, part.variables)


PART = Expression()
