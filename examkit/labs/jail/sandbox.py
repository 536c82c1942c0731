"""The jail that student code runs in: bubblewrap (no network, read-only system, private /tmp, a
single writable scratch folder, own PID namespace), plus resource limits (address space, CPU time,
processes, file size, open files) and, where the machine allows, a cgroup capping processes and
memory for the whole jail. Output is read with a cap, so a flood costs nothing.

The grader's own code and the reference models are masked inside the jail.

Where bubblewrap cannot start (a Gradescope container), `Limits.user` runs student code as that
unprivileged user with seccomp.py's network filter; lockdown.py locks and verifies the rest.
"""

from __future__ import annotations

import importlib.util
import os
import resource
import shutil
import signal
import site
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .quota import ScratchQuota
from .seccomp import NetworkFilter, SeccompUnavailable

HIDDEN_PACKAGES = ("examkit", "reference_models")
SHM_MB = 64


class SandboxUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 3072  # address space per process (torch needs ~1.5 GB of mappings)
    cpu_seconds: int = 120  # CPU time per process
    processes: int = 64  # tasks in the jail (cgroup) / per user (rlimit)
    file_mb: int = 64  # largest file the jail may write
    scratch_mb: int = 512  # all it may write together (quota.py, watched from outside)
    scratch_files: int = 20000
    open_files: int = 256
    output_kb: int = 256  # stdout/stderr kept; the rest is discarded
    user: str | None = None  # without bubblewrap (a Gradescope container): this unprivileged user, no network


@dataclass
class RunResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float
    truncated: bool
    quota_exceeded: str | None = None


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def bwrap_works() -> bool:
    """bubblewrap installed and allowed to make its namespaces here (many containers refuse)."""
    if not bwrap_path():
        return False
    try:
        done = subprocess.run(
            [bwrap_path(), "--unshare-all", "--ro-bind", "/", "/", "true"], capture_output=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _masked_paths() -> list[str]:
    """Every copy of the grader's packages the jail could see: installed, or found on sys.path."""
    paths = set()
    for name in HIDDEN_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            paths.update(str(Path(p).resolve()) for p in spec.submodule_search_locations)
        for site_dir in site.getsitepackages() + [site.getusersitepackages()]:
            candidate = Path(site_dir) / name
            if candidate.is_dir():
                paths.add(str(candidate.resolve()))
    return sorted(paths)


def _python_root() -> str:
    return str(Path(sys.base_prefix).resolve())


def bwrap_command(
    scratch: Path, harness_dir: Path, argv: list[str], extra_ro: dict | None = None, env: dict | None = None
) -> list[str]:
    cmd = [
        bwrap_path(),
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--setenv",
        "HOME",
        "/scratch",
        "--setenv",
        "PATH",
        "/usr/bin:/bin",
        "--setenv",
        "PYTHONDONTWRITEBYTECODE",
        "1",
        "--setenv",
        "OMP_NUM_THREADS",
        "1",
        "--setenv",
        "MPLBACKEND",
        "Agg",
        "--setenv",
        "TMPDIR",
        "/scratch",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(SHM_MB * 2**20),
        "--tmpfs",
        "/dev/shm",  # bwrap's /dev is a writable tmpfs as large as memory: shared memory gets a cap
    ]
    for path in ("/usr", "/lib", "/lib64", "/bin"):
        if os.path.exists(path):
            cmd += ["--ro-bind", path, path]
    root = _python_root()
    cmd += ["--ro-bind", root, root]
    prefix = str(Path(sys.prefix).resolve())
    if prefix != root:
        cmd += ["--ro-bind", prefix, prefix]
    for hidden in _masked_paths():
        if hidden.startswith((root, prefix)):
            cmd += ["--tmpfs", hidden]
    for host, inside in (extra_ro or {}).items():
        cmd += ["--ro-bind", str(host), inside]
    for key, value in (env or {}).items():
        cmd += ["--setenv", key, value]
    cmd += [
        "--bind",
        str(scratch),
        "/scratch",
        "--ro-bind",
        str(harness_dir),
        "/harness",
        "--chdir",
        "/scratch",
        "--remount-ro",
        "/dev",
        "--remount-ro",
        "/",
    ]  # the jail's own root and /dev are read-only too: only /scratch (and a small /dev/shm) is writable
    return cmd + argv


class _Cgroup:
    """cgroup v1 (pids, memory) or v2 limits for one jail, when this process may create them."""

    def __init__(self, limits: Limits):
        self.dirs, self.problem = [], None  # why no cgroup holds this jail (per-process limits still do)
        name = f"examkit-{uuid.uuid4().hex[:12]}"
        v2 = Path("/sys/fs/cgroup/cgroup.controllers")
        try:
            if v2.exists():
                d = Path("/sys/fs/cgroup") / name
                d.mkdir()
                self.dirs.append(d)
                (d / "pids.max").write_text(str(limits.processes))
                (d / "memory.max").write_text(str((limits.memory_mb + 1024) * 2**20))
            else:
                for controller, settings in (
                    ("pids", {"pids.max": limits.processes}),
                    ("memory", {"memory.limit_in_bytes": (limits.memory_mb + 1024) * 2**20}),
                ):
                    base = Path("/sys/fs/cgroup") / controller
                    if not base.is_dir():
                        continue
                    d = base / name
                    d.mkdir()
                    self.dirs.append(d)
                    for key, value in settings.items():
                        (d / key).write_text(str(value))
            if not self.dirs:
                self.problem = "this machine has no pids or memory cgroup controller"
        except OSError as exc:
            self.close()
            self.dirs = []
            self.problem = f"{exc.strerror or exc} ({exc.filename or 'cgroup'})"

    def join(self):
        """Called in the child before exec: it and everything it starts live in the cgroup."""
        for d in self.dirs:
            try:
                (d / "cgroup.procs").write_text(str(os.getpid()))
            except OSError:
                pass

    def close(self):
        for d in self.dirs:
            for _ in range(50):
                try:
                    pids = [int(p) for p in (d / "cgroup.procs").read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.02)
            try:
                d.rmdir()
            except OSError:
                pass


def cgroup_problem(limits: Limits = Limits()) -> str | None:
    """Why a jail here would run without its cgroup caps on processes and memory for the whole
    jail (None if it would have them), tried once the way every jail tries: a grader reports it
    instead of grading under weaker limits in silence."""
    probe = _Cgroup(limits)
    probe.close()
    return None if probe.problem is None else f"no cgroup limits for the jail: {probe.problem}; per-process limits only"


def _read_capped(stream, limit: int, sink: list, flags: list):
    kept = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        if kept < limit:
            sink.append(chunk[: limit - kept])
            kept += len(sink[-1])
        else:
            flags.append(True)


def spawn_jailed(
    argv: list[str],
    scratch: Path,
    harness_dir: Path,
    *,
    limits: Limits = Limits(),
    sandbox: bool = True,
    extra_ro: dict | None = None,
    env: dict | None = None,
):
    """Start `argv` in the jail with pipes on stdin, stdout and stderr; returns (process, cgroup)."""
    if sandbox and not bwrap_path():
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed: install it (Debian: apt-get install bubblewrap) "
            "or pass --unsafe-no-sandbox to run student code without a jail"
        )
    ids = _unprivileged(limits.user, scratch) if limits.user else None
    try:  # without bubblewrap there is no network namespace: a seccomp filter takes the network away
        netfilter = NetworkFilter() if limits.user else None
    except SeccompUnavailable as exc:
        raise SandboxUnavailable(str(exc)) from None
    cgroup = _Cgroup(limits)

    def prepare():
        os.setsid()
        cgroup.join()
        for res, value in (
            (resource.RLIMIT_AS, limits.memory_mb * 2**20),
            (resource.RLIMIT_CPU, limits.cpu_seconds),
            (resource.RLIMIT_FSIZE, limits.file_mb * 2**20),
            (resource.RLIMIT_NOFILE, limits.open_files),
            (resource.RLIMIT_NPROC, limits.processes),
            (resource.RLIMIT_CORE, 0),
        ):
            try:
                resource.setrlimit(res, (value, value))
            except (ValueError, OSError):
                pass
        if ids:  # last: from here on the process cannot write what its user does not own
            os.setgroups([])
            os.setgid(ids[1])
            os.setuid(ids[0])
        if netfilter:
            netfilter.install()

    if sandbox:
        command = bwrap_command(scratch, harness_dir, argv, extra_ro, env)
        cwd = None
    else:  # explicit --unsafe-no-sandbox: same limits, no isolation
        command = [
            sys.executable
            if a == "python"
            else str(harness_dir) + a[len("/harness") :]
            if a.startswith("/harness/")
            else a
            for a in argv
        ]
        cwd = scratch
    plain_env = {"HOME": str(scratch), "PATH": "/usr/bin:/bin", **{k: v for k, v in (env or {}).items()}}
    if not sandbox:
        for host, inside in (extra_ro or {}).items():  # no jail: point at the host paths directly
            plain_env = {k: (str(host) if v == inside else v) for k, v in plain_env.items()}
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=prepare,
            cwd=cwd,
            env=None if sandbox else plain_env,
        )
    except BaseException:
        cgroup.close()
        raise
    return proc, cgroup


def student_ids(user: str) -> tuple[int, int]:
    """(uid, gid) of the unprivileged user student code runs as; SandboxUnavailable if there is none."""
    import pwd

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise SandboxUnavailable(
            f"no user {user!r} to run student code as (setup.sh creates it: useradd {user})"
        ) from None
    if entry.pw_uid == 0:
        raise SandboxUnavailable(f"user {user!r} is root: student code needs an unprivileged user")
    return entry.pw_uid, entry.pw_gid


def _unprivileged(user: str, scratch: Path) -> tuple[int, int]:
    """(uid, gid) of `user`, with the scratch folder given to it and its parents traversable."""
    uid, gid = student_ids(user)
    for folder, _, files in os.walk(scratch):
        os.chown(folder, uid, gid)
        for name in files:
            os.chown(os.path.join(folder, name), uid, gid)
    parent = scratch.parent
    parent.chmod(parent.stat().st_mode | 0o111)
    return uid, gid


def read_capped_in_background(stream, limit_bytes: int) -> tuple[threading.Thread, list, list]:
    """Drain a jail's output stream, keeping at most `limit_bytes`: a flood costs nothing."""
    sink, flags = [], []
    reader = threading.Thread(target=_read_capped, args=(stream, limit_bytes, sink, flags), daemon=True)
    reader.start()
    return reader, sink, flags


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


def kill_jail(proc, cgroup):
    kill_group(proc)
    proc.wait()
    cgroup.close()


def run_jailed(
    argv: list[str],
    scratch: Path,
    harness_dir: Path,
    *,
    stdin: bytes = b"",
    timeout: float = 60,
    limits: Limits = Limits(),
    sandbox: bool = True,
    extra_ro: dict | None = None,
    env: dict | None = None,
) -> RunResult:
    """Run `argv` (e.g. [python, /harness/harness.py]) in the jail; never raises for what the code does."""
    started = time.monotonic()
    proc, cgroup = spawn_jailed(argv, scratch, harness_dir, limits=limits, sandbox=sandbox, extra_ro=extra_ro, env=env)
    readers = [
        read_capped_in_background(proc.stdout, limits.output_kb * 1024),
        read_capped_in_background(proc.stderr, limits.output_kb * 1024),
    ]
    try:
        proc.stdin.write(stdin)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass
    timed_out = False
    quota = ScratchQuota(scratch, limits.scratch_mb, limits.scratch_files, lambda: kill_group(proc))
    try:
        with quota:
            proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        kill_jail(proc, cgroup)  # also whatever the jail left behind
    for reader, _, _ in readers:
        reader.join(timeout=2)
    (_, out, out_flags), (_, err, err_flags) = readers
    return RunResult(
        proc.returncode,
        b"".join(out).decode("utf-8", "replace"),
        b"".join(err).decode("utf-8", "replace"),
        timed_out,
        time.monotonic() - started,
        bool(out_flags or err_flags),
        quota.exceeded,
    )
