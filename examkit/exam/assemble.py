"""Turn a spec and a roster into exam versions: which questions, which seeds, which variants.

Everything derives from (master seed, student id, question id), so rebuilding gives the same
exams; a student's questions do not change when other students join the roster.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from ..bank.identity import VariantIdentity, apply_identity, fixed_order
from ..bank.loader import Bank, Problem
from ..bank.points import split_points
from .spec import ExamSpec, SpecError, Student

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def _digest(*parts) -> bytes:
    return hashlib.sha256("|".join(map(str, parts)).encode()).digest()


def version_code(master_seed, student_id) -> str:
    """Six characters printed on every page, unique per (exam, student)."""
    number = int.from_bytes(_digest("code", master_seed, student_id)[:8], "big")
    return "".join(CODE_ALPHABET[(number >> (5 * i)) % 32] for i in range(6))


def question_seed(master_seed, student_id, qid) -> int:
    return int.from_bytes(_digest("question", master_seed, student_id, qid)[:6], "big")


@dataclass
class ExamQuestion:
    number: int
    section: str
    qid: str
    seed: int
    variant: object

    @property
    def points(self) -> float:
        return self.variant.points


@dataclass
class ExamVersion:
    student: Student
    code: str
    questions: list

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)


def students_for(spec: ExamSpec, roster=None, versions=None) -> list[Student]:
    if roster is not None:
        return roster
    count = versions or spec.versions
    if not count:
        raise SpecError(
            [Problem(spec.path, 1, "give `versions: N` or `roster: FILE` in the spec, or --versions/--roster")]
        )
    width = max(2, len(str(count)))
    return [Student(f"V{i:0{width}d}", f"Version {i}") for i in range(1, count + 1)]


def _matches(template, pool) -> bool:
    def allowed(key, value):
        wanted = pool.get(key)
        if wanted is None:
            return True
        return value in (wanted if isinstance(wanted, list) else [wanted])

    if "ids" in pool and template.id not in pool["ids"]:
        return False
    if "types" in pool and not set(template.part_types) <= set(pool["types"]):
        return False
    objective = pool.get("objective")
    if objective is not None and not set(objective if isinstance(objective, list) else [objective]) & set(
        template.objectives
    ):
        return False
    return allowed("topic", template.topic) and allowed("difficulty", template.difficulty)


def _unknown_pool_values(pool: dict, bank: Bank) -> list[str]:
    """Pool values no question has (a typo such as `topic: autoencoder`), each with the valid ones."""
    known = {
        "topic": {t.topic for t in bank},
        "difficulty": {t.difficulty for t in bank},
        "objective": {o for t in bank for o in t.objectives},
        "types": {k for t in bank for k in t.part_types},
    }
    found = []
    for key, valid in known.items():
        wanted = pool.get(key)
        values = wanted if isinstance(wanted, list) else [] if wanted is None else [wanted]
        wrong = [str(v) for v in values if v not in valid]
        if wrong:
            found.append(f"{key} {', '.join(map(repr, wrong))} is not in the bank (valid: {', '.join(sorted(valid))})")
    return found


def section_pools(spec: ExamSpec, bank: Bank) -> list[list]:
    pools, problems = [], []
    for index, section in enumerate(spec.sections):
        where = f"section {index + 1} ({section.title})"
        missing = [qid for qid in section.pool.get("ids", []) if qid not in bank.templates]
        if missing:
            problems.append(
                Problem(spec.path, section.line, f"{where}: no question(s) {', '.join(missing)} in the bank")
            )
        for message in _unknown_pool_values(section.pool, bank):
            problems.append(Problem(spec.path, section.line, f"{where}: {message}"))
        pool = sorted((t for t in bank if _matches(t, section.pool)), key=lambda t: t.id)
        if len(pool) < section.draw and not problems:
            problems.append(Problem(spec.path, section.line,
                                    f"{where}: draws {section.draw} but only {len(pool)} question(s) match {section.pool}"))  # fmt: skip
        pools.append(pool)
    if problems:
        raise SpecError(problems)
    return pools


def _scaled_points(variant, total) -> dict:
    shares = split_points([part.points for part in variant.parts], total)
    return {part.id: share for part, share in zip(variant.parts, shares)}


def build_version(spec: ExamSpec, pools, student: Student) -> ExamVersion:
    questions, number, used = [], 0, set()
    for index, (section, pool) in enumerate(zip(spec.sections, pools)):
        rng = random.Random(_digest("section", spec.master_seed, student.id, index))
        available = [t for t in pool if t.id not in used]  # overlapping pools never draw a question twice
        if len(available) < section.draw:
            raise SpecError([Problem(spec.path, section.line, (
                f"section {index + 1} ({section.title}) draws {section.draw}, but its pool shares questions with "
                f"earlier sections and only {len(available)} remain after their draws for {student.id}: make "
                "the pools disjoint or draw fewer"))])  # fmt: skip
        drawn = rng.sample(available, section.draw)
        used.update(t.id for t in drawn)
        if not spec.shuffle_questions:
            drawn.sort(key=lambda t: available.index(t))
        for template in drawn:
            number += 1
            seed = question_seed(spec.master_seed, student.id, template.id)
            drawn_variant = template.variant(seed)
            identity = VariantIdentity(
                template.id,
                seed,
                None if section.shuffle_options else fixed_order(drawn_variant),
                _scaled_points(drawn_variant, section.points) if section.points else None,
            )
            questions.append(
                ExamQuestion(number, section.title, template.id, seed, apply_identity(drawn_variant, identity))
            )
    return ExamVersion(student, version_code(spec.master_seed, student.id), questions)


def assemble(spec: ExamSpec, bank: Bank, students) -> list[ExamVersion]:
    pools = section_pools(spec, bank)
    return [build_version(spec, pools, s) for s in students]
