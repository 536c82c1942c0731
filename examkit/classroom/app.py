"""The class's practice app: the student's practice app (practice/app.py), every page as it is,
served to a course. Class mode adds only who is asking (access.py: a signed-in member, their own
rows of the class's database, their session's form token), the sign-in link (signin.py) and
launches from an LMS (lti.py), rate
limits on answer checks (limits.py), the course's mocks and no others, signed session cookies and
the reverse proxy's headers. The instructor's pages register here under /instructor/."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, jsonify, render_template, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ..practice.app import create_app
from ..practice.pages.context import here, store
from ..practice.pages.forms import reading
from . import dashboard, limits, lti, signin
from .access import Members
from .course import Course

INSTRUCTOR_PAGES = (
    dashboard.pages,
)  # the instructor's Blueprints, each under /instructor/ (access.py keeps students out)


def create_class_app(course: Course) -> Flask:
    """The app for `course` (read with its bank and secret). It opens no database connection: each
    server worker opens its own on its first request (access.py)."""
    access = Members(course)
    app = create_app(bank=course.bank, exam_date=course.exam_date, access=access, mocks=course.mocks)
    app.secret_key = course.secret
    app.config.update(
        SESSION_COOKIE_NAME="examkit_class",
        SESSION_COOKIE_HTTPONLY=True,  # no script reads it
        SESSION_COOKIE_SAMESITE="Lax",  # not sent with another site's POSTs
        SESSION_COOKIE_SECURE=course.secure_cookies,  # over HTTPS only
        PERMANENT_SESSION_LIFETIME=timedelta(days=course.session_days),
    )
    app.register_blueprint(signin.pages)
    if course.lti is not None:  # sign-in from an LMS (LTI 1.3), where CLASS.yaml sets it up
        app.register_blueprint(lti.pages)
    app.extensions[dashboard.COURSE] = course
    for blueprint in INSTRUCTOR_PAGES:
        app.register_blueprint(blueprint, url_prefix="/instructor")
    app.before_request(_limit_checks)  # after the app's own rules: only admitted, same-site requests count
    if course.proxies:  # the client's address, scheme and host as the proxies in front received them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=course.proxies, x_proto=course.proxies, x_host=course.proxies)
    return app


def _limit_checks():
    """429 once a student has asked for more answer checks this minute than the course allows."""
    kind = limits.KINDS.get(request.endpoint)
    if kind is None or (kind == "check" and request.method != "POST") or request.form.get("action") == "hint":
        return None
    P = here()
    limit = limits.per_minute(kind, P.access.course.checks_per_minute)
    wait = limits.take(store(), kind, limit, P.clock())
    if not wait:
        return None
    headers = {"Retry-After": str(int(wait))}
    if kind == "preview":  # the page's script shows the reason where the preview would be
        return (
            jsonify(reading(error=f"Too many previews this minute: the preview is back in {wait:.0f} s.")),
            429,
            headers,
        )
    message = (
        f"You asked for more than {limit} answer checks in a minute, the most this course allows. Nothing was "
        f"checked or recorded: wait {wait:.0f} seconds, then go back and send the answer again (it is still in the form)."
    )
    return render_template("error.html.j2", title="Too many answers at once", message=message), 429, headers
