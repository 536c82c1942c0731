"""Lab autograder: full marks for the solutions, exactly the matching checks lost for each pitfall,
hostile submissions contained, real notebooks graded without running their heavy cells."""

import csv
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import nbformat
import pytest

from conftest import bare_env, run_cli
from examkit.labs import get_lab
from examkit.labs.extract import extract
from examkit.labs.grade import grade_batch, grade_submission
from examkit.labs.notebook import write_notebook
from lab_base import solution_cells
from lab_variants import (
    ACCEPTED_VARIANTS,
    GAN_PITFALLS,
    VAE_PITFALLS,
    source,
)

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


def failed_checks(results):
    return {t["name"] for t in results["tests"] if t["score"] < t["max_score"]}


def matches(failed, expected):
    return {e for e in expected if any(f.startswith(e) for f in failed)} == set(expected) and all(
        any(f.startswith(e) for e in expected) for f in failed
    )


CHECKS = {
    "vae": {
        "VAE.encode",
        "VAE.decode",
        "VAE.forward",
        "kl_divergence",
        "VAE.reparameterize",
        "vae_loss",
        "sample",
        "interpolate",
        "VAE training",
    },
    "gan": {
        "Generator",
        "Discriminator",
        "weights_init",
        "discriminator_loss",
        "generator_loss",
        "train_step",
        "GAN training",
    },
}


def assert_full_marks(results, lab):
    assert results["score"] == results["max_score"], [t for t in results["tests"] if t["score"] < t["max_score"]]
    assert {t["name"].split(":")[0] for t in results["tests"]} == CHECKS[lab]


def test_gan_solution_notebook_gets_full_marks(tmp_path):
    """(The VAE solution is graded in full by the extraction test below and the CLI batch test.)"""
    assert_full_marks(grade_submission("gan", write_notebook(get_lab("gan"), True, tmp_path / "gan.ipynb")), "gan")


def test_notebooks_are_read_as_jupyter_runs_them_and_syntax_errors_cost_one_cell(tmp_path):
    """IPython's transformation: `!pip` becomes a shell call that does nothing offline (and says so),
    `%matplotlib` a magic call; the training loop is kept (the jail bounds it in time); a cell with a
    syntax error is skipped and named, with its Jupyter cell number."""
    nb = nbformat.read(write_notebook(get_lab("vae"), True, tmp_path / "v.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("def broken(:\n    pass\nextra = 1"))
    nbformat.write(nb, str(tmp_path / "v.ipynb"))
    extracted = extract(tmp_path / "v.ipynb")
    sources = "\n".join(s["source"] for s in extracted.statements)
    assert "get_ipython().system('pip install" in sources and "run_line_magic('matplotlib'" in sources
    assert "for epoch in range" in sources and "class VAE" in sources and "def interpolate" in sources
    code_cells = sum(c.cell_type == "code" for c in nb.cells)
    assert extracted.skipped_cells == [{"cell": code_cells, "reason": "syntax error on line 1: invalid syntax"}]
    results = grade_submission("vae", tmp_path / "v.ipynb")
    assert_full_marks(results, "vae")
    assert (
        f"cell {code_cells}: syntax error" in results["output"]
        and "was not run (grading is offline)" in results["output"]
    )


def test_starter_notebook_scores_zero_with_clear_messages(tmp_path):
    results = grade_submission("vae", write_notebook(get_lab("vae"), False, tmp_path / "s.ipynb"))
    assert results["score"] == 0
    assert all(
        "NotImplementedError" in t["output"] or "not defined" in t["output"] or "error" in t["output"]
        for t in results["tests"]
    )


@pytest.mark.slow
@pytest.mark.parametrize("lab,pitfalls", [("vae", VAE_PITFALLS), ("gan", GAN_PITFALLS)])
def test_each_pitfall_loses_exactly_its_checks(tmp_path, lab, pitfalls):
    files = []
    for name, (old, new, _) in pitfalls.items():
        path = tmp_path / f"{name}.py"
        path.write_text(source(lab, [(old, new)]))
        files.append(path)
    for i, edits in enumerate(ACCEPTED_VARIANTS[lab]):
        path = tmp_path / f"accepted_{i}.py"
        path.write_text(source(lab, [edits]))
        files.append(path)
    grade_batch(lab, files, tmp_path / "out", jobs=2)
    for name, (_, _, expected) in pitfalls.items():
        results = json.loads((tmp_path / "out" / name / "results.json").read_text())
        assert matches(failed_checks(results), expected), (name, failed_checks(results))
    for i, _ in enumerate(ACCEPTED_VARIANTS[lab]):
        results = json.loads((tmp_path / "out" / f"accepted_{i}" / "results.json").read_text())
        assert not failed_checks(results), (i, failed_checks(results))


def test_the_jail_reads_the_prebuilt_matplotlib_font_cache(tmp_path):
    """The grader binds its font cache read-only, which matplotlib ignores (it wants a config folder
    it can write): the harness copies it into the scratch space first, so no jail rebuilds it (1 s)."""
    from examkit.labs.jail.runner import copy_harness, matplotlib_cache

    prebuilt, harness = matplotlib_cache(), copy_harness(tmp_path)
    assert prebuilt is not None
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    script = (
        f"import sys; sys.path.insert(0, {str(harness)!r}); import harness; harness._matplotlib_config(); "
        "import matplotlib.font_manager, matplotlib; print(matplotlib.get_cachedir())"
    )
    done = subprocess.run(  # everything read-only but the scratch folder, as in the jail
        [shutil.which("bwrap"), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--bind", str(scratch),
         str(scratch), "--clearenv", "--setenv", "HOME", str(scratch), "--setenv", "MPLCONFIGDIR", str(prebuilt),
         sys.executable, "-c", script],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(scratch / ".matplotlib") and "not a writable" not in done.stderr, done.stderr
    assert [p.name for p in (scratch / ".matplotlib").iterdir()] == [p.name for p in prebuilt.glob("fontlist-*.json")]


def test_a_time_scale_that_is_not_a_positive_number_is_refused(tmp_path):
    notebook = tmp_path / "lab.py"
    notebook.write_text(source("vae"))
    for scale in ("0", "-1", "nan"):
        result = run_cli("lab", "grade", "vae", str(notebook), "--out", str(tmp_path / "out"), "--time-scale", scale)
        assert (
            result.returncode == 2 and "(--time-scale) multiplies every time limit: a number above 0" in result.stderr
        ), result.stderr
    assert not (tmp_path / "out").exists()


def test_a_batch_imports_what_calls_ast_parse_before_its_threads_start(tmp_path):
    """CPython 3.11's ast.parse is not thread-safe (python/cpython#106905): a batch thread reading a
    notebook while another imported torch._dynamo (the judges' first optimizer) failed now and then.
    In a fresh process, torch._dynamo is imported before the batch's pool starts."""
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    probe = (
        "import sys, concurrent.futures as cf\n"
        "from examkit.labs import grade\n"
        "class Pool(cf.ThreadPoolExecutor):\n"
        "    def __init__(self, *a, **k):\n"
        "        print('dynamo before the pool:', 'torch._dynamo' in sys.modules)\n"
        "        super().__init__(*a, **k)\n"
        "grade.ThreadPoolExecutor = Pool\n"
        f"print(grade.grade_batch('vae', [{str(broken)!r}], {str(tmp_path / 'out')!r}, jobs=2)['scores'])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert "dynamo before the pool: True" in done.stdout and "{'broken': 0" in done.stdout, done.stdout + done.stderr


def test_cli_grade_batch_outputs_and_resume(tmp_path):
    good = write_notebook(get_lab("vae"), True, tmp_path / "alice.ipynb")
    bad = tmp_path / "bob.py"
    bad.write_text(source("vae", [(VAE_PITFALLS["beta_ignored"][0], VAE_PITFALLS["beta_ignored"][1])]))
    broken = tmp_path / "carol.ipynb"
    broken.write_text("{not json")
    out = tmp_path / "out"
    result = run_cli("lab", "grade", "vae", str(good), str(bad), str(broken), "--out", str(out), "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["scores"]["alice"] == summary["max_score"]
    assert summary["scores"]["bob"] == summary["max_score"] - 1
    assert summary["scores"]["carol"] == 0
    carol = json.loads((out / "carol" / "results.json").read_text())
    assert "not a readable notebook" in carol["tests"][0]["output"]
    for name in ("alice", "bob"):
        data = json.loads((out / name / "results.json").read_text())
        assert set(data) >= {"score", "tests"} and all(
            {"name", "score", "max_score", "output"} <= set(t) for t in data["tests"]
        )
        assert "<table>" in (out / name / "feedback.html").read_text()
    feedback = (out / "alice" / "feedback.html").read_text()
    assert feedback.count("<img") == 7 and "The same VAE after 60 steps with the reference loss" in feedback
    assert (out / "grades.csv").read_text().count("\n") == 4
    canvas = list(csv.reader(open(out / "canvas.csv")))
    assert canvas[0][-1] == "lab11.2_VAE" and canvas[1][0].strip() == "Points Possible"  # no "(17)": not an id
    assert [r[0] for r in csv.reader(open(out / "review.csv"))][1:] == ["carol"]
    for test in json.loads((out / "bob" / "results.json").read_text())["tests"]:  # Gradescope's fields
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
    again = run_cli("lab", "grade", "vae", str(good), str(bad), str(broken), "--out", str(out), "--json", timeout=300)
    assert json.loads(again.stdout)["reused"] == 3


def test_cli_starter_solution_and_refusal_without_sandbox(tmp_path):
    assert run_cli("lab", "starter", "gan", "--out", str(tmp_path)).returncode == 0
    assert (tmp_path / "lab11.1_GAN.ipynb").exists()
    assert run_cli("lab", "solution", "vae", "--out", str(tmp_path / "sol.ipynb")).returncode == 0
    nested = run_cli("lab", "solution", "vae", "--out", str(tmp_path / "new" / "deeper" / "alice.ipynb"))
    assert nested.returncode == 0 and (tmp_path / "new" / "deeper" / "alice.ipynb").is_file(), nested.stderr
    assert run_cli("lab", "starter", "vae", "--out", str(tmp_path / "made")).returncode == 0
    assert (tmp_path / "made" / "lab11.2_VAE.ipynb").is_file()
    refused = run_cli(
        "lab",
        "grade",
        "vae",
        str(tmp_path / "sol.ipynb"),
        "--out",
        str(tmp_path / "o"),
        env=bare_env(tmp_path),
        cwd=tmp_path,
    )
    assert refused.returncode == 2 and "--unsafe-no-sandbox" in refused.stderr


@pytest.mark.slow
@pytest.mark.parametrize("lab", ["vae", "gan"])
def test_notebooks_written_as_students_write_them_get_full_marks(tmp_path, lab, monkeypatch):
    """Colab headers (`x = !cmd`, a drive mount), %%time / %%capture cells, a notebook saved with
    6 MB of outputs, device chosen by if/elif, an argparse port of pytorch/examples, __future__
    and a @dataclass config, a long training loop inside `except Exception`, redefinitions,
    (N, 1) discriminator outputs and a list from train_step: each works in Jupyter, each gets full
    marks, and the notes name cells as Jupyter counts them. The batch's threads parse Python (a
    notebook, an array's header) only under extract.PYTHON_PARSING (CPython 3.11's ast.parse is not
    thread-safe)."""
    import ast
    import threading

    from examkit.labs.extract import PYTHON_PARSING
    from lab_styles import write_styles

    unlocked, parse = [], ast.parse

    def watched(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread() and not PYTHON_PARSING.locked():
            unlocked.append("".join(traceback.format_stack(limit=6)))
        return parse(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", watched)
    paths = write_styles(lab, tmp_path)
    grade_batch(lab, paths, tmp_path / "out", jobs=2)
    assert not unlocked, unlocked[0]
    for path in paths:
        results = json.loads((tmp_path / "out" / path.stem / "results.json").read_text())
        assert not failed_checks(results), (
            path.stem,
            [t["output"] for t in results["tests"] if t["score"] < t["max_score"]],
            results["output"],
        )
    jupytext = json.loads((tmp_path / "out" / "jupytext_percent" / "results.json").read_text())
    broken = len(solution_cells(lab)) + 1  # code cells, as Jupyter numbers a top-to-bottom run
    assert f"cell {broken}: syntax error" in jupytext["output"], jupytext["output"]
    long_loop = json.loads((tmp_path / "out" / "long_loop_in_try" / "results.json").read_text())
    assert "stopped after" in long_loop["output"] and "the checks train your model themselves" in long_loop["output"]
    colab = json.loads((tmp_path / "out" / "colab" / "results.json").read_text())
    assert "cell 1 line 1: `!nvidia-smi` was not run (grading is offline)" in colab["output"]


def test_gradescope_and_canvas_layouts_and_a_roster(tmp_path):
    """Gradescope's export (one folder per submission, every file named alike, the names in
    submission_metadata.yml) and Canvas's bulk download (login_userid_attachmentid_name) are read
    as one submission each, named after the student; a roster fills in the LMS ids."""
    from examkit.labs.submissions import SubmissionsError, apply_roster, collect

    export = tmp_path / "gradescope"
    for sid in ("1001", "1002"):
        (export / f"submission_{sid}").mkdir(parents=True)
        (export / f"submission_{sid}" / "lab11.2_VAE.ipynb").write_text("{}")
    (export / "submission_1001" / ".ipynb_checkpoints").mkdir()
    (export / "submission_1001" / ".ipynb_checkpoints" / "lab11.2_VAE-checkpoint.ipynb").write_text("{}")
    (export / "submission_metadata.yml").write_text(
        "submission_1001:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '42'\n    :email: ada@uni.edu\n"
    )
    canvas = tmp_path / "canvas"
    canvas.mkdir()
    (canvas / "smithjohn_12345_67890_lab11.2_VAE.ipynb").write_text("{}")
    (canvas / "doejane_LATE_222_333_lab11.2_VAE-1.ipynb").write_text("{}")
    found = {s.name: s for s in collect([export, canvas])}
    assert set(found) == {"submission_1001", "submission_1002", "smithjohn_12345", "doejane_222"}
    assert (found["submission_1001"].student, found["submission_1001"].sis_id) == ("Ada Lovelace", "42")
    assert (found["smithjohn_12345"].canvas_id, found["smithjohn_12345"].login) == ("12345", "smithjohn")
    roster = tmp_path / "roster.csv"
    roster.write_text("file,student,sis_id\nsubmission_1002,Alan Turing,7\n")
    subs = list(found.values())
    apply_roster(subs, roster)
    assert (found["submission_1002"].student, found["submission_1002"].sis_id) == ("Alan Turing", "7")
    roster.write_text("file,student\nnobody.ipynb,X\n")
    with pytest.raises(SubmissionsError, match="roster.csv:2: no submission matches 'nobody.ipynb'"):
        apply_roster(subs, roster)
    same = tmp_path / "same"
    for folder in ("a", "b"):
        (same / folder).mkdir(parents=True)
        (same / folder / "lab.ipynb").write_text("{}")
    assert sorted(s.name for s in collect([same])) == ["a-lab", "b-lab"]  # the folder tells them apart


def test_a_symlinked_submission_is_refused_not_followed(tmp_path):
    link = tmp_path / "lab11.2_VAE.ipynb"
    link.symlink_to("/dev/zero")
    results = grade_submission("vae", link)
    assert results["score"] == 0 and "not a regular file" in results["output"]


def test_gradescope_autograder_zip(tmp_path):
    import stat
    import subprocess
    import zipfile

    out = tmp_path / "autograder.zip"
    assert run_cli("lab", "autograder", "vae", "--out", str(out)).returncode == 0
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        run = archive.read("run_autograder").decode()
        setup = archive.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", "examkit-src/pyproject.toml", "examkit-src/examkit/cli/__init__.py"} <= names
    assert "examkit-src/reference_models/dcgan.py" in names
    assert any(n.startswith("examkit-src/examkit/_bundled/questions/") for n in names)
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert "lab gradescope vae" in run and "/autograder/results/results.json" in run
    script = tmp_path / "setup.sh"
    script.write_text(setup)
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    assert 'NEED="3.11"' in setup and "ppa:deadsnakes/ppa" in setup and "uv python install" in setup

    # the Python it picks: none on an image with only an old python3, else the first new enough
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text("#!/bin/sh\nexit 1\n")  # as Ubuntu 22.04's 3.10 answers the test
    (bin_dir / "python3").chmod(0o755)

    def fitting():
        return subprocess.run(
            [shutil.which("bash"), "-c", f"source {script} && fitting_python"],
            capture_output=True,
            text=True,
            env={"PATH": str(bin_dir)},
        )

    assert fitting().returncode == 1
    (bin_dir / "python3.12").symlink_to(sys.executable)
    found = fitting()
    assert found.returncode == 0 and found.stdout.strip() == str(bin_dir / "python3.12")
    info = zipfile.ZipFile(out).read("examkit-src/pyproject.toml").decode()
    assert 'requires-python = ">=3.11"' in info


STUDENT = "examkit-student"
SITE = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"


def _gradescope_root(tmp_path, listen_port: int) -> tuple[list[str], Path]:
    """A container laid out as Gradescope's, built with bubblewrap as root: its own root with the
    system read-only, /autograder as the zip and setup.sh leave it (the venv with examkit installed
    in it, the extracted zip in source/, run_autograder), the user examkit-student, the host's
    network (the seccomp filter is what must block it), all capabilities, and a bwrap that cannot
    start, as in Gradescope's containers. Returns the command prefix and the host's /autograder."""
    import subprocess
    import sys
    import sysconfig
    import zipfile

    import examkit
    import reference_models
    from examkit.labs.gradescope import autograder_zip
    from examkit.resources import bundled

    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    with zipfile.ZipFile(io.BytesIO(autograder_zip("vae"))) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    # the venv setup.sh makes: examkit installed (not editable), torch and the rest from this venv
    venv = root / "venv"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_packages = venv / "lib" / version / "site-packages"
    site_packages.mkdir(parents=True)
    (venv / "bin").mkdir()
    base = Path(sys.base_prefix).resolve()
    (venv / "bin" / "python").symlink_to(base / "bin" / version)
    (venv / "pyvenv.cfg").write_text(f"home = {base / 'bin'}\ninclude-system-site-packages = false\n")
    (venv / "bin" / "examkit").write_text(
        "#!/autograder/venv/bin/python\nimport sys\nfrom examkit.cli import main\nsys.exit(main())\n"
    )
    (venv / "bin" / "examkit").chmod(0o755)
    ignore = shutil.ignore_patterns("__pycache__", "_bundled")
    shutil.copytree(Path(examkit.__file__).parent, site_packages / "examkit", ignore=ignore)
    shutil.copytree(Path(reference_models.__file__).parent, site_packages / "reference_models", ignore=ignore)
    for name in ("questions", "templates"):
        shutil.copytree(bundled(name), site_packages / "examkit" / "_bundled" / name)
    dev_site = Path(sysconfig.get_paths()["purelib"]).resolve()
    (site_packages / "dev-venv.pth").write_text(f"{dev_site}\n")
    etc = tmp_path / "etc"
    etc.mkdir()
    for name, line in (
        ("passwd", f"{STUDENT}:x:999:999::/nonexistent:/usr/sbin/nologin\n"),
        ("group", f"{STUDENT}:x:999:\n"),
    ):
        (etc / name).write_text(Path(f"/etc/{name}").read_text() + line)
    leak = tmp_path / "leak"
    leak.mkdir()
    leak.chmod(0o1777)
    command = [shutil.which("bwrap"), "--unshare-pid", "--die-with-parent", "--cap-add", "ALL", "--tmpfs", "/"]
    for path in ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc"):
        if os.path.islink(path):  # merged /usr: /bin -> usr/bin
            command += ["--symlink", os.readlink(path), path]
        elif os.path.exists(path):
            command += ["--ro-bind", path, path]
    command += ["--ro-bind", str(etc / "passwd"), "/etc/passwd", "--ro-bind", str(etc / "group"), "/etc/group"]
    command += ["--ro-bind", "/dev/null", shutil.which("bwrap")]  # bubblewrap cannot start in the container
    command += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    for inside in (base, dev_site):  # their folders traversable (bwrap would make them root-only)
        for folder in reversed(inside.parents[:-1]):
            command += ["--perms", "0755", "--dir", str(folder)]
        command += ["--ro-bind", str(inside), str(inside)]
    if (dev_site / "examkit").is_dir():  # this checkout's editable install (bundled files only): not Gradescope's
        command += ["--tmpfs", str(dev_site / "examkit")]
    command += ["--bind", str(root), "/autograder", "--bind", str(leak), "/leak", "--chdir", "/autograder"]
    command += ["--setenv", "HOME", "/root", "--setenv", "PATH", "/usr/bin:/bin", "--unsetenv", "PYTHONPATH"]
    assert subprocess.run([*command, "true"]).returncode == 0
    return command, root


def _hostile(port: int) -> str:
    """The honest solution, two functions lazily imported from the reference models, and attacks
    on everything Gradescope mode protects, each reported (or not) in /leak."""
    site = f"/autograder/venv/{SITE}"
    targets = [
        "/autograder/source",
        "/autograder/source/examkit-src/reference_models/losses.py",
        "/autograder/source/setup.sh",
        "/autograder/run_autograder",
        f"{site}/examkit/cli/__init__.py",
        f"{site}/examkit/labs/vae/probes.py",
        f"{site}/reference_models/losses.py",
        "/autograder/results",
    ]
    return source("vae") + (
        "\nimport os, socket, sys\n"
        f"sys.path[:0] = ['/autograder/source/examkit-src', '{site}']\n"
        "got = []\n"
        f"for path in {targets!r}:\n"
        "    try:\n"
        "        os.listdir(path) if os.path.isdir(path) else open(path).read()\n"
        "        got.append('read ' + path)\n"
        "    except OSError:\n"
        "        pass\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "    got.append('network')\n"
        "except OSError:\n"
        "    pass\n"
        "try:\n"
        "    open('/autograder/results/results.json', 'w').write('{\"score\": 100}')\n"
        "    got.append('wrote results')\n"
        "except OSError:\n"
        "    pass\n"
        "try:\n"
        "    import reference_models.losses\n"
        "    got.append('imported reference_models')\n"
        "except ImportError:\n"
        "    pass\n"
        "open('/leak/got.txt', 'w').write('\\n'.join(got) + '\\nran\\n')\n"
        "def kl_divergence(mu, logvar):\n"
        "    from reference_models.losses import kl_diag_gaussian\n"
        "    return kl_diag_gaussian(mu, logvar)\n"
        "def vae_loss(x_hat, x, mu, logvar, beta=1.0):\n"
        "    from reference_models.losses import negative_elbo\n"
        "    return negative_elbo(x_hat, x, mu, logvar, beta)\n"
    )


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="builds a container-like root with bubblewrap: needs root")
def test_gradescope_mode_in_a_gradescope_like_container(tmp_path):
    """run_autograder as Gradescope runs it, as root in a container where bubblewrap cannot start:
    student code runs as examkit-student; an honest notebook grades in full; a hostile one reads
    none of the grader's files, reaches no network, cannot write the results, and its lazy imports
    of the reference losses fail (those checks score 0, the rest grades); results.json has exactly
    Gradescope's keys. With a protection missing, it refuses to grade."""
    import socket
    import subprocess

    from examkit.labs.gradescope import RESULT_KEYS, TEST_KEYS

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0)
    port = listener.getsockname()[1]
    command, root = _gradescope_root(tmp_path, port)
    full = sum(c.points for c in get_lab("vae").checks)

    def run_autograder(notebook: str) -> dict:
        for old in (root / "submission").iterdir():
            old.unlink()
        (root / "submission" / "lab11.2_VAE.py").write_text(notebook)
        done = subprocess.run([*command, "/autograder/run_autograder"], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "student code: user examkit-student" in done.stdout, done.stdout
        written = json.loads((root / "results" / "results.json").read_text())
        assert set(written) <= set(RESULT_KEYS) and all(set(t) <= set(TEST_KEYS) for t in written["tests"])
        assert written["extra_data"]["max_score"] == full
        return written

    honest = run_autograder(source("vae"))
    assert honest["score"] == full, [t["output"] for t in honest["tests"]]
    assert all(t["status"] == "passed" for t in honest["tests"])

    hostile = run_autograder(_hostile(port))
    assert (tmp_path / "leak" / "got.txt").read_text().split() == ["ran"]  # it ran, and got nothing
    failed = {t["name"] for t in hostile["tests"] if t["score"] < t["max_score"]}
    assert matches(failed, ["kl_divergence", "vae_loss", "VAE training"]) or matches(
        failed, ["kl_divergence", "vae_loss"]
    ), failed
    assert 0 < hostile["score"] < full
    with pytest.raises(BlockingIOError):
        listener.accept()  # no connection from the student (the lockdown check's own went to its listener)
    for locked in ("source", "run_autograder", "results", f"venv/{SITE}/examkit"):
        assert (root / locked).stat().st_mode & 0o077 == 0, locked

    # a protection missing: the source readable again and nothing locking it (lockdown's check alone)
    (root / "source").chmod(0o755)
    check = (
        "from pathlib import Path\nfrom examkit.labs.jail.lockdown import verify\n"
        "print(verify([Path('/autograder/source')], Path('/autograder/results/results.json'), 'examkit-student'))"
    )
    done = subprocess.run([*command, "/autograder/venv/bin/python", "-c", check], capture_output=True, text=True)
    assert "the student can read /autograder/source" in done.stdout, done.stdout + done.stderr
    listener.close()


def test_the_network_filter_leaves_only_unix_sockets():
    """The seccomp filter of student code without bubblewrap: no AF_INET/AF_INET6/AF_PACKET
    socket, no io_uring, no x32 calls; AF_UNIX (multiprocessing) still works."""
    import subprocess

    from examkit.labs.jail.seccomp import NetworkFilter

    code = (
        "import ctypes, socket\n"
        "for family in ('AF_INET', 'AF_INET6', 'AF_PACKET', 'AF_NETLINK', 'AF_UNIX'):\n"
        "    try:\n"
        "        socket.socket(getattr(socket, family), socket.SOCK_DGRAM).close(); print(family)\n"
        "    except PermissionError:\n"
        "        pass\n"
        "libc = ctypes.CDLL(None)\n"
        "print('io_uring', libc.syscall(425, 8, ctypes.create_string_buffer(120)) >= 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], preexec_fn=NetworkFilter().install, capture_output=True, text=True
    )
    assert done.stdout.split() == ["AF_UNIX", "io_uring", "False"], done.stderr


def test_gradescope_mode_refuses_without_its_protections(tmp_path, monkeypatch):
    """Not root, or no student user: nothing of the submission runs; results.json says what is
    missing, every test at 0, and the command exits non-zero."""
    import pwd

    from examkit.labs import gradescope
    from examkit.labs.jail import lockdown

    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "lab11.2_VAE.py").write_text(source("vae"))
    results = tmp_path / "results" / "results.json"
    monkeypatch.setattr(lockdown.os, "geteuid", lambda: 1000)
    out = gradescope.grade_for_gradescope("vae", submission, results, jail="user")
    assert out["score"] == 0 and len(out["tests"]) == len(get_lab("vae").checks)
    assert "not running as root" in out["output"] and out["extra_data"]["refused"]
    assert json.loads(results.read_text()) == out
    monkeypatch.undo()
    try:  # the command line, as root: without the student user it refuses before locking anything
        pwd.getpwnam(gradescope.STUDENT_USER)
        return  # (a machine with that user would have this checkout's package locked root-only)
    except KeyError:
        pass
    code = run_cli(
        "lab", "gradescope", "vae", "--submission", str(submission), "--results", str(results), "--jail", "user"
    )
    assert code.returncode == 1 and "not graded" in code.stderr
    assert json.loads(results.read_text())["score"] == 0


@pytest.mark.slow
def test_sampling_in_training_mode_is_caught(tmp_path):
    """A VAE with dropout whose sample() decodes without model.eval() loses the sample check, and
    only it; the same model sampled in eval mode gets full marks."""
    dropout = [
        (
            "        self.fc4 = nn.Linear(400, 784)\n",
            "        self.fc4 = nn.Linear(400, 784)\n        self.drop = nn.Dropout(0.2)\n",
        ),
        (
            "return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))",
            "return torch.sigmoid(self.fc4(self.drop(F.relu(self.fc3(z)))))",
        ),
    ]
    eval_first = (
        "def sample(model, n):\n    with torch.no_grad():",
        "def sample(model, n):\n    model.eval()\n    with torch.no_grad():",
    )
    # the check compares with the same call on a model in eval mode, made in another process: a
    # sample() that removes whatever hooks a watcher left on its layers still loses it
    hooks_cleared = (
        "def sample(model, n):\n    with torch.no_grad():",
        "def sample(model, n):\n    for m in model.modules():\n        m._forward_pre_hooks.clear()\n"
        "        m._forward_hooks.clear()\n    with torch.no_grad():",
    )
    (tmp_path / "train_mode.py").write_text(source("vae", dropout))
    (tmp_path / "hooks_cleared.py").write_text(source("vae", [*dropout, hooks_cleared]))
    (tmp_path / "eval_mode.py").write_text(source("vae", [*dropout, eval_first]))
    names = ("train_mode", "hooks_cleared", "eval_mode")
    grade_batch("vae", [tmp_path / f"{n}.py" for n in names], tmp_path / "out", jobs=2)
    for name in names[:2]:
        train_mode = json.loads((tmp_path / "out" / name / "results.json").read_text())
        assert failed_checks(train_mode) == {"sample: n images from z ~ N(0, I)"}, (name, failed_checks(train_mode))
        assert "model.eval()" in next(t["output"] for t in train_mode["tests"] if t["name"].startswith("sample"))
    assert not failed_checks(json.loads((tmp_path / "out" / "eval_mode" / "results.json").read_text()))


def test_beta_is_judged_on_the_students_own_reduction_despite_float32_rounding():
    """A loss that sums the BCE and averages the KL, computed in float32 as torch does: beta
    weights its KL on every seed (the reduction costs the vae_loss check, not this one); beta on
    the reconstruction never passes."""
    import numpy as np

    from examkit.labs.jail.runner import ProbeResult
    from examkit.labs.vae.judges import _loss_terms, judge_beta

    for seed in range(200):
        bce, kl = _loss_terms(seed)
        for name, expected in (("kl_mean", 1), ("beta_on_bce", 0)):
            values = {b: bce + b * kl / 18 if name == "kl_mean" else b * bce + kl for b in (0, 1, 3)}
            arrays = {f"beta{b}": np.asarray(np.float32(v), dtype=np.float64) for b, v in values.items()}
            assert judge_beta(ProbeResult("ok", arrays=arrays), seed)[0] == expected, (name, seed)


def test_a_jail_without_its_cgroup_limits_is_reported(tmp_path):
    """Where the cgroup controllers are out of reach (here: hidden under an empty mount), the batch
    still grades under the per-process limits, and says so on stderr and in the report."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        pytest.skip("no mount namespaces here")
    broken = tmp_path / "carol.ipynb"
    broken.write_text("{not json")
    argv = [sys.executable, "-m", "examkit", "lab", "grade", "vae", str(broken), "--out", str(tmp_path / "o"), "--json"]
    hidden = "mount -t tmpfs none /sys/fs/cgroup && exec " + " ".join(shlex.quote(a) for a in argv)
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", hidden], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    warnings = json.loads(result.stdout)["warnings"]
    assert len(warnings) == 1 and "no cgroup limits for the jail" in warnings[0]
    assert "warning: no cgroup limits for the jail" in result.stderr
