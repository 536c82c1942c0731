"""The docs name only what exists: every repository file path in README.md and docs/*.md, and every
`examkit COMMAND ACTION --option` they show, is checked against the checkout and the real parser, so
a renamed module or a dropped option cannot leave the docs behind silently."""

import argparse
import functools
import os
import re
from pathlib import Path

import pytest

from examkit.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# A path: folder/.../name.ext with one of the repository's own extensions (an output such as
# `exam.pdf` or another project's `qti_generator.rb` is not ours), or a bare `test_*.py` (looked up
# in tests/). Not preceded by `/`, `~` or `$`: absolute paths and URLs are not the checkout's.
EXTENSIONS = "py|md|yaml|yml|json|j2|csv|sh|toml|dtd"
PATH = re.compile(rf"(?<![\w/.~$-])((?:[\w.<>*-]+/)+[\w.<>*-]+\.(?:{EXTENSIONS})|test_\w+\.py)(?![\w/])")
# Words that stand for any name: `<lab>`, `*`, and these capitals (`questions/runs/NAME.json`).
PLACEHOLDERS = {"NAME", "NNN"}
# Folders a command or the jail writes, never the checkout's: `OUT/marking.csv`,
# `instructor/manifest.json`, and `lab_probes/digits.py` (the jail's copy of reference_models/digits.py).
NOT_OURS = {
    "OUT",
    "DIR",
    "GRADES",
    "instructor",
    "students",
    "lab_probes",
    "myquestions",
    "grades",
}  # folders the docs have the user make
SKIPPED = {".git", ".venv", "__pycache__", "_bundled", "node_modules"}


@functools.cache
def _repository_files() -> tuple[str, ...]:
    found = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in SKIPPED]
        found += [Path(folder, n).relative_to(ROOT).as_posix() for n in names]
    return tuple(found)


def _pattern(mention: str) -> re.Pattern:
    """A mention matches a file whose path ends with it (`bank/loader.py` is examkit/bank/loader.py,
    as the docs write paths inside examkit/ and reference_models/), placeholders matching any name."""
    words = re.split(r"(<[^>]+>|\*|\b[A-Z]+\b)", mention)
    body = "".join("[^/]+" if w.startswith("<") or w == "*" or w in PLACEHOLDERS else re.escape(w) for w in words)
    return re.compile(rf"(?:^|/){body}$")


def _mentions():
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for found in PATH.finditer(line):
                mention = found.group(1).lstrip("*")  # `**OUT/marking.csv**`: Markdown's bold
                if NOT_OURS.isdisjoint(mention.split("/")):
                    yield f"{doc.relative_to(ROOT)}:{number}", mention


def test_every_file_path_the_docs_name_exists():
    files = _repository_files()
    missing = []
    for where, mention in _mentions():
        wanted = _pattern(mention if "/" in mention else f"tests/{mention}")
        if not any(wanted.search(f) for f in files):
            missing.append(f"{where}: {mention}")
    assert not missing, "\n".join(missing)


def _commands(parser, prefix=()) -> dict:
    """('exam', 'build') -> that command's options; groups map to their actions' names too."""
    found = {prefix: {o for a in parser._actions for o in a.option_strings}}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(_commands(sub, (*prefix, name)))
    return found


# Command lines: a code span (which may wrap a line, never a paragraph; `` `x` `` is one span) or a
# line of a fenced block, up to a `#` comment. Prose ("examkit automates ...") is no command.
SPAN = re.compile(r"``(.+?)``|`((?:[^`\n]|\n(?!\n))+)`")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def _command_lines(text: str):
    for block in FENCE.findall(text):
        yield from (line.split(" #")[0] for line in block.splitlines())
    for double, single in SPAN.findall(FENCE.sub("", text)):
        yield (double or single).replace("\n", " ")


def test_every_examkit_command_and_option_the_docs_show_exists():
    commands = _commands(build_parser())
    wrong = []
    for doc in DOCS:
        for line in _command_lines(doc.read_text(encoding="utf-8")):
            for found in re.finditer(r"(?<![\w./-])examkit((?: [a-z][\w|-]*)*)", line):
                path = ()
                for word in found.group(1).split():
                    if not any(len(c) == len(path) + 1 and c[:-1] == path for c in commands):
                        break  # a command without actions: the rest are its arguments
                    for alternative in word.split("|"):  # `exam build|grade`: each must exist
                        if (*path, alternative) not in commands:
                            wrong.append(f"{doc.name}: no command `examkit {' '.join((*path, alternative))}`")
                    path = (*path, word.split("|")[0])
                if path not in commands:
                    continue
                rest = line[found.start() :]
                for option in set(re.findall(r"(?<![\w-])--[a-z][\w-]*", rest)) - commands[path]:
                    wrong.append(f"{doc.name}: `examkit {' '.join(path)}` has no {option}")
    assert not wrong, "\n".join(sorted(set(wrong)))


@pytest.mark.parametrize(
    "mention, exists",
    [("bank/loader.py", True), ("labs/<lab>/probes.py", True), ("questions/runs/NAME.json", True),
     ("examkit/bank/lodaer.py", False), ("tests/test_nothing.py", False)],
)  # fmt: skip
def test_the_path_rule_finds_real_files_and_refuses_a_misspelt_one(mention, exists):
    assert any(_pattern(mention).search(f) for f in _repository_files()) is exists
