"""Signing in without passwords: each member's personal link carries a signed, expiring token
(itsdangerous, keyed by the course's secret), written to a CSV for a mail merge by `class links`.
Opening the link starts a session, a signed cookie (HttpOnly, SameSite=Lax, Secure behind TLS).

`sign_in(member)` is the one place a session starts: the link's page calls it, and so will an LMS
launch (LTI). A session holds only the member's id and the form token of its CSRF check; what the
member may do is looked up in the course on every request (classroom/access.py), so taking someone
off the roster takes effect at the server's next start, even for browsers already signed in."""

from __future__ import annotations

import secrets
from datetime import datetime
from urllib.parse import urlparse

from flask import Blueprint, abort, redirect, render_template, request, session
from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import UsageError
from ..practice.pages.context import here
from .course import Course, Member

LINK_SALT = "examkit-sign-in-link"  # a link's token is never a session cookie, nor the reverse
DAY_S = 86400.0
MAX_DAYS = 366
CHANGED = (
    "This sign-in link is not valid: it was changed, cut short, or made for another course. Open the whole "
    "link from your e-mail, or ask your instructor for a new one."
)

pages = Blueprint("signin", __name__)


class Refused(Exception):
    """A sign-in link that opens no session; the message says why, in the member's words."""


def link_token(course: Course, member_id: str, expires: float) -> str:
    return URLSafeSerializer(course.secret, salt=LINK_SALT).dumps({"id": member_id, "exp": int(expires)})


def member_of(course: Course, token: str, now: float) -> Member:
    """The member a link's token signs in; Refused for a forged or altered token, an expired one,
    or one for someone not (or no longer) on the course."""
    try:
        data = URLSafeSerializer(course.secret, salt=LINK_SALT).loads(token)
    except BadSignature:
        raise Refused(CHANGED) from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("exp"), int):
        raise Refused(CHANGED)
    if data["exp"] < now:
        ended = datetime.fromtimestamp(data["exp"]).strftime("%Y-%m-%d %H:%M")
        raise Refused(f"This sign-in link expired on {ended}: ask your instructor for a new one.")
    member = course.member(data["id"])
    if member is None:
        raise Refused("This sign-in link is for someone who is not on this course: ask your instructor.")
    return member


def links(course: Course, base_url: str, days: float, now: float) -> list[dict]:
    """Every member's personal link (students, then instructors), valid for `days` from `now`."""
    address = urlparse(base_url)
    if address.scheme not in ("http", "https") or not address.netloc or address.query or address.fragment:
        raise UsageError(f"--base-url {base_url!r}: give the server's address, e.g. https://practice.example.edu")
    if address.scheme == "http" and course.secure_cookies:
        raise UsageError(
            f"--base-url {base_url!r}: the session cookie travels over HTTPS only (secure_cookies: true), so an "
            "http:// link would sign no one in; give the https:// address, or set secure_cookies: false for a trial"
        )
    if not 0 < days <= MAX_DAYS:
        raise UsageError(f"--days must be more than 0 and at most {MAX_DAYS} (got {days:g})")
    expires = now + days * DAY_S
    prefix = base_url.rstrip("/") + "/signin/"
    return [
        {"id": m.id, "name": m.name, "email": m.email, "link": prefix + link_token(course, m.id, expires), "role": role}
        for role, members in (("student", course.students), ("instructor", course.instructors))
        for m in members
    ]


def sign_in(member: Member) -> None:
    """Start `member`'s session in this browser: whatever session it had is dropped first, and the
    new one gets its own form token."""
    session.clear()
    session.permanent = True  # kept for the course's session_days (PERMANENT_SESSION_LIFETIME)
    session["member"] = member.id
    session["csrf"] = secrets.token_urlsafe(32)


@pages.get("/signin/<token>")
def sign_in_link(token):
    P = here()
    course = P.access.course
    if course.secure_cookies and request.scheme != "https":
        abort(400, (
            "This server keeps sessions in HTTPS-only cookies (secure_cookies: true in CLASS.yaml), but this request "
            "came over plain http, so no session could start. Open the https:// address; behind a reverse proxy, set "
            "proxies in CLASS.yaml so its X-Forwarded-Proto is trusted (docs/CLASS.md)."))  # fmt: skip
    try:
        member = member_of(course, token, P.clock())
    except Refused as exc:
        abort(403, str(exc))
    sign_in(member)
    return redirect("/")


@pages.post("/signout")
def sign_out():
    session.clear()
    message = "You are signed out of this browser. To sign in again, open your personal sign-in link."
    return render_template("error.html.j2", title="Signed out", message=message)
