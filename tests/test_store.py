"""The progress store on both engines: an SQLite file (one student) and PostgreSQL (a class, on a
throwaway server: examkit/classroom/localdb.py). The same behaviour on each; a store sees only its student's rows; the
app migrates its own schema, an old drill.sqlite included; an acknowledged answer survives its
process being killed; two processes recording at once lose nothing; export, restore and removal."""

import io
import json
import multiprocessing
import os
import signal
import sqlite3
import sys

import pytest
from sqlalchemy import delete, event

from examkit.checking.verdict import Verdict
from examkit.errors import UsageError
from examkit.study import archive, migrate
from examkit.study.store import ProgressError, ProgressStore
from examkit.study.tables import attempts, metadata

RIGHT = Verdict("correct", 2.0, 2.0, "")
WRONG = Verdict("incorrect", 0.0, 2.0, "")


def _database(kind, tmp_path, request):
    if kind == "sqlite":
        return tmp_path / f"p{len(list(tmp_path.glob('*.sqlite')))}.sqlite"
    return request.getfixturevalue("postgres").database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """An empty progress database of each engine: a file path, or a PostgreSQL URL."""
    return _database(request.param, tmp_path, request)


def _record(db, student, first, count, acks):
    """In a process of its own, as a server worker: record `count` answers (seeds from `first`),
    writing each seed to the pipe `acks` once record() has returned."""
    store = ProgressStore(db, student=student)
    for seed in range(first, first + count):
        store.record("run", "vae-kl-1d", seed, "a", ["vae_kl"], RIGHT, 0, str(seed))
        os.write(acks, f"{seed}\n".encode())


def _recorder(db, student, first, count):
    """A recording process (forked: no interpreter start-up) and the stream of its acknowledgements."""
    read, write = os.pipe()
    process = multiprocessing.get_context("fork").Process(target=_record, args=(db, student, first, count, write))
    process.start()
    os.close(write)
    return process, os.fdopen(read)


def _fill(store: ProgressStore, qid="vae-kl-1d"):
    """A little of everything a student leaves behind."""
    store.record("s1", qid, 3, "a", ["vae_kl"], RIGHT, 0, "1/2", at=100.0)
    store.record("s1", qid, 3, "b", ["vae_kl", "elbo"], WRONG, 1, "x^2", at=101.0)
    store.finish_question(qid, 3, 0.5, 1, at=102.0)
    store.start_mock("m1", "mocks/vae.yaml", 12345, 30, at=200.0)
    store.save_mock_answers("m1", {"q1-a": "0.5"})
    store.set_setting("exam_date", "2027-01-15")


def test_the_store_behaves_the_same_on_both_engines(db):
    store = ProgressStore(db)
    store.record("s1", "vae-kl-1d", 3, "a", ["vae_kl"], RIGHT, 0, "x" * 3000, at=100.0)
    store.record("s1", "vae-kl-1d", 3, "b", ["vae_kl", "elbo"], WRONG, 1, "x^2", at=101.0)
    first, second = store.attempts()
    assert first["objectives"] == ["vae_kl"] and len(first["answer"]) == 2000  # kept answers are capped
    assert (second["status"], second["score"], second["max_score"], second["hints"]) == ("incorrect", 0.0, 2.0, 1)
    assert store.recorded("s1", "vae-kl-1d", 3, "b") and not store.recorded("s2", "vae-kl-1d", 3, "b")

    assert store.box("vae-kl-1d") is None
    up = store.finish_question("vae-kl-1d", 3, 1.0, 0, at=1000.0)
    assert (up.box, up.due, up.seen, up.note) == (2, 1000.0 + 86400.0, 1, "")
    again = store.finish_question("vae-kl-1d", 3, 1.0, 0, at=2000.0)  # the same variant: practice, not evidence
    assert (again.box, again.seen) == (2, 2) and again.redo and "practice" in again.note
    fresh = store.finish_question("vae-kl-1d", 4, 1.0, 0, at=3000.0)
    assert fresh.box == 3 and store.finished_before("vae-kl-1d", 4) and not store.finished_before("vae-kl-1d", 5)
    store.finish_question("vae-kl-1d", 5, 0.0, 0, at=4000.0)
    assert store.boxes()["vae-kl-1d"].box == 1 and store.box("vae-kl-1d").seen == 4

    store.start_mock("old", "mocks/vae.yaml", 999_999_999_999, 30, at=10.0)  # seeds wider than 32 bits
    store.start_mock("new", "mocks/gans.yaml", 7, 45.5, at=20.0)
    assert store.save_mock_answers("new", {"q1-a": "0.5"}) and store.save_mock_answers("new", {"q2-a": "1"})
    assert store.mock("new")["answers"] == {"q1-a": "0.5", "q2-a": "1"}
    store.finish_mock("new", {"q1-a": "0.5"}, {"score": 1}, at=30.0)
    assert not store.save_mock_answers("new", {"q1-a": "changed"}) and not store.save_mock_answers("gone", {})
    assert [m["id"] for m in store.mocks()] == ["new", "old"]  # the latest started first
    new = store.mock("new")
    assert (new["report"], new["finished"], new["minutes"], new["answers"]) == (
        {"score": 1},
        30.0,
        45.5,
        {"q1-a": "0.5"},
    )
    assert store.mock("old")["seed"] == 999_999_999_999 and store.mock("old")["report"] is None

    assert store.setting("exam_date") is None
    store.set_setting("exam_date", "2027-01-15")
    store.set_setting("exam_date", "2027-02-01")
    assert store.setting("exam_date") == "2027-02-01"
    store.set_setting("exam_date", None)
    assert store.setting("exam_date") is None
    store.close()
    reopened = ProgressStore(db, writable=False)  # what was acknowledged is there for the next process
    assert len(reopened.attempts()) == 2 and reopened.box("vae-kl-1d").seen == 4
    reopened.close()


def test_a_pinned_store_asks_the_pool_once_and_commits_each_write_when_it_returns(db):
    """A page's request (practice/pages/context.py) runs every query on one pinned connection."""
    store, elsewhere = ProgressStore(db), ProgressStore(db, writable=False)
    checkouts = []
    event.listen(store.engine, "checkout", lambda *args: checkouts.append(1))
    with store.for_student("ada").pinned() as mine:
        _fill(mine)
        assert len(elsewhere.for_student("ada").attempts()) == 2  # committed, seen by another connection
        assert mine.box("vae-kl-1d").box == 1 and mine.mock("m1")["answers"] == {"q1-a": "0.5"}
        with pytest.raises(RuntimeError), mine.transaction() as connection:  # a failed write leaves nothing
            connection.execute(delete(attempts))
            raise RuntimeError("the page failed half-way")
        mine.record("s2", "vae-kl-1d", 4, "a", ["vae_kl"], RIGHT, 0, "1/2")  # and the connection still works
        assert len(mine.attempts()) == 3 and mine.setting("exam_date") == "2027-01-15"
    assert checkouts == [1]
    assert len(elsewhere.for_student("ada").attempts()) == 3
    store.close(), elsewhere.close()


def test_a_student_sees_only_their_own_rows(db):
    alice = ProgressStore(db, student="alice")
    bob = alice.for_student("bob")
    _fill(alice)
    assert bob.attempts() == [] and bob.boxes() == {} and bob.box("vae-kl-1d") is None and bob.mocks() == []
    assert bob.mock("m1") is None and bob.setting("exam_date") is None
    assert not bob.recorded("s1", "vae-kl-1d", 3, "a") and not bob.finished_before("vae-kl-1d", 3)
    assert not bob.save_mock_answers("m1", {"q1-a": "mine"})  # not bob's mock: nothing changes
    bob.finish_mock("m1", {}, {"score": 0})
    bob.set_setting("exam_date", "2030-01-01")
    _fill(bob)  # the same keys (session, mock id, question) for another student: no conflict
    assert alice.mock("m1")["report"] is None and alice.mock("m1")["answers"] == {"q1-a": "0.5"}
    assert alice.setting("exam_date") == "2027-01-15" and len(alice.attempts()) == len(bob.attempts()) == 2
    separately = ProgressStore(db, student="bob")
    assert separately.attempts() == bob.attempts() and archive.students(separately) == ["alice", "bob"]
    assert ProgressStore(db).attempts() == []  # the single-user student, "me", has nothing here
    with pytest.raises(ValueError, match="student id"):
        alice.for_student("")
    bob.close()  # a view: the store it came from keeps working
    assert len(alice.attempts()) == 2
    alice.close()


def test_the_migrated_schema_is_the_tables_module(db):
    """A migration and tables.py say the same: autogenerate finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store = ProgressStore(db)
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert migrate.revision(connection) == migrate.head()
    store.close()


def test_a_store_at_revision_0001_gains_the_named_mistakes(db):
    """A class database made before the attempts kept the checker's named mistake (revision 0001,
    as Alembic left it): opening a store migrates it; old rows have none, new ones keep it."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from examkit.study.store import database_url

    engine = create_engine(database_url(db))
    with engine.begin() as connection:
        command.upgrade(migrate._config(connection), "0001")
        assert migrate.revision(connection) == "0001"
        connection.execute(
            text("INSERT INTO attempts (student, at, session, qid, seed, part, objectives, status, score, "
                 "max_score, hints, answer) VALUES ('alice', 1.0, 's', 'vae-kl-1d', 3, 'kl', '[\"vae_kl\"]', "
                 "'incorrect', 0, 2, 0, '-3.1')")
        )  # fmt: skip
    engine.dispose()
    store = ProgressStore(db, student="alice")
    with store.engine.connect() as connection:
        assert migrate.revision(connection) == migrate.head() == "0002"
    named = Verdict("incorrect", 0.0, 2.0, "incorrect: a KL is never negative", misconception="kl_sign",
                    feedback=["A KL is never negative.", "Check the sign."])  # fmt: skip
    store.record("s", "vae-kl-1d", 4, "kl", ["vae_kl"], named, 0, "-3.2", at=2.0)
    old, new = store.attempts()
    assert (old["answer"], old["misconception"], old["feedback"]) == ("-3.1", None, [])
    assert (new["misconception"], new["feedback"]) == ("kl_sign", ["A KL is never negative.", "Check the sign."])
    store.record("s", "vae-kl-1d", 4, "kl", ["vae_kl"], RIGHT, 0, "3.1", at=3.0)  # no mistake, no feedback
    assert (store.attempts()[-1]["misconception"], store.attempts()[-1]["feedback"]) == (None, [])
    store.close()


OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, session TEXT NOT NULL, qid TEXT NOT NULL, seed INTEGER NOT NULL,
    part TEXT NOT NULL, objectives TEXT NOT NULL, status TEXT NOT NULL, score REAL NOT NULL,
    max_score REAL NOT NULL, hints INTEGER NOT NULL, answer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS boxes (
    qid TEXT PRIMARY KEY, box INTEGER NOT NULL, due REAL NOT NULL, seen INTEGER NOT NULL, last REAL NOT NULL);
CREATE TABLE IF NOT EXISTS mocks (
    id TEXT PRIMARY KEY, spec TEXT NOT NULL, seed INTEGER NOT NULL, started REAL NOT NULL, minutes REAL NOT NULL,
    answers TEXT NOT NULL DEFAULT '{}', finished REAL, report TEXT);
CREATE TABLE IF NOT EXISTS finished_variants (qid TEXT NOT NULL, seed INTEGER NOT NULL, PRIMARY KEY (qid, seed));
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""  # study/store.py's SCHEMA before the student key (the last version without migrations)


def _old_file(path, schema=OLD_SCHEMA, mocks=True):
    old = sqlite3.connect(path)
    old.execute("PRAGMA journal_mode=WAL")
    old.executescript(schema)
    for i in range(3):
        old.execute("INSERT INTO attempts (at, session, qid, seed, part, objectives, status, score, max_score, hints, "
                    "answer) VALUES (?, 's', 'vae-kl-1d', ?, 'a', '[\"vae_kl\"]', 'correct', 1, 1, 0, ?)",
                    (100.0 + i, i, f"answer {i}"))  # fmt: skip
    old.execute("INSERT INTO boxes VALUES ('vae-kl-1d', 3, 5000.5, 4, 400.0)")
    if mocks:
        old.execute("INSERT INTO mocks (id, spec, seed, started, minutes) VALUES ('m1', 'gans', 42, 10.0, 30)")
        old.execute("INSERT INTO finished_variants VALUES ('vae-kl-1d', 2)")
        old.execute("INSERT INTO settings VALUES ('exam_date', '2027-01-15')")
    old.commit()
    old.close()


def test_an_old_drill_sqlite_is_migrated_in_place(tmp_path):
    path = tmp_path / "drill.sqlite"
    _old_file(path)
    store = ProgressStore(path)
    assert [(a["seed"], a["answer"], a["objectives"]) for a in store.attempts()] == [
        (i, f"answer {i}", ["vae_kl"]) for i in range(3)
    ]
    assert store.box("vae-kl-1d").box == 3 and store.box("vae-kl-1d").seen == 4
    assert store.finished_before("vae-kl-1d", 2) and store.setting("exam_date") == "2027-01-15"
    assert store.mock("m1")["answers"] == {} and store.mock("m1")["seed"] == 42
    store.record("s", "vae-kl-1d", 9, "a", ["vae_kl"], RIGHT, 0, "new")  # numbered after the old rows
    assert [a["seed"] for a in store.attempts()] == [0, 1, 2, 9]
    assert store.for_student("alice").attempts() == []
    store.close()
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {t.name for t in metadata.sorted_tables} | {"alembic_version"}  # no legacy_ copies left
    assert len(ProgressStore(path, writable=False).attempts()) == 4  # opened again: nothing to migrate


def test_a_file_older_still_is_migrated_too(tmp_path):
    """The first drill stores had only attempts and boxes; the tables added since are created."""
    path = tmp_path / "drill.sqlite"
    _old_file(path, OLD_SCHEMA.split("CREATE TABLE IF NOT EXISTS mocks")[0], mocks=False)
    store = ProgressStore(path)
    assert len(store.attempts()) == 3 and store.mocks() == [] and store.box("vae-kl-1d").box == 3
    store.set_setting("exam_date", "2027-01-15")
    assert store.setting("exam_date") == "2027-01-15"


def test_an_unusable_database_is_named(tmp_path, postgres):
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"not a database" * 100)
    with pytest.raises(ProgressError, match=r"broken\.sqlite: cannot use this progress database"):
        ProgressStore(broken)
    gone = postgres.url("no_such_database").replace("postgres@", "postgres:secret@")
    with pytest.raises(ProgressError, match="no_such_database") as refused:
        ProgressStore(gone)
    assert "secret" not in str(refused.value)  # a password never reaches a message
    with pytest.raises(ProgressError, match="not a progress database URL"):
        ProgressStore("mysql://localhost/progress")


@pytest.mark.skipif(sys.platform != "linux", reason="kills with SIGKILL")
def test_an_acknowledged_answer_survives_its_process_being_killed(db):
    """A server worker killed right after answering: every record() that returned is in the database."""
    ProgressStore(db).close()  # the schema exists, so the recorder starts recording at once
    recorder, acks = _recorder(db, "alice", 0, 100_000)
    acknowledged = [int(acks.readline()) for _ in range(25)]
    os.kill(recorder.pid, signal.SIGKILL)
    recorder.join(timeout=30)
    assert recorder.exitcode == -signal.SIGKILL
    kept = {a["seed"] for a in ProgressStore(db, student="alice").attempts()}
    assert set(acknowledged) <= kept and len(kept) < 100_000


def test_two_processes_recording_at_once_lose_nothing(db):
    """Two processes open a new database at the same moment (the schema is made once, under a lock)
    and record for the same student at once: every row is there."""
    count = 60
    runs = [_recorder(db, "alice", first, count) for first in (0, 1000)]
    for process, acks in runs:
        assert len(acks.read().split()) == count
        process.join(timeout=60)
        assert process.exitcode == 0
    seeds = sorted(a["seed"] for a in ProgressStore(db, student="alice").attempts())
    assert seeds == [*range(count), *range(1000, 1000 + count)]


@pytest.mark.parametrize("into", ["sqlite", "postgresql"])
def test_export_restore_and_remove_a_student(db, into, tmp_path, request):
    """A whole database exported as JSON Lines and restored into an empty one (of either engine)
    gives the same documents back; one student's data removed leaves the others' untouched."""
    source = ProgressStore(db)
    for student in ("alice", "bob"):
        _fill(source.for_student(student))
    source.for_student("bob").finish_mock("m1", {"q1-a": "0.5"}, {"score": 1.5, "sections": ["α"]}, at=300.0)
    out = io.StringIO()
    assert archive.export_lines(source, out) == 2
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["student"] for line in lines] == ["alice", "bob"]

    target = ProgressStore(_database(into, tmp_path, request), student="carol")
    _fill(target)  # carol is not in the export: left alone
    target.for_student("alice").record("old", "x", 1, "a", [], WRONG, 0, "replaced by the restore")
    assert archive.restore_lines(target, lines, "class.jsonl") == ["alice", "bob"]
    for student in ("alice", "bob"):
        restored = archive.export_student(target.for_student(student))
        assert restored == archive.export_student(source.for_student(student))
        assert target.for_student(student).attempts() == source.for_student(student).attempts()
    assert target.for_student("bob").mock("m1")["report"] == {"score": 1.5, "sections": ["α"]}
    assert archive.students(target) == ["alice", "bob", "carol"]

    removed = archive.remove_student(target.for_student("alice"))
    assert removed == 6  # 2 attempts, a box, a mock, a finished variant, a setting
    assert archive.students(target) == ["bob", "carol"] and target.for_student("alice").attempts() == []
    assert len(target.for_student("bob").attempts()) == 2 and len(target.attempts()) == 2

    alice = archive.export_student(source.for_student("alice"))
    archive.restore_student(target.for_student("dave"), alice)  # one student's document, restored as another
    assert target.for_student("dave").attempts() == source.for_student("alice").attempts()


def test_a_bad_export_is_refused_by_line_and_nothing_is_restored(tmp_path):
    source = ProgressStore(tmp_path / "a.sqlite", student="alice")
    _fill(source)
    good = json.dumps(archive.export_student(source))
    target = ProgressStore(tmp_path / "b.sqlite")
    wrong_type = json.loads(good)
    wrong_type["tables"]["attempts"][0]["score"] = "full marks"
    missing_field = json.loads(good)
    del missing_field["tables"]["boxes"][0]["due"]
    old_schema = {**json.loads(good), "schema": "0000"}
    cases = {
        "{not json": "not JSON",
        json.dumps(wrong_type): "attempts row 1: score is 'full marks', not a float",
        json.dumps(missing_field): "boxes row 1: has",
        json.dumps(old_schema): "exported with schema '0000'",
        json.dumps({"student": "x", "format": "other"}): "not an examkit progress export",
        good: "students given twice: alice",
    }
    for bad, message in cases.items():
        with pytest.raises(UsageError, match=f"class.jsonl(:2)?: .*{message}"):
            archive.restore_lines(target, [good, bad], "class.jsonl")
        assert archive.students(target) == []  # the good line before it was not restored either
