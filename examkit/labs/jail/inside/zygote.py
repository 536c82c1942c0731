"""Runs INSIDE the jail: a warm process that grades one notebook after another.

Importing torch, matplotlib and scikit-learn costs ~2.5 s, more than grading itself. The zygote pays
it once, then forks per notebook. Notebooks must not see each other, so each fork:

  zygote (never runs student code, not dumpable: its /proc and pipes are closed to the rest)
    └─ supervisor  new user + PID namespace; enforces the notebook's deadline
         └─ notebook  PID 1 of that namespace: runs the student's code and the probes

When the notebook process ends, the kernel kills everything left in its namespace, so nothing a
submission started survives into the next one. The grader outside wipes /scratch between notebooks.

Protocol (one JSON object per line): the zygote writes {"ready": true} once, then reads
{"id", "statements", "probes", "seed", "timeout"} and answers {"id", "status"} when the notebook
is done; results are in /scratch/<id>/out, as in a one-shot jail.
"""

import ctypes
import json
import os
import signal
import sys
import time

CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
_libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option, value):
    _libc.prctl(option, value, 0, 0, 0)


def _enter_namespaces():
    """A user namespace (needed to be allowed a PID namespace) mapping our own ids, and a PID
    namespace that the next fork() starts as PID 1."""
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER | CLONE_NEWPID) failed")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)


def _supervise(job, grade, protocol_fds):
    """The supervisor: start the notebook process as PID 1 of a fresh namespace, wait, kill on deadline.
    Exit code: 0 done, 1 the notebook process failed, 2 killed by a signal, 3 deadline, 4 no namespace."""
    for fd in protocol_fds:
        os.close(fd)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        _enter_namespaces()
    except OSError:
        os._exit(4)
    pid = os.fork()
    if pid == 0:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _prctl(PR_SET_DUMPABLE, 1)  # the student's own process behaves normally under /proc/self
        try:
            os.dup2(2, 1)  # prints go to the jail's capped stderr, never to the protocol
            workdir = f"/scratch/{job['id']}"
            os.chdir(workdir)
            os.environ.update({"HOME": workdir, "TMPDIR": workdir})
            if job.get("check_isolation"):
                os._exit(0 if os.getpid() == 1 else 1)
            grade(job, f"{workdir}/out")
            os._exit(0)
        except BaseException:
            os._exit(1)
    deadline = time.monotonic() + float(job.get("timeout", 120))
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:  # the namespace is empty once its PID 1 is reaped
            if os.WIFSIGNALED(status):
                os._exit(2)
            os._exit(0 if os.WEXITSTATUS(status) == 0 else 1)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)  # PID 1 gone: the kernel kills the whole namespace
            os.waitpid(pid, 0)
            os._exit(3)
        time.sleep(0.005)


STATUS = {0: "ok", 1: "error", 2: "crashed", 3: "timeout", 4: "no isolation"}


def _run(job, grade, protocol_fds):
    pid = os.fork()
    if pid == 0:
        try:
            _supervise(job, grade, protocol_fds)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 2
    return STATUS.get(code, "error")


def serve(warm_up, grade):
    warm_up()
    _prctl(PR_SET_DUMPABLE, 0)  # student processes cannot open this process's /proc files or pipes
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    protocol_fds = (requests.fileno(), replies.fileno())

    def reply(message):
        replies.write(json.dumps(message).encode() + b"\n")
        replies.flush()

    os.makedirs("/scratch/isolation-check", exist_ok=True)
    isolated = _run({"id": "isolation-check", "check_isolation": True, "timeout": 20}, grade, protocol_fds) == "ok"
    reply({"ready": isolated})
    if not isolated:
        return
    for line in requests:
        try:
            job = json.loads(line)
            job_id = str(job["id"])
        except (ValueError, KeyError, TypeError):
            reply({"id": None, "status": "bad request"})
            continue
        reply({"id": job_id, "status": _run(job, grade, protocol_fds)})
    sys.exit(0)
