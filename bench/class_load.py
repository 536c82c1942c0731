"""Class mode under load (issue 18, part 4): N students on loopback against K `examkit class serve`
processes sharing one PostgreSQL database, for a bounded time; then every acknowledged answer is
looked for in the database.

It starts what it needs: a throwaway PostgreSQL (examkit/classroom/localdb.py), a CLASS.yaml with a
generated roster of N students and a small mock of its own, and K servers (W gunicorn workers each).
Each student signs in through their own sign-in link (`examkit class links`, the API), keeps their
own cookie, and sends the real forms with the CSRF token the page gave them.

The student model (seeded; docs/PERFORMANCE.md): every student is active the whole time and takes
one step, then thinks for a time drawn uniformly from [0.4, 1.6] x --think seconds (mean --think,
default 5 s), so 300 students send about 300/5 = 60 steps a second. A step is one of
- answer (most steps): ask /practice for the next question (the scheduler picks it), open it, use
  the live preview on a typed part, and send the answer, right or wrong (--right, default 60 %);
- review: /review or /progress;
- mock (one step in --mock-every, default 25): open /mock, start the course's mock, open it, save
  an answer, hand it in and read the report.
A step's requests follow each other without thinking; latency is measured per request.

Acknowledged = the server answered 2xx with a verdict (an answer) or with the report's redirect (a
mock handed in). `lost` counts the acknowledged answers whose rows are not in the database and the
handed-in mocks without their report. Errors: any request that failed or answered 4xx/5xx.

Usage: python bench/class_load.py [--students 300] [--seconds 60] [--servers 1] [--workers W]
"""

from __future__ import annotations

import argparse
import csv
import http.client
import os
import random
import re
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

from examkit import api
from examkit.bank.identity import VariantIdentity, realize
from examkit.bank.loader import load_bank
from examkit.classroom import localdb
from examkit.study.shown import expected_text
from examkit.study.store import ProgressStore

MOCK_QUESTIONS = ("vae-neg-elbo-beta", "vae-kl-1d")  # the bench course's mock: two numeric questions
ANSWERED = ("number", "formula", "options")  # parts a simulated student types into (not written or steps parts)
TIMEOUT_S = 60.0
TOKEN = re.compile(r'name="token" value="([^"]+)"')
VERDICT = re.compile(r'class="verdict (\w+)"')
MOCK_FIELD = re.compile(r'<input type="(text|radio|checkbox)"[^>]*name="(q\d+-answer-[^"]+)"(?:[^>]*value="([^"]*)")?')


def default_workers(servers: int) -> int:
    """Workers per server so that all of them together fit the machine's cores (at least one each)."""
    return max(1, (os.cpu_count() or 2) // servers)


# --- what the bench starts ----------------------------------------------------------------------------
def write_course(folder: Path, students: int) -> Path:
    """CLASS.yaml with a roster CSV of `students`, one instructor and the bench's small mock."""
    with open(folder / "roster.csv", "w", newline="") as fh:
        rows = [[f"s{i:04d}", f"Student {i}", f"s{i:04d}@example.edu"] for i in range(1, students + 1)]
        csv.writer(fh).writerows([["id", "name", "email"], *rows])
    sections = "".join(
        f"  - title: Q{i}\n    draw: 1\n    from: {{ids: [{qid}]}}\n" for i, qid in enumerate(MOCK_QUESTIONS, 1)
    )
    (folder / "mock.yaml").write_text(
        f"title: Bench mock\ncourse: Bench\nmaster_seed: 1\nversions: 1\nsections:\n{sections}"
    )
    (folder / "CLASS.yaml").write_text(
        "title: Load bench\nroster: roster.csv\ninstructors:\n  - {id: prof, name: The Professor}\n"
        "mocks: [mock.yaml]\nsecure_cookies: false\n"
    )
    return folder / "CLASS.yaml"


def start_server(class_file: Path, workers: int, env: dict) -> tuple[subprocess.Popen, str]:
    """One `examkit class serve --port 0`; returns it and its address once it says it listens."""
    argv = [
        sys.executable,
        "-m",
        "examkit",
        "class",
        "serve",
        str(class_file),
        "--port",
        "0",
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    seen = []
    while True:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the class server ended before it listened:\n" + "".join(seen))
        seen.append(line)
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if found:
            threading.Thread(target=_drain, args=(proc, seen), daemon=True).start()
            return proc, found.group(0)


def _drain(proc, seen):
    """Keep reading the server's output (errors and warnings it logs), so that its pipe never fills."""
    for line in proc.stdout:
        seen.append(line)


# --- one simulated student --------------------------------------------------------------------------
class Stats:
    """Every request's (kind, milliseconds, status) and what was acknowledged, shared by the students."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[tuple[str, float, int]] = []
        self.failures: list[str] = []
        self.answers: dict[str, set[str]] = defaultdict(set)  # student -> acknowledged answers' sessions
        self.mocks: dict[str, set[str]] = defaultdict(set)  # student -> mocks handed in
        self.refused = 0  # answers the checker could not read (the page says why; nothing recorded)

    def add(self, kind, ms, status, failure=""):
        with self.lock:
            self.requests.append((kind, ms, status))
            if failure:
                self.failures.append(failure)


class Student:
    """One browser: its own cookie, one connection per request (gunicorn's sync workers close each)."""

    def __init__(self, member: str, link: str, stats: Stats, bank, rng: random.Random, options):
        address = urllib.parse.urlsplit(link)
        self.member, self.link, self.host, self.port = member, address.path, address.hostname, address.port
        self.stats, self.bank, self.rng, self.options = stats, bank, rng, options
        self.cookie, self.token = "", ""

    def request(self, kind: str, path: str, form=None) -> tuple[int, str, str]:
        """(status, location, body); recorded under `kind`. A refused connection or a timeout is a 599."""
        body = urllib.parse.urlencode(form, doseq=True) if form is not None else None
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
            try:
                connection.request("POST" if body is not None else "GET", path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode()
            finally:
                connection.close()
        except OSError as error:
            self.stats.add(kind, (time.perf_counter() - started) * 1000, 599, f"{kind} {path}: {error!r}")
            return 599, "", ""
        ms = (time.perf_counter() - started) * 1000
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        failure = f"{kind} {path}: HTTP {response.status} {text[:200]!r}" if response.status >= 400 else ""
        self.stats.add(kind, ms, response.status, failure)
        found = TOKEN.search(text)
        if found:
            self.token = found.group(1)
        return response.status, response.getheader("Location") or "", text

    def sign_in(self) -> bool:
        status, _, _ = self.request("signin", self.link)
        return status == 302 and self.request("home", "/")[0] == 200

    def run(self, until: float):
        """Steps and think times until `until` (a step under way finishes)."""
        if not self.sign_in():
            return
        self.think(until)  # reads the home page first, as after any other step
        while time.monotonic() < until:
            step = self.rng.random()
            if step < 1 / self.options.mock_every:
                self.mock()
            elif step < 0.15:
                self.request("review", self.rng.choice(["/review", "/progress"]))
            else:
                self.answer()
            self.think(until)

    def think(self, until: float):
        pause = self.options.think * self.rng.uniform(0.4, 1.6)
        time.sleep(max(0.0, min(pause, until - time.monotonic())))

    def answer(self):
        """The next question as the scheduler picks it, a preview while typing, then Check."""
        status, location, _ = self.request("practice", "/practice")
        if status != 302:
            return
        path = urllib.parse.urlsplit(location).path
        status, _, _ = self.request("question", path)
        if status != 200:
            return
        qid, seed = path.split("/")[2], int(path.split("/")[3])
        v = realize(self.bank, VariantIdentity(qid, seed))
        form = {"action": "check", "token": self.token, "session": f"bench-{secrets.token_hex(8)}"}
        right = self.rng.random() < self.options.right
        for p in v.parts:
            if p.response in ANSWERED:
                form[f"answer-{p.id}"] = self.typed(p, right)
        typed = [(p, form[f"answer-{p.id}"]) for p in v.parts if p.response in ("number", "formula")]
        if typed:
            p, text = typed[0]
            query = urllib.parse.urlencode({"qid": qid, "seed": seed, "part": p.id, "answer": text})
            self.request("preview", f"/api/preview?{query}")
        if len(form) == 3:  # only written or step-by-step parts: read it and move on
            return
        status, _, page = self.request("answer", path, form)
        if status == 200 and VERDICT.search(page):
            with self.stats.lock:
                self.stats.answers[self.member].add(form["session"])
        elif status == 200:
            with self.stats.lock:
                self.stats.refused += 1

    def typed(self, part, right: bool):
        if part.options:  # the letters ticked, one form value each
            key = [o.letter for o in part.options if o.letter in part.answer]
            wrong = [o.letter for o in part.options if o.letter not in part.answer]
            return key if right or not wrong else [self.rng.choice(wrong)]
        if right:
            return expected_text(part)
        return str(self.rng.choice([0, 2, 10, 0.5]))

    def mock(self):
        """Start the course's mock, open it, save one answer, hand it in, read the report."""
        if self.request("mock_home", "/mock")[0] != 200:
            return
        status, location, _ = self.request("mock_start", "/mock", {"token": self.token, "spec": "mock"})
        if status != 302:
            return
        path = urllib.parse.urlsplit(location).path
        status, _, page = self.request("mock_page", path)
        if status != 200:
            return
        answers = {}
        for kind, name, value in MOCK_FIELD.findall(page):
            if kind == "text":
                answers[name] = str(self.rng.choice([0.5, 1, 2]))
            elif name not in answers:
                answers[name] = value
        first = dict(list(answers.items())[:1])
        self.request(
            "mock_save", f"{path}/save", {"token": self.token, "via": "script", "fields": list(first), **first}
        )
        status, location, _ = self.request("mock_submit", path, {"token": self.token, **answers})
        if status == 302:
            with self.stats.lock:
                self.stats.mocks[self.member].add(path.split("/")[2])
            self.request("mock_report", path)


# --- the run and its report -----------------------------------------------------------------------------
def lost_in_database(database: str, stats: Stats) -> int:
    """Acknowledged answers without their rows, and handed-in mocks without their report."""
    store = ProgressStore(database)
    try:
        missing = 0
        for member in set(stats.answers) | set(stats.mocks):
            mine = store.for_student(member)
            recorded = {a["session"] for a in mine.attempts()}
            missing += len(stats.answers[member] - recorded)
            missing += sum(1 for m in stats.mocks[member] if (mine.mock(m) or {}).get("report") is None)
        return missing
    finally:
        store.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def report(stats: Stats, seconds: float, lost: int, client_cpu: float, options, workers: int) -> str:
    """The table per request kind, then the one summary line (returned, and printed last)."""
    by_kind = defaultdict(list)
    for kind, ms, _ in stats.requests:
        by_kind[kind].append(ms)
    errors = sum(1 for _, _, status in stats.requests if status >= 400)
    print(f"{'request':<12} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}")
    for kind, times in sorted(by_kind.items(), key=lambda item: -len(item[1])):
        failed = sum(1 for k, _, status in stats.requests if k == kind and status >= 400)
        print(f"{kind:<12} {len(times):>7} {len(times) / seconds:>7.1f} {percentile(times, 50):>8.0f} "
              f"{percentile(times, 95):>8.0f} {max(times):>8.0f} {failed:>7}")  # fmt: skip
    for failure in stats.failures[:10]:
        print("  error:", failure)
    everything = [ms for _, ms, _ in stats.requests]
    answers, mocks = sum(map(len, stats.answers.values())), sum(map(len, stats.mocks.values()))
    line = (
        f"class_load: {options.students} students, {options.servers} server(s) x {workers} workers, "
        f"{seconds:.0f} s: {len(everything) / seconds:.1f} req/s, p50 {percentile(everything, 50):.0f} ms, "
        f"p95 {percentile(everything, 95):.0f} ms, errors {errors}, lost {lost} "
        f"({answers} answers and {mocks} mocks acknowledged, {stats.refused} answers refused as unreadable; "
        f"client CPU {client_cpu:.0%} of one core)"
    )
    print(line, flush=True)
    return line


def run(options) -> str:
    workers = options.workers or default_workers(options.servers)
    reason = localdb.missing()
    if reason:
        raise SystemExit(f"class_load: {reason}")
    bank = load_bank()
    cluster = localdb.Cluster()
    servers = []
    with tempfile.TemporaryDirectory(prefix="examkit-class-load-") as scratch:
        try:
            cluster.start()
            database = cluster.database()
            class_file = write_course(Path(scratch), options.students)
            env = {**os.environ, "EXAMKIT_DATABASE_URL": database, "EXAMKIT_SECRET_KEY": secrets.token_urlsafe(32)}
            os.environ.update(EXAMKIT_DATABASE_URL=database, EXAMKIT_SECRET_KEY=env["EXAMKIT_SECRET_KEY"])
            for _ in range(options.servers):  # one after another: the first migrates the database
                servers.append(start_server(class_file, workers, env))
            links = {}
            for n, (_, url) in enumerate(servers):  # students spread over the servers, as a balancer would
                out = Path(scratch) / f"links{n}.csv"
                api.class_links(class_file, url, out)
                with open(out, newline="") as fh:
                    rows = [r for r in csv.DictReader(fh) if r["role"] == "student"]
                links.update({r["id"]: r["link"] for i, r in enumerate(rows) if i % options.servers == n})
            return _drive(options, workers, bank, links, database)
        finally:
            for proc, _ in servers:
                proc.send_signal(signal.SIGTERM)
            for proc, _ in servers:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            cluster.stop()


def _drive(options, workers, bank, links, database) -> str:
    """The students, started over the first think time (not all at one instant), then the report."""
    stats = Stats()
    rng = random.Random(options.seed)
    students = [
        Student(m, link, stats, bank, random.Random(rng.random()), options) for m, link in sorted(links.items())
    ]
    cpu_before, started = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    until = started + options.seconds
    threads = []
    for student in students:
        thread = threading.Thread(target=student.run, args=(until,), daemon=True)
        threads.append(thread)
        thread.start()
        time.sleep(options.think / len(students))
    for thread in threads:
        thread.join(until - time.monotonic() + TIMEOUT_S * 3)
    seconds = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime) / seconds
    return report(stats, seconds, lost_in_database(database, stats), client_cpu, options, workers)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=300, help="simulated students, all active (default 300)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long they practise (default 60)")
    parser.add_argument("--servers", type=int, default=1, help="`examkit class serve` processes on the one database")
    parser.add_argument("--workers", type=int, help="gunicorn workers per server (default: the cores / servers)")
    parser.add_argument("--think", type=float, default=5.0, help="mean seconds a student thinks between steps (5)")
    parser.add_argument("--right", type=float, default=0.6, help="share of answers sent right (default 0.6)")
    parser.add_argument("--mock-every", type=int, default=25, help="one step in this many is a mock exam (25)")
    parser.add_argument("--seed", type=int, default=0, help="the students' choices and think times")
    options = parser.parse_args(argv)
    if options.students < 1 or options.servers < 1 or options.seconds <= 0 or options.think <= 0:
        parser.error("--students, --servers, --seconds and --think must be positive")
    line = run(options)
    errors, lost = (int(re.search(rf"{k} (\d+)", line).group(1)) for k in ("errors", "lost"))
    return 0 if errors == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
