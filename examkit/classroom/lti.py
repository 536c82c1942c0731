"""Sign-in from Canvas or Moodle with LTI 1.3 (pylti1p3 does the protocol):

1. /lti/login: the platform starts an OpenID Connect login (third-party initiated); the tool sets a
   short-lived state cookie, keeps a nonce (lti_store.py) and sends the browser to the platform's
   authentication URL.
2. /lti/launch: the platform posts back a signed id_token. It is checked: the state against the
   browser's cookie, the nonce (once), the issuer and audience (a platform of CLASS.yaml, our
   client_id), the RS256 signature by the platform's keys from CLASS.yaml (nothing is fetched), the
   expiry, the deployment id, the message type and LTI version 1.3.0.
3. The member the launch names (by `roster_claim`) is signed in with `signin.sign_in`, the one place
   a session starts, and sent to the practice home, or to the launch's target within the tool.

What a member may do is the course's say alone: an LTI role of Instructor makes no one an
instructor who CLASS.yaml does not list as one; someone not on the course gets a page naming what
to ask the instructor. /lti/jwks publishes the tool's public key for the platform's registration."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, abort, jsonify, redirect, request, url_for
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfDict

from ..practice.pages.context import here
from . import lti_store
from .course import Course, Lti, Member
from .signin import sign_in

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = CLAIM + "lis"
ROSTER_IDS = {  # roster_claim -> what it is called on the page, and how a launch's claims give it
    "sub": ("LMS user id", lambda claims: claims.get("sub")),
    "person_sourcedid": ("student number (SIS id)", lambda claims: (claims.get(LIS) or {}).get("person_sourcedid")),
    "email": ("e-mail address", lambda claims: claims.get("email")),
}
REQUIRED_CLAIMS = ["exp", "iat", "sub"]  # beyond pylti1p3's checks: a token without them is refused
REFUSED = (
    "Your course site's launch of this practice server could not be checked ({why}), so you are not signed in. "
    "Open it again from the course page; if this keeps happening, tell your instructor what this page says."
)

pages = Blueprint("lti", __name__)


class Launch(FlaskMessageLaunch):
    """pylti1p3's launch; a platform given by one PEM key has that key whatever `kid` its tokens name."""

    def __init__(self, lti: Lti, tool: ToolConfDict, storage):
        super().__init__(FlaskRequest(), tool, launch_data_storage=storage)
        self._pems = {(p.issuer, p.client_id): p.public_key for p in lti.platforms if p.public_key}
        self.set_jwt_verify_options({"verify_aud": False, "require": REQUIRED_CLAIMS})  # aud: the registration's

    def get_public_key(self):
        pem = self._pems.get((self.get_iss(), self.get_client_id()))
        return (pem, "RS256") if pem else super().get_public_key()


class Registrations(ToolConfDict):
    """pylti1p3's dict of registrations, saying "not registered" as the refusal it is (LtiException)
    rather than as a bare Exception."""

    def get_iss_config(self, iss: str, client_id: str | None = None):
        try:
            return super().get_iss_config(iss, client_id)
        except LtiException:
            raise
        except Exception as exc:  # pylti1p3 raises Exception itself for an unknown issuer or client id
            raise LtiException(f"not a registered platform: {exc}") from None


def tool_config(lti: Lti) -> ToolConfDict:
    """pylti1p3's view of CLASS.yaml's platforms: the key sets given, no key set URL to fetch."""
    registrations = {}
    for p in lti.platforms:
        registrations.setdefault(p.issuer, []).append({
            "client_id": p.client_id, "deployment_ids": list(p.deployment_ids), "auth_login_url": p.auth_login_url,
            "auth_token_url": p.auth_token_url, "key_set": p.key_set or {"keys": []}, "key_set_url": None,
        })  # fmt: skip
    tool = Registrations(registrations)
    for p in lti.platforms:
        tool.set_private_key(p.issuer, lti.tool_key, client_id=p.client_id)
    return tool


def member_of_launch(course: Course, claims: dict) -> Member:
    """The course's member a validated launch names; 403 with what to ask the instructor if none."""
    label, read = ROSTER_IDS[course.lti.roster_claim]
    given = read(claims)
    given = str(given).strip() if given is not None else ""
    member = course.member_by_email(given) if course.lti.roster_claim == "email" else course.member(given)
    if member is not None:
        return member
    who = claims.get("name") or claims.get("email") or "you"
    if not given:
        abort(403, (
            f"Your course site did not send your {label}, which this practice server signs you in by, so {who} "
            f"could not be signed in. Ask your instructor to have the course site share it with the tool "
            f"(its privacy setting), or to send you a personal sign-in link."))  # fmt: skip
    abort(403, (
        f"You ({who}) are not on this course's practice roster: no one on it has the {label} {given!r}. "
        f"Ask your instructor to add your {label} {given!r} to the roster in CLASS.yaml (then restart the "
        f"server), or to send you a personal sign-in link."))  # fmt: skip


def _target(claims: dict) -> str:
    """The page a launch asks for, if it is one of this tool's (never another site's); else home."""
    wanted = urlparse(claims.get(CLAIM + "target_link_uri") or "")
    if wanted.netloc != request.host or not wanted.path.startswith("/") or wanted.path.startswith("/lti/"):
        return "/"
    return wanted.path + (f"?{wanted.query}" if wanted.query else "")


def _lti() -> tuple[Course, ToolConfDict, lti_store.LaunchTable]:
    access = here().access
    course = access.course
    storage = lti_store.LaunchTable(access.process_store(), here().clock)
    return course, tool_config(course.lti), storage


@pages.route("/lti/login", methods=["GET", "POST"])
def login():
    _, tool, storage = _lti()
    oidc = FlaskOIDCLogin(FlaskRequest(), tool, launch_data_storage=storage)
    try:
        return oidc.redirect(url_for("lti.launch", _external=True))
    except (OIDCException, LtiException) as exc:
        abort(400, f"This is not a sign-in from a course site registered with this practice server ({exc}).")


@pages.post("/lti/launch")
def launch():
    course, tool, storage = _lti()
    message = Launch(course.lti, tool, storage)
    try:
        claims = message.get_launch_data()
    except LtiException as exc:
        abort(403, REFUSED.format(why=exc))
    sign_in(member_of_launch(course, claims))
    return redirect(_target(claims))


@pages.get("/lti/jwks")
def jwks():
    """The tool's public key, as the platform's registration asks for it (its "public JWK URL")."""
    return jsonify({"keys": [Registration.get_jwk(here().access.course.lti.tool_key)]})
