"""`examkit practice serve`: the practice app, a Flask application on 127.0.0.1 that works offline
(math as MathML, figures inline, no CDN) on the same progress database as the terminal drill.

Every page works without JavaScript; the script only adds the live "you typed" preview and the
mock exam's clock. State changes are POSTs carrying the form token of whoever is asking (this
server's own token locally, the session's in class mode), and a POST whose Origin is another site
is refused (cross-site request forgery). Class mode (classroom/app.py) serves these same pages to
a course, passing its own `access` (who is asking) and the mocks the course offers.
"""

from __future__ import annotations

import hmac
import time
from datetime import date
from urllib.parse import urlparse

from flask import Flask, abort, current_app, render_template, request
from markupsafe import Markup

from ..bank.loader import load_bank
from ..exam.spec import SpecError
from ..markup import to_html
from ..markup.numbers import format_number
from ..resources import bundled
from ..study.store import ProgressError
from . import checks, server
from .access import LocalAccess
from .pages import mock, progress, questions
from .pages.context import KEY, Practice, close_store
from .pages.forms import picked


def create_app(db=None, bank=None, exam_date: date | None = None, mock_spec=None, clock=time.time, access=None,
               mocks=None) -> Flask:  # fmt: skip
    """The app: its shared state, the three kinds of pages, the rules every request meets (whoever
    is asking admitted first, then same-site POSTs with their form token) and the error pages.
    `access`: who is asking (default: the one local student on `db`); `mocks`: the only mock exams
    offered, by name (default: the bundled ones, and a spec file of the student's own)."""
    bank = load_bank() if bank is None else bank
    access = LocalAccess(db) if access is None else access
    app = Flask(__name__, template_folder=str(bundled("templates") / "practice"))
    app.config.update(TEMPLATES_AUTO_RELOAD=False)
    app.jinja_env.autoescape = True  # every value is escaped (Flask's default skips *.j2); bank HTML is marked |safe
    app.jinja_env.filters["bank_html"] = lambda text: Markup(to_html(text))  # bank text kept in stored reports
    practice = Practice(bank, bank.syllabus, access, exam_date, mock_spec, clock, mocks)
    app.extensions[KEY] = practice
    for blueprint in (questions.pages, progress.pages, mock.pages):
        app.register_blueprint(blueprint)
    app.teardown_appcontext(close_store)
    app.before_request(access.admit)
    app.before_request(_refuse_cross_site)
    app.register_error_handler(ProgressError, lambda exc: _error_page("Progress not saved", str(exc), 500))
    app.register_error_handler(SpecError, lambda exc: _error_page("This exam spec cannot be used", str(exc), 400))
    for code in (400, 401, 403, 404, 429):
        app.register_error_handler(code, lambda exc: _error_page(exc.name, exc.description, exc.code))

    @app.context_processor
    def common():
        referrer = urlparse(request.referrer or "")
        return {
            "token": access.form_token(),
            "signed_in": access.who(),
            "back": request.referrer if referrer.netloc == request.host else "",
            "objective_name": lambda k: practice.objectives.get(k, k),
            "question_title": lambda qid: bank.get(qid).title if qid in bank.templates else qid,
            "fmt": format_number,
            "picked": picked,
        }

    return app


def _refuse_cross_site():
    """A POST from another site, or with a token this server did not give, changes nothing; but
    those the access names as posted by another site by design, which carry their own proof."""
    access = current_app.extensions[KEY].access
    if request.method != "POST" or request.endpoint in access.cross_site:
        return None
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlparse(origin).netloc != request.host:
        abort(403, "a request from another site was refused")

    expected = access.form_token()
    if not expected or not hmac.compare_digest(request.form.get("token", ""), expected):
        abort(403, access.stale_form)
    return None


def _error_page(title: str, message: str, code: int):
    return render_template("error.html.j2", title=title, message=message), code


def serve(app: Flask, port: int = 8765, open_browser: bool = False, bank_paths=None, workers: int = 2,
          bundled: bool = True):  # fmt: skip
    """Serve on 127.0.0.1 only, with the checks in `workers` processes."""
    checks.start(bank_paths, workers, bundled)
    try:
        return server.run(app, "127.0.0.1", port, open_browser, "practice app")
    finally:
        checks.stop()
