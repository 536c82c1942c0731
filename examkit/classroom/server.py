"""`examkit class serve`: the class's practice app under gunicorn, several worker processes on one
listening socket, every student's progress in one database.

The arrangement, and why:
- Sync workers. Each worker process answers one request at a time on its main thread, so an
  answer is checked right there (practice/checks.py runs `check_answer` in the caller when no
  checker pool was started) and the checker's CPU-time limits, which are signals only a main
  thread receives, hold. No checker pool per worker: no second set of processes to start after
  the fork, to restart when one dies, or to leave behind when a worker is killed. More students
  at once need more workers (`--workers`), as with any sync gunicorn; a reverse proxy in front
  (docs/CLASS.md) buffers slow clients so that none holds a worker.
- The app is built once, in the master, before the fork: the bank is read once and shared
  copy-on-write. The master migrates the database and makes the rate-limit table with an engine
  of its own that it closes before any worker starts; each worker then opens its own engine on
  its first request (classroom/access.py), so no connection is ever shared across a fork.
- A worker that dies (killed, out of memory) is replaced by the master; every answer a student
  was told about was committed before its page was sent (study/store.py), so none is lost.
- The socket is bound here, so a port that is taken is a `UsageError` naming it, and `--port 0`
  picks a free one, printed with the address.
"""

from __future__ import annotations

import gc
import socket

from ..errors import UsageError
from ..practice.pages.context import KEY
from ..study.store import ProgressStore
from . import limits, lti_store

TIMEOUT_S = 120  # a worker silent this long is restarted (a mock hand-in checks every answer in one request)


def prepare(database: str) -> str:
    """Before the workers: the schema at its newest revision, the rate-limit and LTI tables; returns
    where the database is (its URL without the password)."""
    store = ProgressStore(database)
    try:
        limits.create(store)
        lti_store.create(store)
        return store.where
    finally:
        store.close()


def _warm_up(app):
    """In the master, before the fork, what every new worker would otherwise do on its first
    requests, while a class signs in at once (a cold worker answered them 4-10 times slower):
    import matplotlib's pyplot (a second and more on a worker's first figure), compile every page's
    template, and realize and view a variant of every question."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html.j2")):
        app.jinja_env.get_template(name)
    app.extensions[KEY].warm()
    gc.collect()
    gc.freeze()  # what the master made is never collected: a worker's full collections skip it (200 ms -> 100 ms)


def run(app, host: str, port: int, workers: int, title: str, where: str) -> int:
    """Serve `app` until Ctrl-C or SIGTERM; returns gunicorn's exit status (0: stopped as asked)."""
    from gunicorn.app.base import BaseApplication

    _warm_up(app)

    try:
        bound = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port} ({exc}); pass --port or --host") from None
    url = f"http://{f'[{host}]' if ':' in host else host}:{bound.getsockname()[1]}/"
    listening = bound.detach()  # gunicorn's from here on: it listens on it, and closes it when it stops
    announce = f"{title}: class server on {url} ({workers} worker processes, progress in {where}; Ctrl-C stops it)"
    options = {
        "bind": [f"fd://{listening}"],
        "workers": workers,
        "worker_class": "sync",
        "timeout": TIMEOUT_S,
        "graceful_timeout": 10,
        "preload_app": True,
        "proc_name": "examkit-class",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "secure_scheme_headers": {},  # forwarded headers are trusted in one place: the app's ProxyFix
        "control_socket_disable": True,  # no control socket in $HOME: two courses' servers never meet there
        "when_ready": lambda server: print(announce, flush=True),
    }

    class ClassServer(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:  # an older gunicorn lacks the newest settings
                    self.cfg.set(key, value)

        def load(self):
            return app

    try:
        ClassServer().run()
    except SystemExit as exc:  # gunicorn's master ends by exiting
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
