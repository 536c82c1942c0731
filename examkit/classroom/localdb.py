"""A throwaway PostgreSQL server: Debian's `initdb` and `pg_ctl` (package postgresql, which
scripts/install-system-deps.sh installs) on a cluster in its own temporary folder, listening only on a
unix socket there. PostgreSQL refuses to run as root, so under root (CI, containers) the server runs
as the `postgres` user the Debian package creates.

Why it lives in the package: two users need the same server, the tests (the `postgres` fixture in
tests/conftest.py) and the class server's load bench (bench/class_load.py), and neither may keep a
copy of its own. It serves class mode only (a course's real database is the deployment's), so it
sits in classroom/, imported by no page; nothing here runs unless a caller starts a `Cluster`."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "postgres"


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps each version apart)."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    return max(found, key=lambda p: int(p.parent.name), default=None) if found else None


def missing() -> str | None:
    """Why no cluster can be started here, or None."""
    if binaries() is None:
        return "needs PostgreSQL (Debian: apt-get install postgresql; scripts/install-system-deps.sh installs it)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            return f"running as root needs the {SUPERUSER!r} user (Debian's postgresql package creates it)"
    return None


class Cluster:
    """initdb + pg_ctl start in a temporary folder; `database()` makes a fresh, empty database."""

    def __init__(self):
        self.bin = binaries()
        self.dir = Path(tempfile.mkdtemp(prefix="examkit-pg-"))  # short: a socket path has at most 107 bytes
        self.data, self.log = self.dir / "data", self.dir / "server.log"
        self._names = itertools.count(1)
        if os.geteuid() == 0:
            user = pwd.getpwnam(SUPERUSER)
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", SUPERUSER, "--"]
        else:
            self._as = []

    def _run(self, *command):
        done = subprocess.run([*self._as, *command], capture_output=True, text=True, timeout=120)
        if done.returncode:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}{log}")

    def start(self):
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        options = f"-k {self.dir} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.dir}"

    def database(self) -> str:
        """A new empty database's URL (each test its own, on the one server)."""
        import psycopg

        name = f"test{next(self._names)}"
        with psycopg.connect(host=str(self.dir), user=SUPERUSER, dbname="postgres", autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self):
        """Stop at once (the data is thrown away) and remove the folder once the server is gone."""
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-W", "stop")
            deadline = time.monotonic() + 30  # pg_ctl's own wait polls by the second
            while (self.data / "postmaster.pid").exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
