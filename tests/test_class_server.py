"""Class mode as a course meets it: a real `examkit class serve` (gunicorn, two worker processes) on
the throwaway PostgreSQL server, students signing in by the links `examkit class links` wrote, each
in their own browser (cookie jar). Everyone stays in their own rows and pages: another student's
mock, a forged, expired or stranger's link, a form without its session's token, an instructor's page
are all refused; answer checks are rate-limited; a worker killed mid-stream loses no answer a
student was told about; and the class's data goes out, away and back through the CLI."""

import base64
import csv
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import mock_spec, run_cli
from examkit import api
from examkit.bank.identity import VariantIdentity, realize
from examkit.bank.loader import load_bank
from examkit.classroom.config import load_course
from examkit.classroom.signin import link_token
from examkit.practice.app import create_app
from examkit.study.shown import expected_text
from examkit.study.store import ProgressStore

BANK = load_bank()
QID, SEED = "vae-kl-1d", 3
LIMIT = 20  # checks_per_minute of the test course
STUDENTS = [f"s{i}" for i in range(1, 13)]


@pytest.fixture(scope="module")
def course(tmp_path_factory, postgres):
    """CLASS.yaml with a roster CSV, an inline instructor, a small mock of its own and a secret key
    file; the database from EXAMKIT_DATABASE_URL, as a deployment keeps its password out of the file."""
    folder = tmp_path_factory.mktemp("course")
    with open(folder / "roster.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(
            [["id", "name", "email"], *[[s, f"Student {s}", f"{s}@example.edu"] for s in STUDENTS]]
        )
    mock_spec(folder, {"Numbers": "vae-neg-elbo-beta"})
    secret = folder / "class-secret.key"
    secret.write_text("k" * 8 + os.urandom(24).hex())
    secret.chmod(0o600)
    (folder / "CLASS.yaml").write_text(
        "title: Test course\nroster: roster.csv\ninstructors:\n  - {id: prof, name: The Professor}\n"
        f"mocks: [mock.yaml]\nsecret_key_file: class-secret.key\nsecure_cookies: false\nchecks_per_minute: {LIMIT}\n"
    )
    database = postgres.database()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EXAMKIT_DATABASE_URL", database)  # for the server and the CLI alike
        env.delenv("EXAMKIT_SECRET_KEY", raising=False)
        yield folder / "CLASS.yaml", database


@pytest.fixture(scope="module")
def server(course, tmp_path_factory):
    class_file, _ = course
    argv = [sys.executable, "-m", "examkit", "class", "serve", str(class_file), "--port", "0", "--workers", "2"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    while not seen or not re.search(r"http://127\.0\.0\.1:\d+/", seen[-1]):
        line = proc.stdout.readline()
        assert line, "".join(seen)  # the server ended before it said where it listens
        seen.append(line)
    url = re.search(r"http://127\.0\.0\.1:\d+/", seen[-1]).group(0)
    out = tmp_path_factory.mktemp("links") / "links.csv"
    made = run_cli("class", "links", str(class_file), "--base-url", url, "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert out.stat().st_mode & 0o077 == 0  # the links are keys: readable by their owner only
    with open(out, newline="") as fh:
        links = {row["id"]: row["link"] for row in csv.DictReader(fh)}
    yield url, links, proc
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, proc.stdout.read()


class Browser:
    """One member's browser: its own cookies; every page as (status, text)."""

    def __init__(self, url: str):
        self.url, self.jar = url, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, path: str, form=None, headers=None):
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        address = path if path.startswith("http") else self.url + path.lstrip("/")
        try:
            with self.opener.open(urllib.request.Request(address, data=data, headers=headers or {}), timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self) -> str:
        return re.search(r'name="token" value="([^"]+)"', self.open("/progress")[1]).group(1)

    def answer(self, text: str, session: str | None = None, token: str | None = None):
        v = realize(BANK, VariantIdentity(QID, SEED))
        form = {"action": "check", f"answer-{v.parts[0].id}": text, **({"session": session} if session else {})}
        if token is not None:
            form["token"] = token
        return self.open(f"/q/{QID}/{SEED}", form)


def signed_in(server, member: str) -> Browser:
    url, links, _ = server
    browser = Browser(url)
    status, page = browser.open(links[member])
    name = "The Professor" if member == "prof" else f"Student {member}"
    assert status == 200 and name in page, (status, page[:300])
    return browser


def attempts(course, student: str) -> list[dict]:
    store = ProgressStore(course[1], student=student)
    try:
        return store.attempts()
    finally:
        store.close()


def right_answer() -> str:
    return expected_text(realize(BANK, VariantIdentity(QID, SEED)).parts[0])


def test_a_student_signs_in_by_link_practises_and_sees_only_their_own_progress(server, course):
    url, _, _ = server
    assert Browser(url).open("/")[0] == 401  # no session: no page
    alice, bob = signed_in(server, "s1"), signed_in(server, "s2")
    cookie = next(c for c in alice.jar if c.name == "examkit_class")
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure  # secure_cookies: false in this course
    status, page = alice.answer(right_answer(), token=alice.token())
    assert status == 200 and re.findall(r'class="verdict (\w+)"', page) == ["correct"]
    assert alice.answer("4242.5", token=alice.token())[0] == 200
    assert [a["answer"] for a in attempts(course, "s1")] == [right_answer(), "4242.5"]
    assert attempts(course, "s2") == []
    assert "4242.5" in alice.open(f"/history/{QID}")[1] and "4242.5" in alice.open("/review")[1]
    assert "4242.5" not in bob.open(f"/history/{QID}")[1] and "4242.5" not in bob.open("/review")[1]
    # a session cookie is signed: rewritten to name another student, it is no session at all
    payload, rest = cookie.value.split(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**data, "member": "s2"}).encode()).decode().rstrip("=")
    mallory = Browser(url)
    mallory.jar.set_cookie(http.cookiejar.Cookie(0, cookie.name, f"{forged}.{rest}", None, False, cookie.domain,
                           False, False, "/", True, False, None, False, None, None, {}))  # fmt: skip
    assert mallory.open(f"/history/{QID}")[0] == 401
    status, page = alice.open("/signout", {"token": alice.token()})
    assert status == 200 and "signed out" in page and alice.open("/")[0] == 401


def _mock_urls() -> list[tuple[str, str]]:
    """Every URL (and method) of the app that takes a mock exam's id: the class app's pages are the
    practice app's, so its routes are the ones to try."""
    app = create_app(db=os.path.join(os.environ["XDG_DATA_HOME"], "routes.sqlite"), bank=BANK)
    return [
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if "mock_id" in rule.arguments
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def test_another_students_mock_is_not_found_at_any_url_that_takes_its_id(server, course):
    carol, dave = signed_in(server, "s3"), signed_in(server, "s4")
    status, page = carol.open("/mock", {"token": carol.token(), "spec": "mock", "minutes": "10"})
    assert status == 200 and 'id="clock"' in page
    mock_id = re.search(r'action="/mock/(\w+)"', page).group(1)
    urls = _mock_urls()
    assert len(urls) >= 4, urls  # the exam, saving, handing in, self-marking
    for rule, method in urls:
        path = rule.replace("<mock_id>", mock_id)
        form = {"token": dave.token(), "q1-answer-a": "1"} if method == "POST" else None
        assert dave.open(path, form)[0] == 404, (method, path)
    store = ProgressStore(course[1], student="s3")
    mine = store.mock(mock_id)
    store.close()
    assert mine["answers"] == {} and mine["report"] is None  # nothing dave sent reached carol's mock
    assert carol.open(f"/mock/{mock_id}")[0] == 200
    # a server offers only its course's mocks, never a spec file named by its path on the server's disk
    refused = carol.open("/mock", {"token": carol.token(), "spec": str(course[0].parent / "mock.yaml")})
    assert refused[0] == 400 and "no mock exam" in refused[1]
    assert carol.open("/mock", {"token": carol.token(), "spec": "mock", "own_spec": "/etc/passwd"})[0] == 200


def test_forged_expired_and_strangers_links_are_refused(server, course, tmp_path):
    url, links, _ = server
    class_file = course[0]
    good = links["s5"]
    head, signature = good.rsplit(".", 1)
    forged = f"{head}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    other_key = good.replace(
        good.rsplit("/", 1)[1], link_token(_with_secret(class_file, "x" * 40), "s5", time.time() + 99)
    )
    stranger = good.replace(
        good.rsplit("/", 1)[1], link_token(load_course(class_file, bank=False), "intruder", time.time() + 99)
    )
    expired_csv = tmp_path / "old.csv"
    api.class_links(class_file, url, expired_csv, days=1, now=time.time() - 2 * 86400)
    with open(expired_csv, newline="") as fh:
        expired = next(row["link"] for row in csv.DictReader(fh) if row["id"] == "s5")
    for link, why in ((forged, "not valid"), (other_key, "not valid"), (stranger, "not on this course"),
                      (expired, "expired")):  # fmt: skip
        browser = Browser(url)
        status, page = browser.open(link)
        assert status == 403 and why in page, (link, status, page[:400])
        assert browser.open("/")[0] == 401  # and no session was started
    assert Browser(url).open(good)[0] == 200


def _with_secret(class_file, secret):
    course = load_course(class_file, bank=False)
    course.secret = secret
    return course


def test_a_form_without_its_sessions_token_or_from_another_site_changes_nothing(server, course):
    erin, frank = signed_in(server, "s6"), signed_in(server, "s7")
    for token, headers in ((None, {}), ("", {}), (frank.token(), {}), ("x" * 43, {})):
        status, page = erin.open(f"/q/{QID}/{SEED}", {"action": "check", "answer-a": "1", **({"token": token} if token is not None else {})}, headers)  # fmt: skip
        assert status == 403 and "out of date" in page, (token, status)
    cross = erin.open("/plan", {"token": erin.token(), "exam_date": "2030-01-01"}, {"Origin": "https://evil.example"})
    assert cross[0] == 403
    assert attempts(course, "s6") == []
    assert erin.answer(right_answer(), token=erin.token())[0] == 200 and len(attempts(course, "s6")) == 1


def test_answer_checks_are_rate_limited_per_student_across_the_workers(server, course):
    grace, heidi = signed_in(server, "s8"), signed_in(server, "s9")
    token = grace.token()
    if time.time() % 60 > 45:  # the count is per clock minute: begin where the whole run fits in one
        time.sleep(61 - time.time() % 60)
    codes = [grace.answer(right_answer(), token=token)[0] for _ in range(LIMIT)]
    status, page = grace.answer(right_answer(), token=token)
    assert codes == [200] * LIMIT and status == 429, (codes, status)
    assert "Too many answers" in page and "Nothing was checked or recorded" in page
    assert len(attempts(course, "s8")) == LIMIT
    assert grace.open(f"/api/preview?qid={QID}&seed={SEED}&part=a&answer=1")[0] == 200  # previews count apart
    assert heidi.answer(right_answer(), token=heidi.token())[0] == 200  # another student's own allowance


def test_instructor_pages_are_for_instructors_only(server):
    url, _, _ = server
    student, instructor = signed_in(server, "s10"), signed_in(server, "prof")
    for path in (
        "/instructor/",
        "/instructor/misconceptions",
        "/instructor/misconceptions.csv",
        "/instructor/anything",
    ):
        assert Browser(url).open(path)[0] == 401
        assert student.open(path)[0] == 403, path
    assert instructor.open("/instructor/")[0] == 200  # the dashboard
    assert instructor.open("/instructor/misconceptions.csv")[0] == 200
    assert instructor.open("/instructor/anything")[0] == 404
    assert instructor.open("/progress")[0] == 200  # an instructor practises too, in rows of their own


def _workers(master: int) -> set[int]:
    return {int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def test_a_worker_killed_while_students_answer_loses_no_acknowledged_answer(server, course):
    _, _, proc = server
    students = ["s11", "s12", "prof"]
    browsers = {s: signed_in(server, s) for s in students}
    tokens = {s: b.token() for s, b in browsers.items()}
    acknowledged, failed = [], []

    def answer(student):
        for n in range(LIMIT - 2):  # within the minute's allowance of checks
            session = f"kill-{student}-{n}"
            try:
                status, _ = browsers[student].answer(right_answer(), session=session, token=tokens[student])
            except OSError as error:  # the worker died holding this request: not acknowledged
                failed.append(repr(error))
                continue
            if status == 200:
                acknowledged.append((session, time.monotonic()))
            else:
                failed.append(status)
            time.sleep(0.05)

    clients = [threading.Thread(target=answer, args=(s,)) for s in students]
    for c in clients:
        c.start()
    before = _workers(proc.pid)
    assert len(before) == 2
    killed_at = []
    for victim in sorted(before):
        time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)
        killed_at.append(time.monotonic())
    for c in clients:
        c.join(60)
    recorded = {a["session"] for s in students for a in attempts(course, s)}
    sessions = [session for session, _ in acknowledged]
    assert set(sessions) <= recorded, set(sessions) - recorded
    assert any(at > killed_at[-1] for _, at in acknowledged), failed  # the server went on after the kills
    deadline = time.monotonic() + 20
    while len(_workers(proc.pid) - before) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_workers(proc.pid) - before) == 2  # both replaced


def test_export_forget_and_restore_through_the_cli(server, course, tmp_path):
    class_file, _ = course
    student = signed_in(server, "s2")
    assert student.answer("777.25", token=student.token())[0] == 200
    before = attempts(course, "s2")
    out = tmp_path / "class.jsonl"
    exported = run_cli("class", "export", str(class_file), "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.stat().st_mode & 0o077 == 0
    documents = {json.loads(line)["student"] for line in out.read_text().splitlines()}
    assert {"s1", "s2"} <= documents
    forgot = run_cli("class", "forget", str(class_file), "s2")
    assert forgot.returncode == 0 and "removed" in forgot.stdout, forgot.stderr
    assert attempts(course, "s2") == [] and attempts(course, "s1")  # only that student's rows went
    assert "777.25" not in student.open(f"/history/{QID}")[1]
    unknown = run_cli("class", "forget", str(class_file), "nobody")
    assert unknown.returncode == 2 and "no progress of 'nobody'" in unknown.stderr
    restored = run_cli("class", "restore", str(class_file), str(out))
    assert restored.returncode == 0, restored.stderr
    assert attempts(course, "s2") == before
    assert "777.25" in student.open(f"/history/{QID}")[1]


def test_behind_a_tls_proxy_the_session_cookie_is_secure_and_plain_http_is_told_why(tmp_path, monkeypatch):
    """secure_cookies: true and proxies: 1, as docs/CLASS.md deploys it: the proxy's
    X-Forwarded-Proto makes the request https, and the cookie is Secure, HttpOnly and SameSite=Lax;
    the same link reached over plain http starts no session and says why."""
    from examkit.classroom.app import create_class_app

    monkeypatch.setenv("EXAMKIT_SECRET_KEY", "t" * 43)
    monkeypatch.setenv("EXAMKIT_DATABASE_URL", str(tmp_path / "trial.sqlite"))
    (tmp_path / "CLASS.yaml").write_text(
        "title: T\nroster: [{id: s1, name: Ada}]\ninstructors: [{id: p}]\nproxies: 1\n"
    )
    course = load_course(tmp_path / "CLASS.yaml")
    client = create_class_app(course).test_client()
    path = "/signin/" + link_token(course, "s1", time.time() + 60)
    plain = client.get(path)
    assert plain.status_code == 400 and "came over plain http" in plain.get_data(as_text=True)
    assert "Set-Cookie" not in plain.headers
    proxied = client.get(path, headers={"X-Forwarded-Proto": "https"})  # http from the proxy: https to the client
    assert proxied.status_code == 302, proxied.get_data(as_text=True)
    cookie = proxied.headers["Set-Cookie"]
    assert cookie.startswith("examkit_class=") and all(f in cookie for f in ("Secure", "HttpOnly", "SameSite=Lax"))
    home = client.get("/", base_url="https://localhost")
    assert home.status_code == 200 and "Ada" in home.get_data(as_text=True)
