"""A question template and its seeded variants.

A variant is everything a student sees and everything a grader needs: drawn parameters, rendered
stem and prompts, computed answers, misconception answers, shuffled options, worked solutions.
The same (question id, seed) always gives the same variant.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

import sympy as sp

from .. import parts as registry  # the part types (a module import: they build with this one)
from ..checking.equivalence import Variables
from ..checking.parse import AnswerError, Equation, parse_math
from ..errors import NotFound, did_you_mean
from ..markup.numbers import KEY_FIGURES, format_number
from .formula_values import values_written
from .functions import FUNCTIONS
from .render import explain_render_error, render
from .runs import RunsError, scenario_runs

MAX_DRAWS = 2000


class TemplateError(Exception):
    """A template that cannot produce a variant; `path` locates the field inside the question."""

    def __init__(self, message, path=()):
        super().__init__(message)
        self.path = tuple(path)


def variant_seed(qid: str, seed: int | str) -> int:
    digest = hashlib.sha256(f"{qid}|{seed}".encode()).hexdigest()
    return int(digest[:16], 16)


@dataclass
class Option:
    key: str  # stable id: index in the template's option list
    letter: str
    text: str
    correct: bool
    feedback: str
    role: str = "other"


@dataclass
class Misconception:
    name: str
    value: object  # float (numeric) or sympy expression/equation text
    text: str
    feedback: str


@dataclass
class PartVariant:
    id: str
    type: str
    points: float
    prompt: str
    spec: dict
    answer: object = None  # float | sympy expr | list of option letters | None (short)
    answer_text: str = ""
    answer_latex: str = ""
    variables: Variables | None = None
    start: str = ""
    steps: list = field(default_factory=list)
    options: list = field(default_factory=list)
    misconceptions: list = field(default_factory=list)
    rubric: list = field(default_factory=list)
    solution: str = ""
    hints: list = field(default_factory=list)
    unit: str = ""
    # Typed fields the part type resolves once (defaults applied): outputs read these, not `spec`.
    tolerance: dict | None = None  # number: abs / rel / sigfigs
    half_credit: bool = True  # number: a key rounded to too few figures earns half (False: nothing)
    select: str = ""  # options: "single" or "multiple"
    partial: str = ""  # options: how partial credit is given
    lines: int = 0  # steps, text: lines of answer space on paper and in Moodle
    dimension: str = ""  # computed parts: the parameter that counts summed items (sum/mean slips)
    fraction_of: str = ""  # number: the key is a count out of this parameter (miscount, not slips)
    unknown: str = ""  # steps: the unknown an equation is solved for
    formula: str = ""  # computed parts: the key's formula as the bank writes it (before rendering)
    definitions: dict = field(default_factory=dict)  # formula: symbol -> what the stem defines it as
    label: str = ""  # what paper and screen print: (a), (b), ... in order; "" for a one-part question

    @property
    def step_link(self) -> str:
        """What joins a derivation's model steps when shown: '=' between equal expressions, '⇒'
        between equations solved for the unknown."""
        return "⇒" if self.unknown else "="

    @property
    def response(self) -> str:
        """The kind of response the part asks for (`parts/base.py`): what outputs switch on."""
        return registry.part_type(self.type).response

    def student_json(self) -> dict:
        data = {"id": self.id, "type": self.type, "points": self.points, "prompt": self.prompt}
        if self.unit:
            data["unit"] = self.unit
        if self.options:
            data["select"] = self.select
            data["options"] = [{"letter": o.letter, "text": o.text} for o in self.options]
        if self.response == "steps":
            data["start"] = self.start
        return data

    def to_json(self) -> dict:
        data = {
            "id": self.id,
            "type": self.type,
            "points": self.points,
            "prompt": self.prompt,
            "answer": self.answer_text,
            "solution": self.solution,
            "hints": self.hints,
        }
        if self.answer_latex:
            data["answer_latex"] = self.answer_latex
        if self.unit:
            data["unit"] = self.unit
        if self.options:
            data["select"] = self.select
            data["options"] = [
                {"letter": o.letter, "text": o.text, "correct": o.correct, "feedback": o.feedback, "role": o.role}
                for o in self.options
            ]
        if self.response == "steps":
            data["start"] = self.start
            data["steps"] = self.steps
        if self.rubric:
            data["rubric"] = self.rubric
        if self.misconceptions:
            data["misconceptions"] = [
                {"name": m.name, "answer": m.text, "feedback": m.feedback} for m in self.misconceptions
            ]
        return data


@dataclass
class Variant:
    qid: str
    seed: int | str
    title: str
    topic: str
    objectives: list
    covers: list
    difficulty: str
    stem: str
    params: dict
    parts: list
    solution: str
    hints: list
    figures: list  # figure specs with the drawn context, rendered on demand
    context: dict
    # Drawn parameters whose symbol the student sees in the stem or a prompt (e.g. \beta next to its
    # value): only these may be typed by name in an answer. Derived values never may.
    shown: tuple = ()
    # The cached reference run behind each `{run: scenario}` parameter: {name: record}, for figures.
    runs: dict = field(default_factory=dict)

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts)

    def part(self, part_id: str | None) -> PartVariant:
        if part_id is None:
            if len(self.parts) == 1:
                return self.parts[0]
            raise NotFound(f"question {self.qid} has parts {', '.join(p.id for p in self.parts)}: name one")
        for p in self.parts:
            if p.id == part_id:
                return p
        raise NotFound(f"question {self.qid} has no part {part_id!r} (parts: {', '.join(p.id for p in self.parts)})")

    def to_json(self, student: bool = False) -> dict:
        """The whole variant; with `student`, only what the student sees (stem, prompts, options,
        a derivation's start): no parameters, answers, solutions, misconceptions or hints."""
        if student:
            return {
                "id": self.qid,
                "seed": self.seed,
                "title": self.title,
                "points": self.points,
                "stem": self.stem,
                "parts": [p.student_json() for p in self.parts],
                "figures": [f["id"] for f in self.figures],
            }
        return {
            "id": self.qid,
            "seed": self.seed,
            "title": self.title,
            "topic": self.topic,
            "objectives": self.objectives,
            "difficulty": self.difficulty,
            "points": self.points,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "stem": self.stem,
            "parts": [p.to_json() for p in self.parts],
            "solution": self.solution,
            "hints": self.hints,
            "figures": [f["id"] for f in self.figures],
        }


_MATH = re.compile(r"\$\$?(.+?)\$?\$", re.S)


def shown_parameters(names, texts) -> tuple:
    """The parameter names that appear as symbols inside the math of the given texts."""
    math = " ".join(m for text in texts for m in _MATH.findall(text or ""))
    return tuple(
        name
        for name in names
        if re.search(rf"\\{re.escape(name)}(?![A-Za-z])|(?<![A-Za-z\\]){re.escape(name)}(?![A-Za-z])", math)
    )


def _jsonable(value):
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, sp.Basic):
        if value.is_Integer:
            return int(value)
        if value.is_number:
            return float(value.evalf(17))
        return str(value)
    return value


def to_float(value) -> float:
    return float(sp.N(value, 20))


class QuestionTemplate:
    def __init__(self, data: dict, path: str, topic: str):
        self.data = data
        self.path = path
        self.topic = topic
        self.id = data["id"]
        self.title = data["title"]
        self.objectives = list(data.get("objectives", []))
        self.covers = list(data.get("covers", []))
        self.difficulty = data.get("difficulty", "medium")
        self.line = getattr(data, "line", 1)

    @property
    def points(self) -> float:
        return sum(p["points"] for p in self.data["parts"])

    @property
    def part_types(self) -> list:
        return [p["type"] for p in self.data["parts"]]

    # --- parameters ------------------------------------------------------------------------
    def draw(self, seed) -> dict:
        rng = random.Random(variant_seed(self.id, seed))
        constraints = self.data.get("constraints", [])
        last_error = None
        for _ in range(MAX_DRAWS):
            context = {}
            for name, spec in self.data.get("params", {}).items():
                if "run" in spec:
                    context.update(self._draw_run(name, spec, rng))
                    continue
                context[name] = _draw_param(name, spec, rng)
                if isinstance(context[name], list):
                    for i, v in enumerate(context[name], 1):
                        context[f"{name}_{i}"] = v
            try:
                # a derived value undefined for this draw (log 0) rejects the draw, like a constraint
                for name, spec in self.data.get("derived", {}).items():
                    context[name] = self._derive(name, spec, context)
            except TemplateError as exc:
                last_error = exc
                continue
            if all(self._holds(c, i, context) for i, c in enumerate(constraints)):
                context["_rng_state"] = rng.getstate()
                return context
        if last_error is not None:
            raise last_error
        raise TemplateError(f"constraints are never satisfied after {MAX_DRAWS} draws", ("constraints",))

    def cached_runs(self, name, spec) -> dict:
        """{run id: record} a `{run: scenario}` parameter draws from."""
        try:
            return scenario_runs(self.path, spec["run"])
        except RunsError as exc:
            raise TemplateError(str(exc), ("params", name)) from None

    def _draw_run(self, name, spec, rng) -> dict:
        """One cached run of the scenario: its id as `name`, each of its numbers as `name_key`."""
        runs = self.cached_runs(name, spec)
        run_id = rng.choice(sorted(runs))
        drawn = {name: run_id}
        drawn.update({f"{name}_{key}": _exact(value) for key, value in runs[run_id]["numbers"].items()})
        return drawn

    def _derive(self, name, spec, context):
        path = ("derived", name)
        if isinstance(spec, dict):
            fn = FUNCTIONS.get(spec["fn"])
            if fn is None:
                hint = did_you_mean(spec["fn"], FUNCTIONS)
                raise TemplateError(
                    f"unknown function {spec['fn']!r}{hint}; known: {', '.join(sorted(FUNCTIONS))}", path
                )
            args = [self._arg(a, context, path) for a in spec["args"]]
            try:
                return sp.sympify(fn(*args))
            except Exception as exc:  # a bank author's mistake, reported with its place
                raise TemplateError(f"{spec['fn']} failed: {exc}", path) from None
        return self.number(spec, context, path)

    def _arg(self, arg, context, path):
        if isinstance(arg, list):
            return [self._arg(a, context, path) for a in arg]
        if isinstance(arg, str) and arg in context:
            return context[arg]
        return self.number(arg, context, path)

    def number(self, text, context, path):
        """Evaluate a math string over the drawn parameters to an exact sympy number."""
        value = self.expression(text, context, path, Variables())
        if isinstance(value, Equation) or not value.is_number:
            raise TemplateError(f"{text!r} is not a number once parameters are drawn", path)
        return value

    def expression(self, text, context, path, variables: Variables):
        return self._parse(self.render(text, context, path), context, path, variables)

    def _parse(self, rendered, context, path, variables: Variables):
        symbols = {k: v for k, v in context.items() if isinstance(v, sp.Basic)}
        symbols.update(variables.symbols)
        try:
            return parse_math(rendered, symbols, allow_new_symbols=False)
        except AnswerError as exc:
            raise TemplateError(f"cannot read {rendered!r}: {exc}", path) from None

    def render(self, text, context, path) -> str:
        try:
            return render(text, context)
        except Exception as exc:
            raise TemplateError(f"template error: {explain_render_error(exc, text, context)}", path) from None

    def _holds(self, constraint, index, context) -> bool:
        path = ("constraints", index)
        m = re.fullmatch(r"(.+?)(<=|>=|!=|==|<|>)(.+)", constraint)
        if not m:
            raise TemplateError(f"constraint {constraint!r} needs one comparison (<, <=, >, >=, ==, !=)", path)
        left = to_float(self.number(m.group(1), context, path))
        right = to_float(self.number(m.group(3), context, path))
        op = m.group(2)
        return {
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
            "==": abs(left - right) < 1e-12,
            "!=": abs(left - right) >= 1e-12,
        }[op]

    # --- variants --------------------------------------------------------------------------
    def variant(self, seed) -> Variant:
        context = self.draw(seed)
        rng = random.Random()
        rng.setstate(context.pop("_rng_state"))
        declared = self.data.get("params", {})
        params = {k: v for k, v in context.items() if k in declared or k in self.data.get("derived", {})}
        runs = {name: self.cached_runs(name, spec)[context[name]] for name, spec in declared.items() if "run" in spec}
        parts = [self._part(spec, i, context, rng) for i, spec in enumerate(self.data["parts"])]
        for part, label in zip(parts, part_labels(len(parts))):
            part.label = label
        stem = self.render(self.data["stem"], context, ("stem",))
        shown = shown_parameters(self.data.get("params", {}), [stem, *(p.prompt for p in parts)])
        return Variant(
            qid=self.id,
            seed=seed,
            title=self.title,
            topic=self.topic,
            objectives=self.objectives,
            covers=self.covers,
            difficulty=self.difficulty,
            stem=stem,
            params=params,
            parts=parts,
            solution=self.render(self.data.get("solution", ""), context, ("solution",)),
            hints=[self.render(h, context, ("hints", i)) for i, h in enumerate(self.data.get("hints", []))],
            figures=list(self.data.get("figures", [])),
            context=context,
            shown=shown,
            runs=runs,
        )

    def _part(self, spec, index, context, rng) -> PartVariant:
        path = ("parts", index)
        part = PartVariant(
            id=spec["id"],
            type=spec["type"],
            points=spec["points"],
            spec=spec,
            prompt=self.render(spec.get("prompt", ""), context, path + ("prompt",)),
            solution=self.render(spec.get("solution", ""), context, path + ("solution",)),
            hints=[self.render(h, context, path + ("hints", i)) for i, h in enumerate(spec.get("hints", []))],
            unit=spec.get("unit", ""),
            dimension=spec.get("dimension", ""),
            fraction_of=spec.get("fraction_of", ""),
        )
        registry.part_type(spec["type"]).build(self, spec, context, rng, path, part)  # the type's own fields
        return part

    # --- helpers the part types build with (examkit/parts/) ---------------------------------
    def numeric_value(self, text, context, path) -> tuple[float, str]:
        exact = self.number(text, context, path)
        return to_float(exact), format_number(exact, KEY_FIGURES)  # the key every output prints

    def parse_rendered(self, rendered, context, path, variables):
        return self._parse(rendered, context, path, variables)

    def written_out(self, rendered, context, variables: Variables) -> str:
        """A formula as the student reads it: parameters by value (`m*x` as `3*x`, formula_values.py)."""
        return values_written(rendered, context, variables.symbols)

    def misconception(self, name, value, text, feedback, context, path) -> Misconception:
        return Misconception(name, value, text, self.render(feedback, context, path))

    def option(self, key, text, correct, feedback, role) -> Option:
        return Option(key, "", text, correct, feedback, role)

    def fail(self, message, path):
        raise TemplateError(message, path)


def part_labels(count: int) -> list[str]:
    """The printed labels of a question's parts: none for one part, else a, b, c, ... as the exam
    class numbers them. Students answer by these, so grading reads them too."""
    return [""] if count == 1 else [chr(ord("a") + i) for i in range(count)]


def _draw_param(name, spec, rng):
    count = spec.get("vector")
    if count:
        return [_draw_scalar(spec, rng) for _ in range(count)]
    return _draw_scalar(spec, rng)


def _exact(value):
    """Numbers (and lists of numbers) as exact sympy rationals; strings stay strings."""
    if isinstance(value, list):
        return [_exact(v) for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return sp.Rational(str(value))


def _draw_scalar(spec, rng):
    if "choice" in spec:
        return _exact(rng.choice(list(spec["choice"])))
    if "int" in spec:
        lo, hi = spec["int"]
        step = int(spec.get("step", 1))
        return sp.Integer(rng.randrange(lo, hi + 1, step))
    lo, hi = spec["uniform"]
    if "step" in spec:
        step = sp.Rational(str(spec["step"]))
        count = int((sp.Rational(str(hi)) - sp.Rational(str(lo))) / step)
        return sp.Rational(str(lo)) + step * rng.randint(0, count)
    decimals = spec.get("decimals", 2)
    return sp.Rational(f"{rng.uniform(lo, hi):.{decimals}f}")
