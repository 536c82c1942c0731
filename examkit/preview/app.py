"""`examkit bank preview`: every template of a folder of question files in the browser, as the
author writes them: key, worked solution, option feedback, misconceptions, hints and parameters of
any seed, with the file's `validate` problems beside it.

Files are read again on each request where their content changed, and each page asks `/api/state`
every second whether the folder (or a validation report) changed; when it did, the page fetches
itself again and swaps its content in place, so a saved edit shows without a reload or a restart.
The pages only read: there is nothing to post.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Flask, abort, g, jsonify, redirect, render_template, url_for

from ..markup.numbers import format_number
from ..practice import server
from ..resources import bundled
from .folder import Folder
from .validation import PREVIEW_SEEDS, Validations
from .view import variant_page

KEY = "examkit-preview"


class Preview:
    """What every page of one preview server shares."""

    def __init__(self, path, seed: int, seeds: int):
        self.folder = Folder(path)
        self.seed = seed  # where "new variant" starts
        self.validations = Validations(seeds)

    def state(self) -> str:
        """Changes when a file changes, and when a validation report is done."""
        files = " ".join(f"{f.name}:{f.digest}:{self.validations.done(f)}" for f in self.folder.files())
        return hashlib.sha256(files.encode()).hexdigest()[:16]


def create_app(path, seed: int = 0, seeds: int = PREVIEW_SEEDS) -> Flask:
    """The preview of a folder (or one file) of questions."""
    app = Flask(__name__, template_folder=str(bundled("templates")))
    app.jinja_env.autoescape = True  # every value escaped; bank HTML (MathML) is marked |safe
    preview = app.extensions[KEY] = Preview(path, seed, seeds)

    @app.before_request
    def note_state():  # before the page reads the files: an edit during the request shows at the next poll
        g.state = preview.state()

    @app.context_processor
    def common():
        return {
            "folder": str(preview.folder.path),
            "state": g.get("state", ""),
            "fmt": format_number,
            "seeds": preview.validations.seeds,
        }

    @app.get("/")
    def index():
        files = preview.folder.files()
        reports = {f.name: preview.validations.report(f) for f in files}
        return render_template("preview/index.html.j2", files=files, reports=reports, seed=preview.seed)

    @app.get("/t/<name>/<qid>")
    def first_variant(name, qid):
        return redirect(url_for("variant", name=name, qid=qid, seed=preview.seed))

    @app.get("/t/<name>/<qid>/<int:seed>")
    def variant(name, qid, seed):
        source = preview.folder.file(name)
        if source is None:
            abort(404, f"no question file {name} in {preview.folder.path}")
        template = source.template(qid)
        page, problems = variant_page(template, seed) if template else (None, [])
        return render_template(
            "preview/template.html.j2",
            source=source,
            qid=qid,
            template=template,
            seed=seed,
            page=page,
            problems=problems,
            report=preview.validations.report(source),
        ), 200 if template or source.problems else 404  # fmt: skip

    @app.get("/api/state")
    def state():
        return jsonify({"state": g.state})

    app.register_error_handler(
        404, lambda exc: (render_template("preview/missing.html.j2", message=exc.description), 404)
    )
    return app


def serve(app: Flask, host: str = "127.0.0.1", port: int = 8766, open_browser: bool = False) -> str:
    """Serve until Ctrl-C; the validation worker stops with the server. The pages' polls are not
    logged: one line a second per open page would bury the requests worth reading."""
    preview = app.extensions[KEY]
    logging.getLogger("werkzeug").addFilter(lambda record: "/api/state" not in record.getMessage())
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"note: the pages show answer keys to anyone who can reach {host}:{port}", flush=True)
    try:
        return server.run(app, host, port, open_browser, f"preview of {preview.folder.path}")
    finally:
        preview.validations.close()
