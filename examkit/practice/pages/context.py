"""What every page of one practice app shares: the bank, the syllabus, who is asking and where
their progress is (`access`: practice/access.py locally, classroom/access.py in class mode), the
clock and the server's settings; one per app (`app.extensions`), reached with `here()`."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date

from flask import abort, current_app, g

from ...bank.figures import seeds_drawing_every_run
from ...bank.identity import VariantIdentity, realize
from ...exam.preview import question_view
from ...kept import Kept
from ...study import progress
from ...study.store import ProgressStore

KEY = "examkit"
VARIANTS_KEPT = 1024


@dataclass
class Practice:
    bank: object
    syllabus: dict
    access: object  # LocalAccess, or class mode's Members: admit, store, form_token, who
    exam_date: date | None  # --exam-date: the plan's date until the student sets their own
    mock_spec: str | None  # the mock exam offered first
    clock: Callable[[], float]
    mocks: dict | None = None  # name -> MockChoice, the only mocks offered; None: the bundled ones and own specs
    objectives: dict = field(init=False)
    items: dict = field(init=False)
    _variants: Kept = field(init=False, default_factory=lambda: Kept(VARIANTS_KEPT), repr=False)
    _views: Kept = field(init=False, default_factory=lambda: Kept(VARIANTS_KEPT), repr=False)

    def __post_init__(self):
        self.objectives = self.syllabus.get("objectives", {})
        self.items = self.syllabus.get("items", {})

    def topics(self) -> list[tuple[str, str]]:
        return [(t, self.bank.topic_titles.get(t, t)) for t in self.bank.topics]

    def variant_of(self, qid: str, seed: int):
        """The variant a page shows; 404 for a question the bank does not have. Realizing one takes
        about 12 ms and a question's pages (the question, its previews, Check) ask for the same one
        in turn, so the process keeps the last VARIANTS_KEPT (the same identity, the same variant)."""
        self.known(qid)
        return self._variants.get((qid, int(seed)), lambda: realize(self.bank, VariantIdentity(qid, seed)))

    def view_of(self, v) -> dict:
        """The variant's HTML view (`exam/preview.question_view`: its math typeset, its figures
        drawn), made once per process as the variant is: a question's page, its result and its
        review show the same one, and pages only read it."""
        return self._views.get((v.qid, int(v.seed)), lambda: question_view(None, None, v.qid, v.seed, v))

    def warm(self):
        """Realize and view a variant of every question, and one for each run a question's figures
        can plot: the imports, sympy's caches and every run's figure (100-300 ms of matplotlib each)
        that a server worker would otherwise make on its first requests (a class server does this
        once, before its workers fork)."""
        for template in self.bank:
            for seed in seeds_drawing_every_run(template):
                self.view_of(self.variant_of(template.id, seed))

    def known(self, qid: str):
        if qid not in self.bank.templates:
            abort(404, f"no question {qid!r}")

    def new_session(self) -> str:
        """One answer form's session: unique, so its self-marks are recorded once."""
        return f"web-{int(self.clock())}-{secrets.token_hex(4)}"

    def plan_date(self) -> date | None:
        """The exam date the plan aims at: the student's own (set on the progress page), else --exam-date."""
        return progress.plan_date(store().setting(progress.EXAM_DATE), self.exam_date)


def here() -> Practice:
    return current_app.extensions[KEY]


def store() -> ProgressStore:
    """This request's progress: every query of the request on one connection of the pool (`pinned`),
    given back when the request ends."""
    if "store" not in g:
        held = ExitStack()
        g.store = held.enter_context(here().access.store().pinned())
        g.store_held = held
    return g.store


def close_store(_exc=None):
    held = g.pop("store_held", None)
    if held is not None:
        held.close()
        g.pop("store").close()
