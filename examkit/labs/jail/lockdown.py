"""Gradescope mode without bubblewrap: lock the grader's files away from the student user, then
verify every protection with a process started exactly as student code is, before any student
code runs. What does not hold is named, and the submission is not graded.

Protections (run_autograder runs as root; student code as the unprivileged `Limits.user`):
- files: the grader's packages (examkit, reference_models), /autograder/source (the zip: sources,
  reference models), /autograder/run_autograder, /autograder/submission_metadata.json and the
  results folder are made root-only (go-rwx). Permission bits, because Docker containers lack the
  CAP_SYS_ADMIN that bind mounts would need.
- network: seccomp.NetworkFilter in the student's process (spawn_jailed's preexec).
- identity: student code runs as that user (setuid in the preexec), so it writes nothing of root's.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from .sandbox import Limits, SandboxUnavailable, _masked_paths, run_jailed, student_ids

AUTOGRADER = Path("/autograder")
WRITE_PROBE = ".examkit-write-probe"

CHECK = r"""
import ctypes, json, os, socket, sys
asked = json.load(sys.stdin)
got = {"uid": os.getuid(), "euid": os.geteuid(), "read": [], "write": [], "network": []}
for path in asked["read"]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as f:
                f.read(1)
        got["read"].append(path)
    except OSError:
        pass
for path in asked["write"]:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644))
        got["write"].append(path)
    except OSError:
        pass
for name in ("AF_INET", "AF_INET6", "AF_PACKET", "AF_NETLINK"):
    try:
        socket.socket(getattr(socket, name), socket.SOCK_DGRAM).close()
        got["network"].append(name)
    except (OSError, AttributeError):
        pass
try:
    socket.create_connection(("127.0.0.1", asked["port"]), timeout=2).close()
    got["network"].append("a TCP connection to 127.0.0.1")
except OSError:
    pass
libc = ctypes.CDLL(None, use_errno=True)
if libc.syscall(425, 8, ctypes.create_string_buffer(120)) >= 0:
    got["network"].append("io_uring")
print(json.dumps(got))
"""


def protected_paths(results: Path) -> list[Path]:
    """What the student must not read (or write): the grader's packages, wherever they are
    installed, the autograder's own files, and the results folder."""
    paths = [Path(p) for p in _masked_paths()]
    paths += [AUTOGRADER / "source", AUTOGRADER / "run_autograder", AUTOGRADER / "submission_metadata.json"]
    paths.append(results.parent)
    unique = []
    for path in paths:
        if path.exists() and path not in unique:
            unique.append(path)
    return unique


def lock(paths: list[Path], user: str):
    """Make each path root-only: no access for group and others; anything the student owns becomes
    root's (a file of theirs they could chmod back)."""
    uid, _ = student_ids(user)
    for path in paths:
        info = path.lstat()
        if path.is_symlink():
            continue  # its target is locked where it lies (_masked_paths resolves)
        if info.st_uid == uid:
            os.chown(path, 0, 0)
        path.chmod(info.st_mode & 0o700)


def _cannot_start(user: str) -> list[str]:
    """Why student code cannot be started as `user` at all (empty: it can)."""
    if os.geteuid() != 0:
        return [
            "not running as root: student code cannot be run as another user, nor the grader's files "
            "locked away (Gradescope runs run_autograder as root; run it as root)"
        ]
    try:
        student_ids(user)
    except SandboxUnavailable as exc:
        return [str(exc)]
    return []


def lock_and_verify(results: Path, user: str) -> list[str]:
    """Lock the protected paths, then verify them all; what does not hold (empty: grade)."""
    if problems := _cannot_start(user):
        return problems  # before anything is locked
    results.parent.mkdir(parents=True, exist_ok=True)
    paths = protected_paths(results)
    try:
        lock(paths, user)
    except OSError as exc:
        return [f"could not make {exc.filename} root-only: {exc.strerror}"]
    return verify(paths, results, user)


def _sample(path: Path) -> list[str]:
    """The path and one file inside it (a folder's listing and a file's contents are tried)."""
    found = [str(path)]
    if path.is_dir():
        for folder, _, files in os.walk(path):
            if files:
                found.append(os.path.join(folder, sorted(files)[0]))
                break
    return found


def verify(paths: list[Path], results: Path, user: str) -> list[str]:
    """What does not hold, each with its fix; empty when student code may run. Runs a check
    process with the student's own preexec (user, limits, network filter)."""
    if problems := _cannot_start(user):
        return problems
    asked_read = [p for path in paths for p in _sample(path)]
    asked_write = [str(results), str(results.parent / WRITE_PROBE)]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0)
    request = {"read": asked_read, "write": asked_write, "port": listener.getsockname()[1]}
    problems = []
    try:
        with tempfile.TemporaryDirectory(prefix="examkit-lockdown-") as tmp:
            scratch = Path(tmp) / "scratch"
            scratch.mkdir()
            run = run_jailed(
                [sys.executable, "-c", CHECK],
                scratch,
                scratch,
                stdin=json.dumps(request).encode(),
                timeout=60,
                limits=Limits(user=user),
                sandbox=False,
            )
        got = json.loads(run.stdout)
    except (OSError, ValueError, subprocess.SubprocessError, SandboxUnavailable) as exc:
        return [f"student code cannot be started as {user!r} with the network filter: {exc}"]
    finally:
        try:
            listener.accept()[0].close()
            problems.append("the student reached a TCP listener on 127.0.0.1")
        except OSError:
            pass
        listener.close()
        (results.parent / WRITE_PROBE).unlink(missing_ok=True)
    if got["uid"] == 0 or got["euid"] == 0:
        problems.append(f"student code ran as root, not as {user!r}")
    for path in got["read"]:
        problems.append(f"the student can read {path} (make it root-only: chmod go-rwx, owned by root)")
    for path in got["write"]:
        problems.append(f"the student can write {path} (make {results.parent} root-only)")
    for what in got["network"]:
        problems.append(f"the student has network access: {what} (the seccomp network filter did not hold)")
    return problems
