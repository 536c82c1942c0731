"""Runs INSIDE the jail. Loads a student's definitions, then runs each probe in a forked child with
its own time limit, writing plain data only: JSON scalars and .npy arrays (never pickles).

It judges nothing: expected values and scores are computed outside the jail, from the same seeded
inputs. What it writes is the student's answer, not a measurement the judges take on trust: student
code shares this process and can reach anything in it (frames, gc, threads). References it needs
are captured before student code runs, so an innocent monkeypatch of torch or numpy in a notebook
does not change what is written.
"""

import ast
import builtins
import importlib
import json
import os
import select
import signal
import sys
import time
import traceback
import types

import numpy as np
import torch

OUT = "/scratch/out"
_save = np.save
_json_dump = json.dump
_open = open
_exit = os._exit
_fork = os.fork
_ast_parse = ast.parse
_increment_lineno = ast.increment_lineno
_set_default_dtype = torch.set_default_dtype
# The timers the harness sets, captured before student code: `signal.alarm = lambda *a: 0` in a
# notebook cannot switch them off (a notebook that ignores SIGALRM meets them installed again).
_signal, _setitimer, _alarm = signal.signal, signal.setitimer, signal.alarm


class StatementTimeLimit(BaseException):
    """Raised into a statement that runs too long: not an Exception, so `except Exception` in a
    training loop does not swallow it, and raised again every 50 ms until the statement ends.
    A loop that catches everything (`except: pass` inside it) gets it on every line it runs
    from ESCALATE_S on, its handlers included, so it cannot keep the statement alive."""


def _student_frame(frame) -> bool:
    """Code compiled from the notebook (`<cell N>`): only there is the stop raised, never inside
    torch or the standard library, whose own state (grad mode, locks) must stay consistent."""
    return frame.f_code.co_filename.startswith(("<cell", "<magic>"))


def _stop_every_line(frame):
    def tracer(f, event, arg):
        if event == "line" and _student_frame(f):
            raise StatementTimeLimit
        return tracer

    sys.settrace(tracer)
    while frame is not None:
        if _student_frame(frame):
            frame.f_trace, frame.f_trace_lines = tracer, True
        frame = frame.f_back


class _Null:
    """Whatever a notebook asks of IPython beyond what grading answers: does nothing, quietly."""

    def __call__(self, *args, **kwargs):
        return self

    def __getattr__(self, name):
        return self

    def __bool__(self):
        return False

    def __iter__(self):
        return iter(())


class _SList(list):
    """`x = !cmd` gives IPython's SList; offline it is empty (x.s, x.n, x.l, x.grep() still work)."""

    s = n = ""
    l = property(list)  # noqa: E741 (IPython's name)

    def grep(self, *args, **kwargs):
        return _SList()

    def fields(self, *args):
        return _SList()


class Shell:
    """`get_ipython()` inside the jail: shell commands and display magics do nothing (grading is
    offline; extract.py tells the student so), `%time stmt` runs stmt, `%%writefile` writes."""

    def __init__(self, ns):
        self.user_ns = ns

    def system(self, cmd, *args, **kwargs):
        return 0

    def getoutput(self, cmd, *args, **kwargs):
        return _SList()

    def run_line_magic(self, name, line, *args, **kwargs):
        if name in ("time", "timeit"):
            exec(compile(line, "<magic>", "exec"), self.user_ns)
        return None

    def run_cell_magic(self, name, line, body, *args, **kwargs):
        if name in ("writefile", "file"):
            words = line.split()
            if words:
                with _open(words[-1], "a" if "-a" in words[:-1] else "w") as fh:
                    fh.write(body)
        elif name in ("time", "timeit", "capture", "prun"):
            exec(compile(body, "<magic>", "exec"), self.user_ns)
        return None

    def __getattr__(self, name):
        return _Null()


def student_namespace():
    """The notebook's globals, as Jupyter makes them: the module `__main__` (so `import __main__`
    finds the student's names, not the harness), IPython's `get_ipython` and `display`, the
    working folder importable, and the kernel's argv (argparse sees what it sees in Jupyter)."""
    main = types.ModuleType("__main__")
    ns = main.__dict__
    ns["__builtins__"] = builtins
    shell = Shell(ns)
    ns["get_ipython"] = lambda: shell
    ns["display"] = lambda *args, **kwargs: None
    sys.modules["__main__"] = main
    sys.modules.pop("zygote", None)  # nothing of the harness by module name
    sys.argv = ["ipykernel_launcher.py", "-f", "kernel.json"]
    sys.path.insert(0, os.getcwd())
    sys.path.append(OFFLINE)  # last: a real torchvision, where installed, comes first
    return ns


OFFLINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "offline")


def offline_stand_ins() -> list:
    """Which offline stand-ins (offline/) the notebook imported: its reading notes say so."""
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if "." not in name and (getattr(module, "__file__", None) or "").startswith(OFFLINE)
    )


LIMITS = {"definition": 5.0, "run": 0.1}  # seconds per statement: a training loop is cut short
ESCALATE_S = 0.2  # after this much more, every line of a loop that swallows the stop raises it
RUN_BUDGET_S = 2.0  # all statements that do work together; after it, only definitions run


def load_student(statements, ns, skip=None, progress=None):
    """Run the notebook's statements in order, each on its own; a statement that fails, or that
    runs past its limit (a training loop), costs only itself. `skip` (index -> why) are those an
    earlier load could not stop; each statement's start is told on `progress` (see guarded_grade)."""
    failures = []
    spent = 0.0
    skip = skip or {}

    hard_at = [0.0]

    def on_alarm(signum, frame):
        if time.monotonic() > hard_at[0] or not _student_frame(frame):
            _stop_every_line(frame)  # the next line of the student's own code raises it
        if _student_frame(frame):
            raise StatementTimeLimit

    for index, st in enumerate(statements):
        kind = st.get("kind", "definition")
        if index in skip:
            failures.append({**_where(st), "error": skip[index]})
            continue
        if progress is not None:
            _tell(progress, f"S {index} {kind}\n")
        if kind == "run" and spent >= RUN_BUDGET_S:
            failures.append({**_where(st), "error": "not run: the notebook's time for top-level work was spent"})
            continue
        limit = LIMITS.get(kind, 1.0)
        started = time.monotonic()
        hard_at[0] = started + limit + ESCALATE_S
        _signal(signal.SIGALRM, on_alarm)
        _setitimer(signal.ITIMER_REAL, limit, 0.05)
        try:
            tree = _ast_parse(st["source"])
            _increment_lineno(tree, st["line"] - 1)
            code = compile(tree, f"<cell {st['cell']}>", "exec", flags=st.get("flags", 0), dont_inherit=True)
            exec(code, ns)
        except StatementTimeLimit:
            failures.append({**_where(st), "error": f"stopped after {limit:g} s", "interrupted": limit})
            torch.set_grad_enabled(True)  # as every cell of a fresh kernel starts
        except BaseException as exc:  # SystemExit, KeyboardInterrupt from student code included
            failures.append({**_where(st), "error": f"{type(exc).__name__}: {str(exc)[:200]}"})
        finally:
            _setitimer(signal.ITIMER_REAL, 0)
            _signal(signal.SIGALRM, signal.SIG_IGN)
            sys.settrace(None)
        if kind == "run":
            spent += time.monotonic() - started
    return failures


def _where(st):
    return {"cell": st["cell"], "line": st["line"], "defines": st["defines"]}


def lab_probes(lab: str) -> dict:
    """The probes of one lab (lab_probes/<lab>/probes.py, copied from examkit/labs/<lab>/)."""
    module = importlib.import_module(f"lab_probes.{lab}.probes")
    return {name[len("probe_") :]: fn for name, fn in vars(module).items() if name.startswith("probe_")}


def _write(name, result):
    arrays, scalars = {}, {}
    for key, value in result.items():
        if isinstance(value, np.ndarray):
            arrays[key] = value
        else:
            scalars[key] = value
    for key, value in arrays.items():
        _save(f"{OUT}/{name}.{key}.npy", value, allow_pickle=False)
    with _open(f"{OUT}/{name}.json", "w") as fh:
        _json_dump({"ok": True, "values": scalars, "arrays": sorted(arrays)}, fh)


def _kill_group(pid):
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError:
            pass
    try:  # reap whatever was killed
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def run_probe(name, seed, timeout):
    """Fork: the child runs the probe; the parent enforces the time limit and records the outcome."""
    pid = _fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)  # the probe and anything it forks form one group, killed together
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)  # student prints go nowhere
            _signal(signal.SIGALRM, signal.SIG_DFL)
            _alarm(int(timeout) + 1)
            # The probes' inputs and the judges' recomputations are float32: a notebook that made
            # float64 its default builds its model for the checks in float32, as the reference does,
            # so the default it chose changes nothing it is graded on.
            _set_default_dtype(torch.float32)
            _write(name, PROBES[name](STUDENT, seed))
            _exit(0)
        except BaseException as exc:
            try:
                with _open(f"{OUT}/{name}.error.json", "w") as fh:
                    _json_dump(
                        {
                            "error": f"{type(exc).__name__}: {str(exc)[:300]}",
                            "trace": traceback.format_exc(limit=3)[-800:],
                        },
                        fh,
                    )
            finally:
                _exit(1)
    started = time.monotonic()
    deadline = started + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            _kill_group(pid)  # leftovers a probe forked must not outlive it
            seconds = round(time.monotonic() - started, 3)
            if os.WIFSIGNALED(status):
                return {"status": "crashed", "detail": f"killed by signal {os.WTERMSIG(status)}", "seconds": seconds}
            code = os.WEXITSTATUS(status)
            return {"status": "ok" if code == 0 else "error", "detail": f"exit code {code}", "seconds": seconds}
        if time.monotonic() > deadline:
            _kill_group(pid)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass  # already reaped by _kill_group
            return {"status": "timeout", "detail": f"no result after {timeout:g} s"}
        time.sleep(0.005)


STUDENT = {}  # the notebook's namespace, filled by grade()
PROBES = {}  # the lab's probes, by name


def _matplotlib_config():
    """Point matplotlib at a writable copy of the prebuilt font cache. The grader binds its cache
    read-only (MPLCONFIGDIR), and matplotlib ignores a config folder it cannot write, so every jail
    rebuilt the font list from the system's fonts (1.1 s) before this copy into the scratch space."""
    prebuilt = os.environ.get("MPLCONFIGDIR")
    if not prebuilt or not os.path.isdir(prebuilt) or os.access(prebuilt, os.W_OK):
        return
    own = os.path.join(os.environ.get("HOME") or os.getcwd(), ".matplotlib")
    try:
        os.makedirs(own, exist_ok=True)
        for name in os.listdir(prebuilt):
            if name.startswith("fontlist-") and name.endswith(".json"):
                with open(os.path.join(prebuilt, name), "rb") as src, open(os.path.join(own, name), "wb") as dst:
                    dst.write(src.read())
    except OSError:
        return  # matplotlib falls back to a temporary folder and builds the list itself
    os.environ["MPLCONFIGDIR"] = own


def warm_up():
    """Work every notebook would repeat, done once before student code: fork() shares the result."""
    _matplotlib_config()
    torch.set_num_threads(1)
    # Creating the first optimizer imports torch._dynamo (about 1 s).
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    from lab_probes.digits import digits28

    digits28()  # read and upscaled once, before the forks
    for entry in sorted(os.listdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "lab_probes"))):
        if not entry.endswith(".py") and not entry.startswith("_"):
            lab_probes(entry)
    import matplotlib.pyplot  # noqa: F401  (nearly every notebook imports it)


def grade(request, out, skip=None, progress=None):
    """Load the student's definitions, run every probe, write the summary: one notebook."""
    global OUT, STUDENT, PROBES
    OUT = out
    PROBES = lab_probes(request["lab"])
    os.makedirs(OUT, exist_ok=True)
    ready = time.monotonic()
    STUDENT = student_namespace()
    failures = load_student(request["statements"], STUDENT, skip, progress)
    if progress is not None:
        _tell(progress, "L\n")
    loaded = time.monotonic()
    outcomes = {}
    for probe in request["probes"]:
        outcomes[probe["name"]] = run_probe(probe["name"], request["seed"], probe.get("timeout", 10))
    with _open(f"{OUT}/summary.json", "w") as fh:
        _json_dump(
            {
                "definition_failures": failures,
                "probes": outcomes,
                "definition_seconds": round(loaded - ready, 3),
                "offline": offline_stand_ins(),
            },
            fh,
        )


def _tell(fd, line):
    try:
        os.write(fd, line.encode())
    except OSError:
        pass  # the notebook closed it: the guard then waits for the whole notebook's deadline


GRACE_S = 1.0  # beyond a statement's limit and escalation, before the guard gives up on stopping it
MAX_RELOADS = 3


def guarded_grade(request, out):
    """grade() in a child, watched from a process that never runs student code. A statement the
    child cannot stop (the notebook blocked or ignored the timer's signal) or that ends the process
    (os._exit at top level) is killed from here, and the notebook is loaded again without it: it
    costs its own statement, never the whole notebook."""
    skip = {}
    for _ in range(MAX_RELOADS + 1):
        read_end, write_end = os.pipe()
        pid = _fork()
        if pid == 0:
            os.close(read_end)
            os.setpgid(0, 0)
            try:
                grade(request, out, skip, write_end)
            finally:
                _exit(0)
        os.close(write_end)
        verdict = _watch(pid, read_end)
        os.close(read_end)
        if verdict is None:
            return
        index, why = verdict
        skip[index] = why
    statements = request["statements"]
    failures = [{**_where(statements[i]), "error": why} for i, why in sorted(skip.items()) if i < len(statements)]
    failures.append({**_where(statements[max(skip)]), "error": f"the notebook was loaded {MAX_RELOADS + 1} times "
                     "and stopped each time: grading gave up"})  # fmt: skip
    os.makedirs(out, exist_ok=True)
    with _open(f"{out}/summary.json", "w") as fh:
        _json_dump({"definition_failures": failures, "probes": {}, "offline": []}, fh)


def _watch(pid, read_end):
    """None once the child has loaded the notebook and finished; else (statement, why) to skip."""
    current, deadline, buffer = None, None, b""
    while True:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([read_end], [], [], wait)
        if ready:
            chunk = os.read(read_end, 4096)
            if not chunk:  # the child is gone, or it closed the pipe itself
                os.waitpid(pid, 0)
                if current is not None:
                    return (
                        current,
                        "ended the notebook's process (os._exit or a fatal signal); the notebook was run again without it",
                    )
                return None
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                words = line.split()
                if words[:1] == [b"L"]:
                    os.waitpid(pid, 0)  # the probes have their own limits, the notebook its deadline
                    return None
                if words[:1] == [b"S"] and len(words) == 3 and words[1].isdigit():
                    current = int(words[1])
                    deadline = time.monotonic() + LIMITS.get(words[2].decode(), 1.0) + ESCALATE_S + GRACE_S
        elif deadline is not None and time.monotonic() >= deadline:
            _kill_group(pid)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            return current, (
                "could not be stopped at its time limit (it blocks or ignores the timer's signal); "
                "the notebook was run again without it"
            )


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        import zygote

        zygote.serve(warm_up, guarded_grade)
    else:
        warm_up()
        guarded_grade(json.loads(sys.stdin.read()), os.path.join(os.getcwd(), "out"))  # /scratch/out in the jail
