"""docs/QUESTION_BANK.md opens with "Write your first question", a walkthrough from an empty folder to a
graded exam. This test follows it as written, so it fails when the page drifts from the code.
Every fenced block of that section is a step, taken in order in an empty course folder:

- ```yaml title="PATH"``` or ```csv title="PATH"```: write the file;
- ```diff title="PATH"```: edit the file: its context and `-` lines, found once, become its context and `+` lines;
- ```console```: run each `$ command` (`examkit ...` through the CLI's `main`, `mkdir`, `cat`, `echo $?`) and
  compare its output with the lines shown under it; a command's exit status must be 0 unless an `echo $?`
  right after it shows another. `examkit bank preview` is started as `python -m examkit` on a free port
  and left running;
- ```text title="URL"```: an excerpt of the page the running preview serves at URL's path;
- ```text title="PATH.pdf"```: an excerpt of the PDF's text (pdftotext), when TeX made it.

Lines are compared with runs of whitespace collapsed and blank lines dropped; `...` alone on a line stands
for any lines, inside a line for any text; progress bars are left out of the output. Without pdflatex the
build runs with `--format tex`, and what only the PDFs show is not compared."""

import html
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from conftest import ROOT, run_cli

DOC = ROOT / "docs" / "QUESTION_BANK.md"
SECTION = "## Write your first question"
FENCE = re.compile(r'^```(\w+)(?: title="([^"]*)")?\n(.*?)^```$', re.M | re.S)
PROGRESS = re.compile(r"\S[^\[]* \[[#-]+\] \d+/\d+ [\d.]+s")
DOC_HOST = "127.0.0.1:8766"  # where the page says the preview listens (its default port)
HAS_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
WAIT = 60  # seconds a preview page may take to show what the page says (its validate report runs aside)


def walkthrough_blocks() -> list[tuple[str, str, str]]:
    """(info, title, body) of every fenced block in the walkthrough section."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return FENCE.findall(text[start:end])


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.replace("\r", "\n").splitlines() if line.strip()]


def _line_matches(shown: str, line: str) -> bool:
    return re.fullmatch(".*".join(map(re.escape, shown.split("..."))), line) is not None


def _matches(shown: list[str], lines: list[str]) -> bool:
    if not shown:
        return not lines
    if shown[0] == "...":
        return any(_matches(shown[1:], lines[i:]) for i in range(len(lines) + 1))
    return bool(lines) and _line_matches(shown[0], lines[0]) and _matches(shown[1:], lines[1:])


def shows(shown: str, output: str, excerpt: bool = False) -> bool:
    """Whether `output` is what the page shows (an excerpt of it: anything may come before and after)."""
    want = ["...", *_lines(shown), "..."] if excerpt else _lines(shown)
    return _matches(want, [line for line in _lines(output) if not PROGRESS.fullmatch(line)])


def assert_shows(what: str, shown: str, output: str, excerpt: bool = False):
    assert shows(shown, output, excerpt), f"{what}: the page shows\n{shown}\nbut it is\n{output}"


class _PageText(HTMLParser):
    """A page's text as a reader sees it: one line per block, cells apart; no styles, scripts or TeX sources."""

    BLOCKS = {"p", "div", "li", "tr", "br", "dt", "dd", "table", "section", "nav", "main", "figure", "pre", "h1",
              "h2", "h3", "h4"}  # fmt: skip
    HIDDEN = {"style", "script", "annotation", "title"}

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in self.HIDDEN
        self.parts.append("\n" if tag in self.BLOCKS else " ")

    def handle_endtag(self, tag):
        self.hidden -= tag in self.HIDDEN
        self.parts.append("\n" if tag in self.BLOCKS else " ")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def page_text(page: str) -> str:
    parser = _PageText()
    parser.feed(page)
    return html.unescape("".join(parser.parts))


def split_commands(body: str) -> list[tuple[str, str]]:
    """(command, the output shown under it) of a console block."""
    commands = []
    for line in body.splitlines():
        if line.startswith("$ "):
            commands.append([line[2:], []])
        else:
            assert commands, f"output before any command in a console block:\n{body}"
            commands[-1][1].append(line)
    return [(command, "\n".join(shown)) for command, shown in commands]


class Walk:
    """The course folder the walkthrough works in, and what it has run."""

    def __init__(self, folder):
        self.folder, self.ran, self.preview, self.preview_url = folder, [], None, None

    def write(self, path: str, body: str):
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")

    def edit(self, path: str, body: str):
        lines = body.splitlines()
        assert all(line[:1] in ("", " ", "-", "+") for line in lines), f"not a diff:\n{body}"
        before = "".join(line[1:] + "\n" for line in lines if line[:1] in ("", " ", "-"))
        after = "".join(line[1:] + "\n" for line in lines if line[:1] in ("", " ", "+"))
        text = (self.folder / path).read_text(encoding="utf-8")
        assert text.count(before) == 1, f"{path} does not hold the diff's old lines once:\n{before}"
        (self.folder / path).write_text(text.replace(before, after), encoding="utf-8")

    def console(self, body: str):
        commands = split_commands(body)
        for i, (command, shown) in enumerate(commands):
            if command == "echo $?":
                continue
            status, output, compare = self.run(command, shown)
            then = commands[i + 1] if i + 1 < len(commands) else None
            expected = int(then[1]) if then and then[0] == "echo $?" else 0
            assert status == expected, f"$ {command}: exit status {status}, the page says {expected}\n{output}"
            if compare:
                assert_shows(f"$ {command}", shown, output)

    def run(self, command: str, shown: str) -> tuple[int, str, bool]:
        """(exit status, output, whether the page's output is to be compared)."""
        args = shlex.split(command)
        if args[0] == "mkdir" and len(args) == 2:
            (self.folder / args[1]).mkdir()
            return 0, "", True
        if args[0] == "cat" and len(args) == 2:
            return 0, (self.folder / args[1]).read_text(encoding="utf-8"), True
        assert args[0] == "examkit", f"the walkthrough runs {command!r}, which this test cannot follow"
        self.ran.append(" ".join(args[1:3]))
        if args[1:3] == ["bank", "preview"]:
            return self.start_preview(args[1:], shown)
        compare = True
        if args[1:3] == ["exam", "build"] and not HAS_TEX:
            args, compare = [*args, "--format", "tex"], False  # no PDFs: the build line names none
        result = run_cli(*args[1:])  # in the course folder (the test's working folder)
        return result.returncode, result.stdout + result.stderr, compare

    def start_preview(self, args, shown: str) -> tuple[int, str, bool]:
        assert self.preview is None, "the walkthrough starts a second preview"
        self.preview = subprocess.Popen([sys.executable, "-m", "examkit", *args, "--port", "0"], cwd=self.folder,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        lines = [self.preview.stdout.readline() for _ in _lines(shown)]
        url = re.search(r"http://127\.0\.0\.1:\d+/", "".join(lines))
        assert url, "".join(lines)
        self.preview_url = url.group(0)
        return 0, "".join(lines).replace(urlsplit(self.preview_url).netloc, DOC_HOST), True

    def page(self, url: str, shown: str):
        assert self.preview_url and urlsplit(url).netloc == DOC_HOST, f"{url}: not the preview the page started"
        address = self.preview_url.rstrip("/") + urlsplit(url).path
        deadline = time.monotonic() + WAIT
        while True:  # the page's validate report is made aside: it may say "validating…" at first
            with urllib.request.urlopen(address, timeout=30) as response:
                text = page_text(response.read().decode("utf-8"))
            if shows(shown, text, excerpt=True) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert_shows(url, shown, text, excerpt=True)

    def pdf(self, path: str, shown: str):
        if not HAS_TEX:
            return
        text = subprocess.run(["pdftotext", "-layout", str(self.folder / path), "-"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        assert_shows(path, shown, text, excerpt=True)

    def close(self):
        if self.preview is not None:
            self.preview.terminate()
            assert self.preview.wait(timeout=60) == 0


def test_the_walkthrough_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the course folder: every path of the walkthrough is relative to it
    walk = Walk(tmp_path)
    try:
        for info, title, body in walkthrough_blocks():
            if info in ("yaml", "csv") and title:
                walk.write(title, body)
            elif info == "diff" and title:
                walk.edit(title, body)
            elif info == "console":
                walk.console(body)
            elif info == "text" and title.startswith("http://"):
                walk.page(title, body)
            elif info == "text" and title.endswith(".pdf"):
                walk.pdf(title, body)
            else:
                pytest.fail(f'a block this test cannot follow: ```{info} title="{title}"\n{body}')
    finally:
        walk.close()
    # the steps the walkthrough is for: an author's check, the preview, a build, a grading
    assert walk.ran.count("validate myquestions") >= 2, walk.ran
    for step in ("bank preview", "exam build", "exam grade"):
        assert step in walk.ran, walk.ran


def test_the_comparison_fails_on_a_line_the_output_lacks():
    output = "graded 6 answer(s)\n  a   mean 0.50\nvalidate [###---] 1/2 0.1s\ngradebook: g.csv\n"
    assert shows("graded 6 answer(s)\na mean 0.50\ngradebook: g.csv", output)
    assert shows("graded ... answer(s)\n...\ngradebook: g.csv", output)
    assert not shows("graded 6 answer(s)\ngradebook: g.csv", output)  # a line left out without `...`
    assert not shows("graded 6 answer(s)\na mean 0.50", output)  # the rest left out without `...`
    assert not shows("graded 7 answer(s)\n...", output)
    assert shows("a mean 0.50", output, excerpt=True) and not shows("a mean 0.5", output, excerpt=True)
