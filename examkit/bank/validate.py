"""Validation of question files: structure, references, and behaviour over many seeds.

A template passes when every seed gives a variant, its own answer passes its own checker, so does
every key as the outputs print it and its worked solution's final value (`keys.py`), no
misconception answer passes, and the variants really differ from seed to seed.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import did_you_mean
from ..parts import part_type
from ..parts.check import check_answer
from .figures import check_figure_specs
from .keys import printed_key_problem
from .lint import lint
from .loader import load_file, read_templates
from .problems import BankError, Problem
from .sources import bank_sources, question_files
from .syllabus import load_syllabus
from .template import TemplateError
from .yamlio import line_of

DEFAULT_SEEDS = 200
CHECK_TIMEOUT_S = 10


@dataclass
class Report:
    files: int = 0
    templates: int = 0
    variants: int = 0
    checks: int = 0
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # give-aways (bank/lint.py): reported, not failing

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "files": self.files,
            "templates": self.templates,
            "variants": self.variants,
            "checks": self.checks,
            "problems": [str(p) for p in self.problems],
            "warnings": [str(w) for w in self.warnings],
        }


def own_answer(part) -> str:
    """The answer a perfect student would type, in the form the checker reads."""
    return part_type(part.type).own_answer(part)


def _misconception_answer(part, m) -> str:
    return part_type(part.type).misconception_answer(part, m)


LINT_SEEDS = 30


def check_template(template, seeds: int) -> tuple[list, int, int, list]:
    """Instantiate a template for `seeds` seeds; returns (problems, variants, checks, warnings)."""
    problems, checks, fingerprints, linted, proved = [], 0, set(), [], set()

    def report(message, path=()):
        problems.append(Problem(template.path, line_of(template.data, list(path)), f"{template.id}: {message}"))

    for seed in range(seeds):
        try:
            variant = template.variant(seed)
        except TemplateError as exc:
            report(f"seed {seed}: {exc}", exc.path)
            return problems, seed, checks, []
        if seed < LINT_SEEDS:
            linted.append(variant)
        fingerprints.add(
            (
                variant.stem,
                tuple(p.answer_text for p in variant.parts),
                tuple(tuple(o.text for o in p.options) for p in variant.parts),
            )
        )
        for index, part in enumerate(variant.parts):
            path = ("parts", index)
            own = own_answer(part)
            verdict = check_answer(variant, part.id, own, timeout=CHECK_TIMEOUT_S)
            checks += 1
            if verdict.status not in ("correct", "manual"):
                key = path + next(((k,) for k in ("steps", "answer") if k in part.spec), ())  # the line typed
                report(
                    f"seed {seed}, part {part.id}: its own answer is judged {verdict.status}: {verdict.message}", key
                )
                return problems, seed + 1, checks, []
            printed, made = printed_key_problem(variant, part, own, proved, CHECK_TIMEOUT_S)
            checks += made
            if printed:
                message, where = printed
                report(f"seed {seed}, part {part.id}: {message}", path + where)
                return problems, seed + 1, checks, []
            for j, m in enumerate(part.misconceptions):
                verdict = check_answer(variant, part.id, _misconception_answer(part, m), timeout=CHECK_TIMEOUT_S)
                checks += 1
                if verdict.status == "correct":
                    report(
                        f"seed {seed}, part {part.id}: misconception {m.name!r} answer is accepted as correct",
                        path + ("misconceptions", j),
                    )
                    return problems, seed + 1, checks, []
    if seeds >= 10 and len(fingerprints) < 2:
        report(f"gives the same variant for all {seeds} seeds: randomize numbers or structure", ("params",))
    warnings = [Problem(template.path, line_of(template.data, list(path)), f"{template.id}: {message}")
                for message, path in lint(template, linted)]  # fmt: skip
    return problems, seeds, checks, warnings


def _reference_problems(templates, syllabus) -> list:
    objectives, items = set(syllabus["objectives"]), set(syllabus["items"])
    problems = []
    for t in templates:
        for key, known, label in (("objectives", objectives, "objective"), ("covers", items, "syllabus item")):
            for i, name in enumerate(t.data.get(key, [])):
                if name not in known:
                    message = f"{t.id}: unknown {label} {name!r}{did_you_mean(name, known)}"
                    problems.append(Problem(t.path, line_of(t.data, [key, i]), message))
        ids = [p["id"] for p in t.data["parts"]]
        for i, pid in enumerate(ids):
            if ids.index(pid) != i:
                problems.append(
                    Problem(t.path, line_of(t.data, ["parts", i, "id"]), f"{t.id}: duplicate part id {pid!r}")
                )
        for message, path in check_figure_specs(t):
            problems.append(Problem(t.path, line_of(t.data, list(path)), f"{t.id}: {message}"))
    return problems


def _check_job(args):
    path, qid, seeds = args
    templates, _, _ = load_file(path)
    template = next(t for t in templates if t.id == qid)
    return check_template(template, seeds)


def validate(
    paths=None, seeds: int = DEFAULT_SEEDS, jobs: int = 1, progress_factory=None, bundled: bool = True
) -> Report:
    """Check the question files of `paths` (default: the bundled bank) against the bank they join:
    their ids against the bundled bank's (unless `bundled` is False) and their objectives and items
    against the merged syllabus (the bundled one and each named folder's syllabus.yaml).
    `progress_factory(total)` returns a callable ticked once per template checked."""
    report = Report()
    sources = bank_sources(paths, bundled or not paths)
    named = {f.resolve() for f in question_files(paths)} if paths else None
    everything, problems, _ = read_templates([f for s in sources for f in s.question_files()])
    templates = [t for t in everything if named is None or Path(t.path).resolve() in named]
    report.files = len(named) if named is not None else len(question_files())
    report.problems.extend(problems)
    report.templates = len(templates)
    try:
        syllabus = load_syllabus(sources)
    except BankError as exc:
        report.problems.extend(exc.problems)
        syllabus = {"objectives": {}, "items": {}}
    report.problems.extend(_reference_problems(templates, syllabus))
    progress = progress_factory(len(templates)) if progress_factory else None
    work = [(t.path, t.id, seeds) for t in templates]
    if jobs > 1 and len(work) > 1:
        with ProcessPoolExecutor(jobs) as pool:
            results = pool.map(_check_job, work)
            results = list(_tick(results, progress))
    else:
        results = list(_tick((check_template(t, seeds) for t in templates), progress))
    for problems, variants, checks, warnings in results:
        report.problems.extend(problems)
        report.warnings.extend(warnings)
        report.variants += variants
        report.checks += checks
    return report


def _tick(iterable, progress):
    for item in iterable:
        if progress:
            progress()
        yield item
