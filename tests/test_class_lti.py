"""Sign-in from an LMS by LTI 1.3, on a real `examkit class serve` (gunicorn, two workers) and the
throwaway PostgreSQL: the test is the platform. It holds an RSA key pair made here, answers the
tool's OpenID Connect login by signing an id_token with the nonce the tool sent, and posts it to the
launch URL from the same browser (cookie jar), so the state cookie goes with it as a browser's would.

A valid launch signs a student in (who then sees their own progress) or an instructor (who reaches
/instructor/); refused each: another key's signature, another audience, an expired token, a nonce
used twice, an unknown deployment, a missing or other state, someone not on the roster; and an
Instructor role claimed by a student gets a student's access only."""

import html
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from examkit import api
from examkit.bank.identity import VariantIdentity, realize
from examkit.bank.loader import load_bank
from examkit.classroom import lti_store
from examkit.study.shown import expected_text
from examkit.study.store import ProgressStore

ISSUER, CLIENT, DEPLOYMENT, KID = "https://lms.example.edu", "10000000000042", "7:deadbeef", "platform-2027"
AUTH_URL = "https://lms.example.edu/api/lti/authorize_redirect"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
QID, SEED = "vae-kl-1d", 3


def _key_pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    return key, private


PLATFORM, PLATFORM_PEM = _key_pair()
IMPOSTOR, IMPOSTOR_PEM = _key_pair()


@pytest.fixture(scope="module")
def server(tmp_path_factory, postgres):
    """A course with an `lti:` section: the platform's key set as a JWKS file (as its key set URL
    serves it) and the tool's own private key, mode 600."""
    folder = tmp_path_factory.mktemp("lti-course")
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PLATFORM.public_key()))
    (folder / "platform-jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": KID, "alg": "RS256"}]}))
    _, tool_pem = _key_pair()
    (folder / "lti-tool.key").write_bytes(tool_pem)
    (folder / "lti-tool.key").chmod(0o600)
    secret = folder / "class-secret.key"
    secret.write_text(os.urandom(24).hex())
    secret.chmod(0o600)
    (folder / "CLASS.yaml").write_text(f"""\
title: LTI course
roster:
  - {{id: s1, name: Ada Lovelace, email: ada@example.edu}}
  - {{id: s2, name: Blaise Pascal}}
instructors: [{{id: prof, name: The Professor}}]
secret_key_file: class-secret.key
secure_cookies: false
lti:
  tool_key_file: lti-tool.key
  platforms:
    - issuer: {ISSUER}
      client_id: {CLIENT}
      deployment_ids: ["{DEPLOYMENT}"]
      auth_login_url: {AUTH_URL}
      auth_token_url: https://lms.example.edu/login/oauth2/token
      platform_keys: platform-jwks.json
""")
    env = {**os.environ, "EXAMKIT_DATABASE_URL": postgres.database()}
    env.pop("EXAMKIT_SECRET_KEY", None)
    argv = [sys.executable, "-m", "examkit", "class", "serve", str(folder / "CLASS.yaml"), "--port", "0",
            "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    seen = []
    while not seen or not re.search(r"http://127\.0\.0\.1:\d+/", seen[-1]):
        line = proc.stdout.readline()
        assert line, "".join(seen)
        seen.append(line)
    yield re.search(r"http://127\.0\.0\.1:\d+/", seen[-1]).group(0), tool_pem, folder / "CLASS.yaml", env
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, proc.stdout.read()


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):  # the platform's authentication URL is the test's to answer
        return None


class Browser:
    """One person's browser on the tool: its own cookies; `follow=False` stops at a redirect."""

    def __init__(self, url: str):
        self.url, self.jar = url, http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.follow = urllib.request.build_opener(cookies)
        self.stay = urllib.request.build_opener(cookies, _Stay)

    def open(self, path: str, form=None, follow=True, headers=None):
        """(status, page, Location header)."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.url + path.lstrip("/"), data=data, headers=headers or {})
        try:
            with (self.follow if follow else self.stay).open(request, timeout=30) as r:
                self.landed = r.geturl()  # where the redirects ended
                return r.status, r.read().decode(), r.headers.get("Location")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers.get("Location")

    def login(self, target: str = "") -> dict:
        """The platform starts the OIDC login; the tool answers with the authentication request."""
        query = {"iss": ISSUER, "login_hint": "opaque-hint", "client_id": CLIENT, "lti_message_hint": "m1",
                 "target_link_uri": target or self.url}  # fmt: skip
        status, page, location = self.open("/lti/login?" + urllib.parse.urlencode(query), follow=False)
        assert status == 302 and location.startswith(AUTH_URL + "?"), (status, page[:300])
        request = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))
        assert request["redirect_uri"] == self.url + "lti/launch" and request["client_id"] == CLIENT
        assert request["response_mode"] == "form_post" and request["login_hint"] == "opaque-hint"
        return request

    def launch(self, id_token: str, state: str, headers=None):
        """The platform's page posts the id_token back (from the platform's site)."""
        return self.open("/lti/launch", {"id_token": id_token, "state": state}, headers=headers)


def id_token(nonce: str, sub: str, roles=("Learner",), key=PLATFORM_PEM, aud=CLIENT, expires_in=300,
             deployment=DEPLOYMENT, target="", **extra) -> str:  # fmt: skip
    now = int(time.time())
    claims = {
        "iss": ISSUER, "aud": aud, "azp": CLIENT, "sub": sub, "iat": now - 5, "exp": now + expires_in,
        "nonce": nonce, "name": extra.pop("name", f"User {sub}"),
        CLAIM + "message_type": "LtiResourceLinkRequest", CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": deployment, CLAIM + "resource_link": {"id": "unit-3-practice"},
        CLAIM + "roles": [ROLE + r for r in roles], CLAIM + "target_link_uri": target, **extra,
    }  # fmt: skip
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})


def launched(url: str, sub: str, roles=("Learner",), target="", extra=None) -> Browser:
    browser = Browser(url)
    request = browser.login(target)
    token = id_token(request["nonce"], sub, roles, target=target, **(extra or {}))
    status, page, _ = browser.launch(token, request["state"],
                                     {"Origin": "https://lms.example.edu"})  # fmt: skip
    assert status == 200, (status, page[:500])
    return browser


def test_a_student_launched_from_the_lms_practises_and_sees_their_own_progress(server):
    url, *_ = server
    ada = launched(url, "s1")
    assert "Ada Lovelace" in ada.open("/")[1]
    token = re.search(r'name="token" value="([^"]+)"', ada.open("/progress")[1]).group(1)
    variant = realize(load_bank(), VariantIdentity(QID, SEED))
    for answer, verdict in ((expected_text(variant.parts[0]), "correct"), ("4242.5", "incorrect")):
        form = {"action": "check", f"answer-{variant.parts[0].id}": answer, "token": token}
        status, page, _ = ada.open(f"/q/{QID}/{SEED}", form)
        assert status == 200 and re.findall(r'class="verdict (\w+)"', page) == [verdict]
    assert "4242.5" in ada.open(f"/history/{QID}")[1]
    assert ada.open("/instructor/")[0] == 403
    blaise = launched(url, "s2")
    assert "Blaise Pascal" in blaise.open("/")[1] and "4242.5" not in blaise.open(f"/history/{QID}")[1]
    # a deep link to a page of the tool lands there; one to another site lands home
    assert launched(url, "s2", target=url + "progress?from=lms").landed == url + "progress?from=lms"
    away = Browser(url)
    request = away.login("https://evil.example/steal")
    status, page, _ = away.launch(id_token(request["nonce"], "s2", target="https://evil.example/steal"),
                                  request["state"])  # fmt: skip
    assert status == 200 and "Blaise Pascal" in page and away.landed == url


def test_forgetting_a_student_removes_what_their_launch_left(server, monkeypatch):
    """A launch keeps the id_token's claims for minutes (pylti1p3's launch data); `class forget`
    removes the student's with their progress, and leaves another student's."""
    url, _, class_file, env = server
    launched(url, "s1", extra={"email": "ada@example.edu"})
    launched(url, "s2")
    monkeypatch.setenv("EXAMKIT_DATABASE_URL", env["EXAMKIT_DATABASE_URL"])
    store = ProgressStore(env["EXAMKIT_DATABASE_URL"])
    try:

        def mentioning(text):
            with store.reading() as connection:
                return [v for (v,) in connection.execute(select(lti_store.launch_data.c.value)) if text in v]

        assert mentioning('"s1"') and mentioning('"s2"')
        api.class_forget(class_file, "s1")
        assert not mentioning('"s1"') and not mentioning("ada@example.edu") and mentioning('"s2"')
    finally:
        store.close()


def test_an_instructor_launch_reaches_the_dashboard_and_a_claimed_role_makes_no_one_an_instructor(server):
    url, *_ = server
    prof = launched(url, "prof", roles=("Instructor",))
    status, page, _ = prof.open("/instructor/")
    assert status == 200 and "LTI course: where the class stands" in page
    student = launched(url, "s2", roles=("Instructor", "Administrator", "TeachingAssistant"))
    assert student.open("/")[0] == 200  # signed in, as the student CLASS.yaml lists
    assert student.open("/instructor/")[0] == 403


def _refused(url, why: str, **changes):
    """A login, then a launch with one thing wrong: refused with `why`, and no session started."""
    browser = Browser(url)
    request = browser.login()
    state = changes.pop("state", request["state"])
    token = id_token(changes.pop("nonce", request["nonce"]), changes.pop("sub", "s1"), **changes)
    status, page, _ = (
        browser.launch(token, state) if state is not None else browser.open("/lti/launch", {"id_token": token})
    )
    assert status == 403 and why in page, (why, status, page[:600])
    assert browser.open("/")[0] == 401
    return page


def test_launches_that_cannot_be_trusted_are_refused(server):
    url, *_ = server
    _refused(url, "Signature verification failed", key=IMPOSTOR_PEM)
    _refused(url, "not a registered platform", aud="another-tool")
    _refused(url, "Signature has expired", expires_in=-60)
    _refused(url, "Unable to find deployment", deployment="7:someone-else")
    _refused(url, "Missing state", state=None)
    _refused(url, "State not found", state="state-" + "0" * 36)
    _refused(url, "Invalid Nonce", nonce="f" * 64)
    page = _refused(url, "not on this course", sub="intruder", name="Ivan Intruder")
    page = html.unescape(page)
    assert "Ivan Intruder" in page and "LMS user id 'intruder'" in page and "Ask your instructor" in page


def test_a_replayed_launch_is_refused_even_from_the_same_browser(server):
    url, *_ = server
    browser = Browser(url)
    request = browser.login()
    token = id_token(request["nonce"], "s1")
    assert browser.launch(token, request["state"])[0] == 200
    status, page, _ = Browser(url).launch(token, request["state"])
    assert status == 403 and "Invalid Nonce" in page
    status, page, _ = browser.launch(token, request["state"])
    assert status == 403 and "Invalid Nonce" in page


def test_the_tool_publishes_its_public_key_and_nothing_of_the_private(server):
    url, tool_pem, *_ = server
    status, page, _ = Browser(url).open("/lti/jwks")
    keys = json.loads(page)["keys"]
    assert status == 200 and len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]
    public = serialization.load_pem_private_key(tool_pem, None).public_key()
    assert jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(keys[0])).public_numbers() == public.public_numbers()


def _course_file(folder, platform_keys="platform.pem", claim="person_sourcedid", extra=""):
    (folder / "platform.pem").write_bytes(
        PLATFORM.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (folder / "lti-tool.key").write_bytes(IMPOSTOR_PEM)
    (folder / "lti-tool.key").chmod(0o600)
    (folder / "CLASS.yaml").write_text(f"""\
title: T
roster: [{{id: "2027001", name: Ada}}]
instructors: [{{id: p}}]
secure_cookies: false
lti:
  tool_key_file: lti-tool.key
  roster_claim: {claim}
  platforms:
    - issuer: {ISSUER}
      client_id: {CLIENT}
      deployment_ids: ["{DEPLOYMENT}"]
      auth_login_url: {AUTH_URL}
      platform_keys: {platform_keys}
{extra}""")
    return folder / "CLASS.yaml"


def test_a_platform_given_by_one_pem_key_and_members_named_by_student_number(tmp_path, monkeypatch):
    """Moodle-style: the platform's one public key as PEM (its tokens' kid is whatever it is), and
    the roster's ids are student numbers, sent as lis.person_sourcedid. The Flask app on SQLite."""
    from examkit.classroom import server as class_server
    from examkit.classroom.app import create_class_app
    from examkit.classroom.config import load_course

    monkeypatch.setenv("EXAMKIT_SECRET_KEY", "t" * 43)
    monkeypatch.setenv("EXAMKIT_DATABASE_URL", str(tmp_path / "trial.sqlite"))
    course = load_course(_course_file(tmp_path))
    class_server.prepare(course.database)
    client = create_class_app(course).test_client()
    login = client.get("/lti/login", query_string={"iss": ISSUER, "login_hint": "h", "client_id": CLIENT})
    assert login.status_code == 302
    request = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(login.headers["Location"]).query))
    token = id_token(request["nonce"], "moodle-user-17", **{CLAIM + "lis": {"person_sourcedid": "2027001"}})
    launch = client.post("/lti/launch", data={"id_token": token, "state": request["state"]})
    assert launch.status_code == 302 and launch.headers["Location"] == "/", launch.get_data(as_text=True)[:500]
    assert "Ada" in client.get("/").get_data(as_text=True)


def test_the_lti_section_is_checked_at_its_lines(tmp_path):
    from examkit.classroom.config import CourseError, load_course

    (tmp_path / "other.pem").write_bytes(IMPOSTOR_PEM)  # a private key where the platform's public one belongs
    class_file = _course_file(tmp_path, platform_keys="other.pem", extra="      auth_login_ulr: x\n")
    with pytest.raises(CourseError) as refused:
        load_course(class_file, bank=False, secret=False)
    assert f"{class_file}:14: unknown key 'auth_login_ulr' (did you mean 'auth_login_url'" in str(refused.value)
    (tmp_path / "lti-tool.key").chmod(0o644)
    (tmp_path / "CLASS.yaml").write_text(class_file.read_text().replace("      auth_login_ulr: x\n", ""))
    with pytest.raises(CourseError) as refused:
        load_course(class_file, bank=False, secret=False)
    problems = str(refused.value)
    assert f"{class_file}:13: {tmp_path / 'other.pem'} holds a private key" in problems
    assert f"{class_file}:6: {tmp_path / 'lti-tool.key'} can be read by others: chmod 600" in problems
