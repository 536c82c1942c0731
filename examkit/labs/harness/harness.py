"""Runs INSIDE the jail. Loads a student's definitions, then runs each probe in a forked child with
its own time limit, writing plain data only: JSON scalars and .npy arrays (never pickles).

It judges nothing: expected values and scores are computed outside the jail, from the same seeded
inputs. References it needs are captured before student code runs, so monkeypatching torch or
numpy from the notebook cannot change what is written.
"""

import ast
import builtins
import json
import os
import signal
import sys
import time
import traceback
import types

import numpy as np
import torch
import torch.nn as nn

OUT = "/scratch/out"
_save = np.save
_asarray = np.asarray
_to_numpy = torch.Tensor.numpy
_detach = torch.Tensor.detach
_json_dump = json.dump
_open = open
_Tensor = torch.Tensor
_TENSOR_TYPES = (torch.Tensor, torch.nn.Parameter)
_exit = os._exit
_fork = os.fork
_manual_seed = torch.manual_seed
_deepcopy = __import__("copy").deepcopy
_ast_parse = ast.parse
_increment_lineno = ast.increment_lineno


class ProbeError(Exception):
    pass


def array(value, name="value"):
    """A student's tensor as float64 numpy; anything else is refused (no duck typing)."""
    if type(value) not in _TENSOR_TYPES and not isinstance(value, (float, int)):
        raise ProbeError(f"{name} is a {type(value).__name__}, expected a torch.Tensor")
    if isinstance(value, (float, int)):
        return _asarray(float(value), dtype=np.float64)
    return _asarray(_to_numpy(_detach(value).to(torch.float64).cpu()), dtype=np.float64)


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
    return ns


LIMITS = {"definition": 5.0, "run": 0.1}  # seconds per statement: a training loop is cut short
ESCALATE_S = 0.2  # after this much more, every line of a loop that swallows the stop raises it
RUN_BUDGET_S = 2.0  # all statements that do work together; after it, only definitions run


def load_student(statements, ns):
    """Run the notebook's statements in order, each on its own; a statement that fails, or that
    runs past its limit (a training loop), costs only itself."""
    failures = []
    spent = 0.0

    hard_at = [0.0]

    def on_alarm(signum, frame):
        if time.monotonic() > hard_at[0] or not _student_frame(frame):
            _stop_every_line(frame)  # the next line of the student's own code raises it
        if _student_frame(frame):
            raise StatementTimeLimit

    for st in statements:
        kind = st.get("kind", "definition")
        if kind == "run" and spent >= RUN_BUDGET_S:
            failures.append({**_where(st), "error": "not run: the notebook's time for top-level work was spent"})
            continue
        limit = LIMITS.get(kind, 1.0)
        started = time.monotonic()
        hard_at[0] = started + limit + ESCALATE_S
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit, 0.05)
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
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            sys.settrace(None)
        if kind == "run":
            spent += time.monotonic() - started
    return failures


def _where(st):
    return {"cell": st["cell"], "line": st["line"], "defines": st["defines"]}


def need(ns, name):
    if name not in ns:
        raise ProbeError(f"`{name}` is not defined")
    return ns[name]


# --- VAE probes --------------------------------------------------------------------------------
def _vae(ns, latent=20):
    return need(ns, "VAE")(latent_dim=latent)


def probe_vae_encode(ns, seed):
    model = _vae(ns)
    _manual_seed(seed)
    x = torch.rand(4, 1, 28, 28)
    try:
        mu, logvar = model.encode(x)
        form = "image"
    except Exception:
        mu, logvar = model.encode(x.view(4, 784))
        form = "flat"
    return {"mu": array(mu), "logvar": array(logvar), "input_form": form}


def probe_vae_decode(ns, seed):
    model = _vae(ns)
    _manual_seed(seed)
    out = model.decode(torch.randn(5, 20) * 3)
    return {"out": array(out)}


def probe_vae_forward(ns, seed):
    model = _vae(ns)
    _manual_seed(seed)
    result = model(torch.rand(3, 1, 28, 28))
    if not isinstance(result, tuple) or len(result) != 3:
        raise ProbeError("forward(x) must return (x_hat, mu, logvar)")
    return {"x_hat": array(result[0]), "mu": array(result[1]), "logvar": array(result[2])}


def probe_kl(ns, seed):
    _manual_seed(seed)
    mu, logvar = torch.randn(4, 5), torch.randn(4, 5)
    return {"kl": array(need(ns, "kl_divergence")(mu, logvar))}


def probe_reparam(ns, seed):
    model = _vae(ns)
    _manual_seed(seed)
    mu = torch.randn(2000, 4)
    logvar = torch.rand(2000, 4) * 2 - 1.5
    mu_g, logvar_g = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    z1 = model.reparameterize(mu_g, logvar_g)
    z2 = model.reparameterize(mu, logvar)
    grads = {}
    try:
        z1.sum().backward()
        grads = {
            "grad_mu": array(mu_g.grad) if mu_g.grad is not None else np.zeros(0),
            "grad_logvar": array(logvar_g.grad) if logvar_g.grad is not None else np.zeros(0),
        }
    except RuntimeError:
        grads = {"grad_mu": np.zeros(0), "grad_logvar": np.zeros(0)}
    return {"z1": array(z1), "z2": array(z2), **grads}


def probe_vae_loss(ns, seed):
    _manual_seed(seed)
    x = torch.rand(3, 784)
    x_hat = torch.rand(3, 784) * 0.9 + 0.05
    mu, logvar = torch.randn(3, 6), torch.randn(3, 6) * 0.5
    loss = need(ns, "vae_loss")
    out = {"beta1": array(loss(x_hat, x, mu, logvar)), "beta3": array(loss(x_hat, x, mu, logvar, beta=3.0))}
    try:
        out["beta0"] = array(loss(x_hat, x, mu, logvar, beta=0.0))
    except Exception:
        pass  # judged from beta 1 and 3 alone
    return out


_MODE_LAYERS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout, nn.BatchNorm1d, nn.BatchNorm2d)


def probe_sample(ns, seed):
    """Sampling from a model left in training mode (as after a training loop): dropout and batch
    norm layers must run in eval mode while sample() decodes."""
    model = _vae(ns)
    model.train()
    in_training = []
    for m in model.modules():
        if isinstance(m, _MODE_LAYERS):
            m.register_forward_pre_hook(lambda module, inputs: in_training.append(bool(module.training)))
    _manual_seed(seed)
    samples = array(need(ns, "sample")(model, 6))
    return {"samples": samples, "mode_layers_in_training": sum(in_training)}


def probe_interpolate(ns, seed):
    model = _vae(ns)
    model.eval()
    _manual_seed(seed)
    x1, x2 = torch.rand(1, 28, 28), torch.rand(1, 28, 28)
    with torch.no_grad():
        frames = need(ns, "interpolate")(model, x1, x2, steps=7)
        ends = []
        for x in (x1, x2):
            try:
                mu = model.encode(x.unsqueeze(0))[0]
            except Exception:
                mu = model.encode(x.view(1, 784))[0]
            ends.append(model.decode(mu))
    return {"frames": array(frames), "start": array(ends[0]), "end": array(ends[1])}


_DIGITS28 = []


def _digits28(n=512):
    """The bundled digits upscaled to 28x28, computed once (before the forks when warmed up)."""
    if not _DIGITS28:
        from sklearn.datasets import load_digits

        images = torch.tensor(load_digits().images, dtype=torch.float32).unsqueeze(1) / 16.0
        _DIGITS28.append(
            torch.nn.functional.interpolate(images, size=(28, 28), mode="bilinear", align_corners=False).clamp(0, 1)
        )
    return _DIGITS28[0][:n].clone()


def probe_vae_train(ns, seed):
    """A short training run of the student's VAE with the student's loss on bundled digits."""
    _manual_seed(seed)
    model = _vae(ns)
    loss_fn = need(ns, "vae_loss")
    data = _digits28()
    train, held = data[:448], data[448:]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def outputs():
        model.eval()
        with torch.no_grad():
            x_hat, mu, logvar = model(held)
        model.train()
        return x_hat, mu, logvar

    before = outputs()
    for _ in range(150):
        idx = torch.randint(0, len(train), (64,))
        x = train[idx]
        opt.zero_grad()
        x_hat, mu, logvar = model(x)
        loss = loss_fn(x_hat, x, mu, logvar)
        loss.backward()
        opt.step()
    after = outputs()
    result = {
        "before_x_hat": array(before[0]),
        "before_mu": array(before[1]),
        "before_logvar": array(before[2]),
        "after_x_hat": array(after[0]),
        "after_mu": array(after[1]),
        "after_logvar": array(after[2]),
    }
    # for the feedback page only: the trained model's samples and interpolation (their own checks score them)
    model.eval()
    for key, make in (
        ("trained_samples", lambda: need(ns, "sample")(model, 8)),
        ("trained_frames", lambda: need(ns, "interpolate")(model, held[0], held[3], steps=7)),
    ):
        try:
            with torch.no_grad():
                result[key] = array(make())
        except Exception:
            pass
    return result


# --- GAN probes --------------------------------------------------------------------------------
def probe_generator(ns, seed):
    g = need(ns, "Generator")(nz=100, ngf=16)
    g.eval()
    _manual_seed(seed)
    z = torch.randn(4, 100)
    with torch.no_grad():
        flat = g(z)
        spatial = g(z.view(4, 100, 1, 1))
        large = g(z * 100)  # without a Tanh, large codes leave [-1, 1]
    return {"flat": array(flat), "spatial": array(spatial), "large": array(large)}


def probe_discriminator(ns, seed):
    d = need(ns, "Discriminator")(ndf=16)
    d.eval()
    _manual_seed(seed)
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        out = d(x)
        large = d(x * 100)  # logits leave (0, 1) for large inputs; probabilities cannot
    return {"out": array(out), "large": array(large)}


class _InitProbe(nn.Module):
    def __init__(self):
        super().__init__()
        # fan-in 144: PyTorch's default init has std 0.048 here, far from DCGAN's 0.02 (at 64x64x4x4
        # layers the default is 0.018, and a missing init would pass)
        self.conv = nn.Conv2d(16, 32, 3)
        self.deconv = nn.ConvTranspose2d(32, 16, 3)
        self.bn = nn.BatchNorm2d(4096)


def probe_weights_init(ns, seed):
    _manual_seed(seed)
    m = _InitProbe()
    m.apply(need(ns, "weights_init"))
    return {
        "conv_w": array(m.conv.weight).ravel(),
        "deconv_w": array(m.deconv.weight).ravel(),
        "conv_b": array(m.conv.bias),
        "bn_w": array(m.bn.weight),
        "bn_b": array(m.bn.bias),
    }


def probe_gan_losses(ns, seed):
    """Both shapes a discriminator may return, (N,) and (N, 1): the contract allows either."""
    _manual_seed(seed)
    d_real, d_fake = torch.rand(6) * 0.8 + 0.1, torch.rand(6) * 0.8 + 0.1
    result = {"d_real": array(d_real), "d_fake": array(d_fake)}
    for suffix, (real, fake) in (("", (d_real, d_fake)), ("_col", (d_real.view(6, 1), d_fake.view(6, 1)))):
        for key, name, args in (("loss_d", "discriminator_loss", (real, fake)), ("loss_g", "generator_loss", (fake,))):
            try:
                result[key + suffix] = array(need(ns, name)(*(a.clone() for a in args)))
            except ProbeError:
                raise
            except Exception as exc:
                result[f"{key}{suffix}_error"] = f"{type(exc).__name__}: {str(exc)[:150]}"
    return result


class _TinyG(nn.Module):
    """Produces dark images (about -0.8) whatever z is: only its bias learns, so the effect of a G step
    on D(G(z)) does not depend on which z the student's code draws."""

    def __init__(self, nz=100):
        super().__init__()
        self.fc = nn.Linear(nz, 784)
        with torch.no_grad():
            self.fc.weight.zero_()
            self.fc.bias.fill_(-1.1)
        self.fc.weight.requires_grad_(False)

    def forward(self, z):
        return torch.tanh(self.fc(z.view(z.shape[0], -1))).view(-1, 1, 28, 28)


class _TinyD(nn.Module):
    """Returns (N,) or, like many students' discriminators, (N, 1): the contract allows both."""

    def __init__(self, column=False):
        super().__init__()
        self.fc = nn.Linear(784, 1)
        self.column = column

    def forward(self, x):
        out = torch.sigmoid(self.fc(x.view(x.shape[0], -1)))
        return out if self.column else out.view(-1)


def _grad_norm(module):
    total = 0.0
    for p in module.parameters():
        if p.grad is not None:
            total += float(_asarray(_to_numpy(_detach(p.grad)), dtype=np.float64).__pow__(2).sum())
    return total**0.5


def _watched(params, label, log, probe_fn, lr):
    """An SGD optimizer that records, at each step(), the state before and after. The record lives
    in this closure, not on the object the student's train_step is handed."""

    class SGD(torch.optim.SGD):
        def step(self, closure=None):
            before = probe_fn()
            result = super().step(closure)
            log.append({"opt": label, **before, "after": probe_fn()})
            return result

    return SGD(params, lr=lr)


def probe_train_step(ns, seed):
    """train_step on tiny networks, with D's output as (N,) and, if the student's losses need it
    (labels of shape (N, 1)), as (N, 1)."""
    need(ns, "train_step")
    try:
        return _train_step_run(ns, seed, column=False)
    except ProbeError:
        raise
    except Exception:
        return _train_step_run(ns, seed, column=True)


def _train_step_run(ns, seed, column):
    train_step = need(ns, "train_step")
    _manual_seed(seed)
    g, d = _TinyG(), _TinyD(column)
    real = 0.6 + 0.3 * torch.rand(8, 1, 28, 28)  # bright images: far from the dark fakes
    z_fixed = torch.randn(8, 100)
    log = []

    def state():
        with torch.no_grad():
            return {
                "d_real": float(d(real).mean()),
                "d_fake": float(d(g(z_fixed)).mean()),
                "g_grad": _grad_norm(g),
                "d_grad": _grad_norm(d),
            }

    # step sizes chosen so one D step moves D(x) by about 0.2 (no saturation) and one G step visibly moves D(G(z))
    opt_g, opt_d = _watched(g.parameters(), "G", log, state, 0.5), _watched(d.parameters(), "D", log, state, 1e-3)
    first = train_step(g, d, opt_g, opt_d, real, 100)
    for p in list(g.parameters()) + list(d.parameters()):  # sentinel: accumulation shows as huge grads
        p.grad = torch.full_like(p, 1e4)
    log.append({"marker": "second call"})
    second = train_step(g, d, opt_g, opt_d, real, 100)
    losses = []
    for result in (first, second):
        try:
            pair = [result[0], result[1]] if len(result) == 2 else None  # a tuple, a list, any 2-sequence
        except Exception:
            pair = None
        if pair is None:
            raise ProbeError("train_step must return (loss_D, loss_G)")
        losses.append([float(array(v).reshape(-1)[0]) if type(v) in _TENSOR_TYPES else float(v) for v in pair])
    return {"log": log, "losses": losses}


def probe_gan_train(ns, seed):
    """A short training run with the student's networks and train_step on bundled digits."""
    _manual_seed(seed)
    g = need(ns, "Generator")(nz=100, ngf=16)
    d = need(ns, "Discriminator")(ndf=16)
    # PyTorch's default initialization, as in the reference run: the student's weights_init has its own check
    data = _digits28(1024) * 2 - 1
    try:
        control = _deepcopy(g)  # the no-update control: same start, forward passes only
    except Exception:
        control = None
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    z = torch.randn(200, 100)
    start = [_detach(p).clone() for p in g.parameters()]
    g.eval()
    with torch.no_grad():
        before = g(z)
    g.train()
    batches = [torch.randint(0, len(data), (32,)) for _ in range(60)]
    for idx in batches:
        need(ns, "train_step")(g, d, opt_g, opt_d, data[idx], 100)
    g.eval()
    with torch.no_grad():
        after = g(z)
    moved = max((float((_detach(p) - s).abs().max()) for p, s in zip(g.parameters(), start)), default=0.0)
    result = {"before": array(before), "after": array(after), "moved": moved}
    if control is not None:  # what BatchNorm statistics alone do to the samples, with no parameter learning
        control.train()
        with torch.no_grad():
            for _ in batches:
                control(torch.randn(32, 100))
            control.eval()
            result["control"] = array(control(z))
    return result


PROBES = {name[len("probe_") :]: fn for name, fn in globals().items() if name.startswith("probe_")}


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
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(int(timeout) + 1)
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


def warm_up():
    """Work every notebook would repeat, done once before student code: fork() shares the result."""
    torch.set_num_threads(1)
    # Creating the first optimizer imports torch._dynamo (about 1 s).
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    _digits28()  # sklearn's import is most of its cost
    import matplotlib.pyplot  # noqa: F401  (nearly every notebook imports it)


def grade(request, out):
    """Load the student's definitions, run every probe, write the summary: one notebook."""
    global OUT, STUDENT
    OUT = out
    os.makedirs(OUT, exist_ok=True)
    ready = time.monotonic()
    STUDENT = student_namespace()
    failures = load_student(request["statements"], STUDENT)
    loaded = time.monotonic()
    outcomes = {}
    for probe in request["probes"]:
        outcomes[probe["name"]] = run_probe(probe["name"], request["seed"], probe.get("timeout", 10))
    with _open(f"{OUT}/summary.json", "w") as fh:
        _json_dump(
            {"definition_failures": failures, "probes": outcomes, "definition_seconds": round(loaded - ready, 3)}, fh
        )


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        import zygote

        zygote.serve(warm_up, grade)
    else:
        warm_up()
        grade(json.loads(sys.stdin.read()), os.path.join(os.getcwd(), "out"))  # /scratch/out in the jail
