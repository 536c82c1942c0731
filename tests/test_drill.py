"""Practice drills: terminal math, a whole session driven through stdin, stored progress, spaced
repetition that brings weak objectives back first, the stats plot and the HTML practice sheet."""

import json
import re
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import run_cli
from examkit import api
from examkit.markup import to_terminal
from examkit.markup.numbers import format_number
from examkit.markup.unicode import math_to_unicode, plain_to_unicode


@pytest.mark.parametrize(
    "latex,text",
    [
        (r"\frac{\mu^2 + \sigma^2 - 1}{2} - \log\sigma", "(μ² + σ² - 1)/2 - log σ"),
        (r"\mathbb{E}_{q_\phi(z|x)}[\log p_\theta(x \mid z)]", "𝔼_(qᵩ(z|x))[log p_θ(x | z)]"),
        (r"\tfrac{1}{2}\sum_{j=1}^{J}(1+\log\sigma_j^2-\mu_j^2-\sigma_j^2)", "1/2 Σⱼ₌₁^J (1 + log σⱼ² - μⱼ² - σⱼ²)"),
        (r"\lVert x - \hat x \rVert^2", "‖x - x̂‖²"),
        (r"\left\lfloor \frac{n - k + 2p}{s} \right\rfloor + 1", "⌊(n - k + 2p)/s⌋ + 1"),
        (r"D_{\mathrm{KL}}(q\,\|\,p) \ge 0", "D_KL(q ‖ p) ≥ 0"),
        (r"\min_G \max_D V(D, G)", "min_G max_D V(D, G)"),
    ],
)
def test_latex_becomes_readable_unicode(latex, text):
    assert math_to_unicode(latex) == text


def test_plain_steps_keep_their_shape():
    assert plain_to_unicode("-(1/2)*log(2*pi*sigma^2) + x**(-1)") == "-(1/2)·log(2·π·σ²) + x⁻¹"


def test_every_bank_text_reads_without_latex(bank):
    """No backslash command or $ survives in what a drill shows, for every template."""
    for template in bank:
        variant = template.variant(3)
        texts = [variant.stem, variant.solution, *variant.hints]
        for p in variant.parts:
            texts += [p.prompt, p.solution, *p.hints, *(o.text for o in p.options)]
            if p.answer_latex:
                texts.append("$" + p.answer_latex + "$")
        for text in texts:
            shown = to_terminal(text)
            assert not re.search(r"\\[A-Za-z]|\$", shown), (template.id, text, shown)


def test_every_question_offers_a_hint(bank):
    assert not [t.id for t in bank if not t.variant(0).hints and not any(p.hints for p in t.variant(0).parts)]


def _session(tmp_path, answers, *args):
    result = run_cli(
        "drill",
        "--json",
        "--answers",
        "-",
        "--db",
        str(tmp_path / "progress.sqlite"),
        "--figures",
        str(tmp_path / "figures"),
        *args,
        input="\n".join(answers) + "\n",
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_whole_session_through_stdin(tmp_path, bank):
    params = bank.get("ae-param-count").variant(5).params
    kl = bank.get("vae-kl-closed-form").variant(2).parts[0]
    derivation = bank.get("vae-kl-derivation").variant(1).parts[0]
    coverage, name, fixes = bank.get("gan-mode-collapse").variant(1).parts
    wrong_name = next(o.letter for o in name.options if not o.correct)
    answers = [
        "12 +* 3",
        "lots",
        format_number(params["nobias"]),  # two invalid answers, then a misconception
        "?",
        kl.answer_text,  # a hint, then right
        *derivation.steps,
        "",  # a derivation, step by step
        coverage.answer_text,
        wrong_name,
        ", ".join(o.letter for o in fixes.options if o.correct),  # right, wrong, right
    ]
    events = _session(
        tmp_path,
        answers,
        "--question",
        "ae-param-count@5",
        "--question",
        "vae-kl-closed-form@2",
        "--question",
        "vae-kl-derivation@1",
        "--question",
        "gan-mode-collapse@1",
    )
    verdicts = [(e["qid"], e["part"], e["status"]) for e in events if e["event"] == "verdict"]
    assert verdicts == [
        ("ae-param-count", "count", "invalid"),
        ("ae-param-count", "count", "invalid"),
        ("ae-param-count", "count", "incorrect"),
        ("vae-kl-closed-form", "kl", "correct"),
        ("vae-kl-derivation", "steps", "correct"),
        ("gan-mode-collapse", "coverage", "correct"),
        ("gan-mode-collapse", "name", "incorrect"),
        ("gan-mode-collapse", "fixes", "correct"),
    ]
    misconception = [e for e in events if e["event"] == "verdict" and e.get("misconception")]
    assert misconception[0]["misconception"] == "forgot_biases" and "bias" in misconception[0]["message"]
    hints = [e for e in events if e["event"] == "hint"]
    assert hints and hints[0]["qid"] == "vae-kl-closed-form"
    questions = [e for e in events if e["event"] == "question"]
    assert [q["seed"] for q in questions] == [5, 2, 1, 1]
    assert questions[3]["figures"] and all((tmp_path / "figures").glob("gan-mode-collapse-1-*.png"))
    solutions = [e for e in events if e["event"] == "solution"]
    assert len(solutions) == 4 and solutions[2]["steps"]["steps"]
    summary = events[-1]
    assert summary["event"] == "summary" and summary["score"] == 0 + 3 + 4 + 4 and summary["max_score"] == 2 + 3 + 4 + 5

    db = sqlite3.connect(tmp_path / "progress.sqlite")
    attempts = db.execute("SELECT qid, part, status, hints FROM attempts ORDER BY id").fetchall()
    assert [a[:3] for a in attempts] == [v for v in verdicts if v[2] != "invalid"]  # invalid answers are not attempts
    assert attempts[1][3] == 1  # the hint is on record
    boxes = dict(db.execute("SELECT qid, box FROM boxes").fetchall())
    # right without hints moves up; wrong or hinted does not
    assert boxes == {"ae-param-count": 1, "vae-kl-closed-form": 1, "vae-kl-derivation": 2, "gan-mode-collapse": 1}


def test_text_session_shows_unicode_math_and_stops_on_quit(tmp_path):
    result = run_cli(
        "drill",
        "--answers",
        "-",
        "--db",
        str(tmp_path / "p.sqlite"),
        "--question",
        "vae-kl-closed-form@2",
        "--question",
        "vae-kl-1d@1",
        input="!\nq\n",
    )
    assert result.returncode == 0, result.stderr
    assert "𝒩(μ, σ²)" in result.stdout and "\\mathcal" not in result.stdout
    assert "Expected: " in result.stdout and "Worked solution:" in result.stdout
    assert "Session ended (quit)" in result.stdout


def test_weak_objectives_and_due_items_come_back_first(tmp_path, bank):
    """One objective answered wrong, another right: the next session starts with the wrong one and
    the rest of its objective; the right one returns only once its box interval has passed."""
    weak, strong = bank.get("vae-kl-1d"), bank.get("ae-param-count")
    weak_objective = "vae_loss_reparam"
    assert weak_objective in weak.objectives and weak_objective not in strong.objectives
    right = format_number(strong.variant(1).params["total"])
    _session(tmp_path, ["!", right], "--question", "vae-kl-1d@1", "--question", "ae-param-count@1")
    db = tmp_path / "progress.sqlite"

    upcoming = api.drill_stats(db, tmp_path / "plot.png")["next"]
    assert upcoming[0]["qid"] == weak.id and upcoming[0]["why"].startswith("due again")
    assert all(weak_objective in q["objectives"] for q in upcoming), upcoming
    assert strong.id not in [q["qid"] for q in upcoming]

    # what the session itself asks first is what the plan said
    events = _session(tmp_path, ["q"], "--count", "3", "--seed", "1")
    assert [e["qid"] for e in events if e["event"] == "question"] == [weak.id]

    later = api.drill_stats(db, tmp_path / "plot.png", now=time.time() + 2 * 86400)["next"]
    assert strong.id in [q["qid"] for q in later[:2]], later


def test_stats_table_and_plot(tmp_path, bank):
    right = format_number(bank.get("ae-param-count").variant(1).params["total"])
    _session(tmp_path, [right, "!"], "--question", "ae-param-count@1", "--question", "vae-kl-1d@1")
    result = run_cli("drill", "--stats", "--db", str(tmp_path / "progress.sqlite"), "--out", str(tmp_path / "p.png"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    vae_loss = next(line for line in lines if line.startswith("Write the VAE loss"))  # named as the guide names it
    assert "25%" in vae_loss and "learning" in vae_loss and "1/15" in vae_loss
    ae = next(line for line in lines if line.startswith("Draw the AE architecture"))
    assert "learning" in ae  # full marks on one question is not mastery: that needs several questions
    assert "not started" in result.stdout and "Next up: vae-kl-1d" in result.stdout
    png = (tmp_path / "p.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_broken_progress_database_is_named(tmp_path):
    bad = tmp_path / "progress.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    result = run_cli("drill", "--stats", "--db", str(bad))
    assert result.returncode == 2 and str(bad) in result.stderr


def test_practice_sheet_is_self_contained_and_reproducible(tmp_path, bank):
    first = run_cli(
        "practice",
        "sheet",
        "--topic",
        "vae",
        "--count",
        "4",
        "--seed",
        "3",
        "--out",
        str(tmp_path / "a.html"),
        "--json",
    )
    again = run_cli(
        "practice", "sheet", "--topic", "vae", "--count", "4", "--seed", "3", "--out", str(tmp_path / "b.html")
    )
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    listed = json.loads(first.stdout)["questions"]
    assert len(listed) == 4 and all(bank.get(q["qid"]).topic == "vae" for q in listed)
    page = (tmp_path / "a.html").read_text()
    assert page == (tmp_path / "b.html").read_text()
    assert "<math" in page and page.count("<details>") >= 8
    assert "Variational autoencoders</h2>" in page  # sections are the bank's topic titles
    assert "<script" not in page and not re.search(r"(src|href)=['\"]https?:", page)
    assert all(f"seed {q['seed']}" in page for q in listed)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed")
def test_practice_sheet_renders_math_in_headless_chromium(tmp_path):
    """Chromium lays out the sheet's MathML (a fraction's numerator sits above its denominator), and
    the screenshot has ink exactly there."""
    sheet = tmp_path / "sheet.html"
    api.practice_sheet(sheet, questions=["gan-batch-losses@1", "vae-kl-1d@2"])
    probe = tmp_path / "probe.html"
    probe.write_text(
        sheet.read_text().replace(
            "</body>",
            """<script>
      const f = document.querySelector('mfrac'); const [a, b] = [f.children[0], f.children[1]].map(e => e.getBoundingClientRect());
      document.body.setAttribute('data-frac', JSON.stringify({top: a.top, bottom: a.bottom, left: Math.min(a.left, b.left),
        right: Math.max(a.right, b.right), dtop: b.top, dbottom: b.bottom}));
    </script></body>""",
        )
    )
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1000,1400",
        "--force-device-scale-factor=1",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    dom = subprocess.run(
        ["chromium", *flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120
    )
    box = json.loads(re.search(r'data-frac="([^"]+)"', dom.stdout).group(1).replace("&quot;", '"'))
    assert box["bottom"] <= box["dtop"] + 1, box  # numerator above denominator: real MathML layout
    shot = tmp_path / "sheet.png"
    subprocess.run(["chromium", *flags, f"--screenshot={shot}", sheet.as_uri()], capture_output=True, timeout=120)
    from matplotlib.image import imread

    image = imread(shot)[..., :3].mean(axis=2)
    left, right = int(box["left"]), int(box["right"]) + 1
    numerator = image[int(box["top"]) : int(box["bottom"]) + 1, left:right]
    denominator = image[int(box["dtop"]) : int(box["dbottom"]) + 1, left:right]
    assert numerator.size and denominator.size
    assert numerator.min() < 0.5 and denominator.min() < 0.5  # glyphs drawn where the layout put them
    assert (image < 0.5).mean() > 0.005  # and the page is not blank


def test_a_drill_reproduces_an_exam_question_by_id_and_seed(tmp_path, bank):
    from conftest import ROOT
    from examkit.exam.assemble import assemble
    from examkit.exam.spec import load_roster, load_spec

    version = assemble(
        load_spec(ROOT / "examples" / "unit12-quiz.yaml"), bank, load_roster(ROOT / "examples" / "roster.csv")[:1]
    )[0]
    refs = [f"{q.qid}@{q.seed}" for q in version.questions[:3]]
    events = _session(tmp_path, ["q"], *[a for ref in refs for a in ("--question", ref)])
    shown = [e for e in events if e["event"] == "question"]
    assert shown and shown[0]["stem"] == to_terminal(version.questions[0].variant.stem)


def test_short_answers_are_self_marked_one_rubric_item_at_a_time(tmp_path):
    result = run_cli("drill", "--answers", "-", "--db", str(tmp_path / "p.sqlite"), "--question", "ae-not-generative@1",
                     input="It has no prior to sample from.\n\ny\nn\np\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1/3 [1 pt]" in result.stdout and "3/3 [1 pt]" in result.stdout
    assert "self-marked: 1.5 of 3" in result.stdout
    assert result.stdout.count("Model answer") == 1  # not repeated as the worked solution


def test_quitting_in_the_middle_of_a_question_files_it_in_box_1(tmp_path):
    db = tmp_path / "p.sqlite"
    result = run_cli(
        "drill", "--answers", "-", "--db", str(db), "--question", "vae-neg-elbo-beta@7", input="119.1\nq\n"
    )
    assert result.returncode == 0 and "Session ended (quit)" in result.stdout
    boxes = dict(sqlite3.connect(db).execute("SELECT qid, box FROM boxes").fetchall())
    assert boxes == {"vae-neg-elbo-beta": 1}


def test_quitting_while_self_marking_keeps_the_marks_so_far(tmp_path):
    db = tmp_path / "p.sqlite"
    result = run_cli("drill", "--answers", "-", "--db", str(db), "--question", "ae-not-generative@1",
                     input="It has no prior to sample from.\n\ny\nq\n")  # fmt: skip
    assert result.returncode == 0 and "Marking stopped" in result.stdout and "Session ended (quit)" in result.stdout
    rows = sqlite3.connect(db).execute("SELECT part, score FROM attempts").fetchall()
    assert rows == [("explain", 1.0)]  # the first rubric item, ticked before q
    assert dict(sqlite3.connect(db).execute("SELECT qid, box FROM boxes").fetchall()) == {"ae-not-generative": 1}


def test_a_session_left_before_any_answer_still_says_so(tmp_path):
    result = run_cli("drill", "--answers", "-", "--db", str(tmp_path / "p.sqlite"), "--count", "2", input="q\n")
    assert result.returncode == 0 and "no question answered, nothing recorded" in result.stdout


def test_mock_minutes_are_checked_and_only_with_a_mock(tmp_path):
    db = str(tmp_path / "p.sqlite")
    for minutes in ("0", "-5", "601"):
        refused = run_cli("drill", "--mock", "examples/unit12-quiz.yaml", "--minutes", minutes, "--db", db, input="",
                          cwd=str(Path(__file__).resolve().parent.parent))  # fmt: skip
        assert refused.returncode == 2 and "more than 0 and at most 600 minutes" in refused.stderr, refused.stderr
    alone = run_cli("drill", "--minutes", "5", "--db", db, input="")
    assert alone.returncode == 2 and "--mock" in alone.stderr


def test_counts_topics_and_undecodable_answers_are_refused_clearly(tmp_path):
    for count in ("0", "-3", "100000", "x"):
        refused = run_cli("drill", "--count", count, "--db", str(tmp_path / "p.sqlite"), input="")
        assert refused.returncode == 2 and "--count" in refused.stderr
    assert run_cli("practice", "sheet", "--count", "-1", "--out", str(tmp_path / "s.html")).returncode == 2
    topic = run_cli("drill", "--topic", "foo", "--db", str(tmp_path / "p.sqlite"), input="")
    assert topic.returncode == 2 and "choose one of: autoencoders, gan" in topic.stderr
    bad = tmp_path / "answers.txt"
    bad.write_bytes(b"\xff\xfe0.5\n")
    undecodable = run_cli("drill", "--answers", str(bad), "--db", str(tmp_path / "p.sqlite"), "--count", "1")
    assert undecodable.returncode == 2 and "answers.txt: not UTF-8" in undecodable.stderr


def test_review_redoes_the_latest_mistakes_and_a_terminal_mock_is_marked(tmp_path):
    db = str(tmp_path / "p.sqlite")
    run_cli("drill", "--answers", "-", "--db", db, "--question", "vae-kl-1d@3", input="12345\n")
    review = run_cli("drill", "--review", "--answers", "-", "--db", db, "--json", input="q\n")
    assert review.returncode == 0
    first = next(json.loads(line) for line in review.stdout.splitlines() if '"question"' in line)
    assert (first["qid"], first["seed"]) == ("vae-kl-1d", 3)
    mock = run_cli("drill", "--mock", "examples/unit12-quiz.yaml", "--minutes", "5", "--answers", "-", "--db", db,
                   input="0.5\n" + "\n" * 40, cwd=str(Path(__file__).resolve().parent.parent))  # fmt: skip
    assert mock.returncode == 0, mock.stderr
    assert "Marked: " in mock.stdout and "By objective:" in mock.stdout and "Labs: " in mock.stdout
    assert re.search(r"\[\d+:\d\d left\] answer> ", mock.stdout)  # the clock before every answer
    assert "Question by question:" in mock.stdout and "expected: " in mock.stdout
    bundled = run_cli("drill", "--mock", "foundations-and-labs", "--answers", "-", "--db", db, input="\n" * 40,
                      cwd=str(tmp_path))  # fmt: skip
    assert bundled.returncode == 0, bundled.stderr
    assert "Mock exam: foundations and labs: 5 questions in 25 minutes" in bundled.stdout


def test_long_lines_wrap_at_spaces_keeping_their_indent():
    from examkit.drill.session import wrap

    text = "   " + " ".join(["word"] * 40) + " D_KL(q‖p)=-½Σ(1+log σ²-μ²-σ²)"
    lines = wrap(text, 50).split("\n")
    assert all(len(line) <= 50 for line in lines[:-1]) and len(lines) > 2
    assert all(line.startswith("     ") for line in lines[1:]) and "D_KL(q‖p)=-½Σ(1+log" in text
    assert wrap("short", 50) == "short"


def test_the_practice_sheet_prints_with_answer_space_and_a_key_at_the_end(tmp_path, bank):
    out = tmp_path / "sheet.html"
    api.practice_sheet(out, questions=["vae-kl-1d@3", "ae-not-generative@1", "vae-neg-elbo-beta@7"])
    page = out.read_text()
    assert page.count('class="space"') >= 2 + 6 + 2 + 2  # a number's 2 lines, a written answer's 6, two parts
    assert '<section class="key">' in page and page.index('<section class="key">') > page.rindex('class="question"')
    assert "@media print" in page and "details { display: none; }" in page
    assert "(1 points)" not in page


def test_one_unreadable_step_is_retyped_and_the_others_are_kept(tmp_path, bank):
    steps = bank.get("gan-optimal-d-derivation").variant(1).parts[0].steps
    typo = steps[1].replace("=", "= = ")  # step 2 unreadable
    events = _session(tmp_path, [steps[0], typo, "D^* = " + steps[2].split("=", 1)[1], "", steps[1]],
                      "--question", "gan-optimal-d-derivation@1")  # fmt: skip
    verdicts = [(e["status"], e.get("details", {}).get("step")) for e in events if e["event"] == "verdict"]
    assert verdicts[0] == ("invalid", 2) and verdicts[1][0] == "correct", verdicts


def test_a_terminal_mock_hands_itself_in_at_zero_while_a_prompt_waits(tmp_path):
    """The student stops typing; at 0:00 the exam is handed in and marked, as the browser's is."""
    import sys

    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "examkit", "drill", "--mock", "examples/unit12-quiz.yaml", "--minutes", "0.05",
               "--answers", "-", "--db", str(tmp_path / "p.sqlite")]  # fmt: skip
    with subprocess.Popen(command, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as exam:
        exam.stdin.write("0.5\n")
        exam.stdin.flush()  # and nothing more: the next prompt waits
        started, guard = time.monotonic(), threading.Timer(60, exam.kill)  # a hang fails, never blocks
        guard.start()
        out = exam.stdout.read()  # until the exam ends by itself
        guard.cancel()
        assert exam.wait() == 0
    assert "Time is up: the exam is handed in" in out and "Marked: " in out
    assert time.monotonic() - started < 30
