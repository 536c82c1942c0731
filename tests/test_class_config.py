"""CLASS.yaml as an instructor writes it: the example in examples/class/ reads as documented, and
every mistake is named at its file and line, with the fix; the secret and the database password
never come from the file, and the server refuses to start without a secret, saying how to make one."""

import os
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from examkit import api
from examkit.classroom.config import CourseError, load_course
from examkit.errors import UsageError

SECRET = "s" * 43
EXAMPLE = ROOT / "examples" / "class" / "CLASS.yaml"


@pytest.fixture(autouse=True)
def no_class_environment(monkeypatch):
    monkeypatch.delenv("EXAMKIT_SECRET_KEY", raising=False)
    monkeypatch.delenv("EXAMKIT_DATABASE_URL", raising=False)


def _course(folder: Path, text: str) -> Path:
    (folder / "roster.csv").write_text("id,name,email\ns1,Ada,ada@example.edu\ns2,Alan,alan@example.edu\n")
    path = folder / "CLASS.yaml"
    path.write_text(textwrap.dedent(text))
    return path


GOOD = """\
    title: Trial
    roster: roster.csv
    instructors: [{id: prof, name: Prof}]
    database: progress.sqlite
    """


def test_the_example_reads_as_documented(monkeypatch):
    monkeypatch.setenv("EXAMKIT_SECRET_KEY", SECRET)
    course = load_course(EXAMPLE, bank=False)
    assert course.title == "Generative Models, spring 2027" and len(course.students) == 6
    assert course.student("s2027006").name == "李雷" and course.instructor("t.lee").email == "t.lee@example.edu"
    assert list(course.mocks) == ["whole-unit", "autoencoders-vae", "gans"]
    assert str(course.exam_date) == "2027-05-20" and course.proxies == 1 and course.secure_cookies
    assert course.database.startswith("postgresql+psycopg://examkit@/genmodels")
    assert course.member("t.lee") and course.student("t.lee") is None and course.member("nobody") is None
    assert "secret" not in repr(course) and SECRET not in repr(course)


def test_the_environment_gives_the_database_and_the_secret(tmp_path, monkeypatch):
    path = _course(tmp_path, GOOD)
    monkeypatch.setenv("EXAMKIT_DATABASE_URL", "postgresql://teacher:pw@db.example.edu/course")
    monkeypatch.setenv("EXAMKIT_SECRET_KEY", SECRET)
    course = load_course(path, bank=False)
    assert course.database == "postgresql+psycopg://teacher:pw@db.example.edu/course" and course.secret == SECRET


def test_each_mistake_is_named_at_its_line(tmp_path):
    path = _course(tmp_path, """\
        title: Trial
        roster: roster.csv
        instructors:
          - {id: prof, name: Prof}
          - {id: s1, name: Ada again}
        exam_date: "2027-13-01"
        mocks: [gnas]
        database: postgresql://teacher:hunter2@db.example.edu/course
        secret_key: abc
        link_dayz: 3
        """)  # fmt: skip
    with pytest.raises(CourseError) as caught:
        load_course(path, bank=False)
    text = str(caught.value)
    for line, words in (
        (9, "the secret key never goes in CLASS.yaml"),
        (10, "unknown key 'link_dayz' (did you mean 'link_days'?)"),
    ):
        assert f"{path}:{line}: {words}" in text, text
    with pytest.raises(CourseError) as caught:
        path.write_text("\n".join(path.read_text().splitlines()[:8]) + "\n")  # the structural mistakes fixed
        load_course(path, bank=False)
    text = str(caught.value)
    assert f"{path}:3: 's1' is both a student ({tmp_path / 'roster.csv'}:2) and an instructor ({path}:5)" in text
    assert f"{path}:6: exam_date '2027-13-01': write the date as YYYY-MM-DD" in text
    assert f"{path}:7: mocks: no bundled mock or spec file 'gnas' (did you mean 'gans'?)" in text
    assert f"{path}:8: the database URL carries a password: keep it out of CLASS.yaml" in text
    assert "no secret key to sign sign-in links and sessions" in text


def test_a_bad_roster_and_bad_yaml_are_named_at_their_lines(tmp_path):
    path = _course(tmp_path, GOOD)
    (tmp_path / "roster.csv").write_text("id,name\ns1,Ada\ns1,Ada twice\n")
    with pytest.raises(CourseError, match=r"roster\.csv:3: duplicate student_id 's1' \(first on line 2\)"):
        load_course(path, bank=False, secret=False)
    path.write_text("title: Trial\nroster: roster.csv\n  instructors: []\n")
    with pytest.raises(CourseError, match=r"CLASS\.yaml:3: YAML syntax error"):
        load_course(path, bank=False, secret=False)
    path.write_text(GOOD.replace("    ", "") + "exam_date: 2027-13-01\n")
    with pytest.raises(CourseError, match=r"CLASS\.yaml:5: .*'2027-13-01' is not a date \(month must be in 1..12\)"):
        load_course(path, bank=False, secret=False)


def test_the_secret_key_file_must_be_private_and_long_enough(tmp_path):
    path = _course(tmp_path, GOOD + "secret_key_file: class-secret.key\n")
    key = tmp_path / "class-secret.key"
    key.write_text(SECRET)
    key.chmod(0o644)
    with pytest.raises(CourseError, match=rf"CLASS\.yaml:5: {key} can be read by anyone on this machine: chmod 600"):
        load_course(path, bank=False)
    key.chmod(0o600)
    assert load_course(path, bank=False).secret == SECRET
    key.write_text("short")
    with pytest.raises(CourseError, match=r"CLASS\.yaml:5: the secret key in .* is too short \(5 characters"):
        load_course(path, bank=False)


def test_the_server_refuses_to_start_without_a_secret_saying_how_to_make_one(tmp_path):
    path = _course(tmp_path, GOOD)
    served = run_cli("class", "serve", str(path), "--port", "0")
    assert served.returncode == 2
    assert "no secret key" in served.stderr and "secrets.token_urlsafe(32)" in served.stderr
    assert "chmod 600" in served.stderr and "EXAMKIT_SECRET_KEY" in served.stderr
    assert not (tmp_path / "progress.sqlite").exists()  # nothing was made before the refusal


def test_links_refuse_what_would_sign_no_one_in(tmp_path, monkeypatch):
    monkeypatch.setenv("EXAMKIT_SECRET_KEY", SECRET)
    path = _course(tmp_path, GOOD)
    out = tmp_path / "links.csv"
    plain = run_cli("class", "links", str(path), "--base-url", "http://practice.example.edu", "--out", str(out))
    assert plain.returncode == 2 and "HTTPS only (secure_cookies: true)" in plain.stderr
    with pytest.raises(UsageError, match="give the server's address"):
        api.class_links(path, "practice.example.edu", out)
    with pytest.raises(UsageError, match="--days must be more than 0"):
        api.class_links(path, "https://practice.example.edu", out, days=0)
    assert not out.exists()
    made = run_cli("class", "links", str(path), "--base-url", "https://practice.example.edu/", "--out", str(out))
    assert made.returncode == 0 and "2 student and 1 instructor sign-in link(s)" in made.stdout
    rows = out.read_text().splitlines()
    assert rows[0] == "id,name,email,link,role" and rows[1].startswith(
        "s1,Ada,ada@example.edu,https://practice.example.edu/signin/"
    )
    assert rows[3].endswith(",instructor") and os.stat(out).st_mode & 0o077 == 0
