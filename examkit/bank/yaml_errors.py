"""YAML syntax errors in words, at the line to fix, with that line's text.

PyYAML says what its parser expected ("expected <block end>, but found '?'"); an author needs what
they typed wrong. The common slips are each recognised here: a tab, a key indented off its siblings,
an unquoted ': ' in text, a value starting with `[[ ]]`, `{`, `*` or a backtick, a quote left open
(found where it was opened, not where YAML gave up), a list left open. Anything else keeps PyYAML's
detail under a plain sentence.
"""

from __future__ import annotations

import re

import yaml

_KEY_OR_ITEM = re.compile(r"\s*(?:-\s|-$|[\w.-]+:(?:\s|$))")
_VALUE = re.compile(r"\s*(?:-\s+)?(?:[\w.-]+:\s+)?(.*)")
_START_CHARS = {"`": "a backtick", "@": "'@'", "%": "'%'", "|": "'|'", ">": "'>'"}


def explain_syntax_error(exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    """(line, message) for a YAML error in `text`: what is wrong, how to fix it, the line's text."""
    lines = text.splitlines()
    line, message = _explain(exc, lines)
    line = max(line, 1)  # an error without a mark is the file's
    shown = lines[line - 1].rstrip() if 0 < line <= len(lines) else ""
    return line, f"YAML syntax error: {message}" + (f"\n    {line} | {shown}" if shown else "")


def _mark(exc, name):
    mark = getattr(exc, name, None)
    return (mark.line + 1, mark.column) if mark else (0, 0)


def _explain(exc, lines) -> tuple[int, str]:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    line, column = _mark(exc, "problem_mark")
    if not line:
        line, column = _mark(exc, "context_mark")
    opened = _open_quote(lines, line)
    if opened and isinstance(exc, (yaml.scanner.ScannerError, yaml.parser.ParserError)):
        return opened, (
            "a quote opened on this line is not closed on it, so YAML reads the lines below as part of this "
            "text: close the quote at the end of the value"
        )
    if "quoted scalar" in context:
        return _mark(exc, "context_mark")[0], "a quote opened on this line is never closed: close it"
    if "'\\t'" in problem or "tab character" in problem:
        return line, "a tab character: YAML indents with spaces only; replace the tab with spaces"
    if problem == "mapping values are not allowed here":
        return line, _colon_or_indent(lines, line, column)
    if problem.startswith("expected <block end>, but found '<scalar>'"):
        return line, _trailing_text(lines[line - 1] if line <= len(lines) else "")
    if problem.startswith("expected <block end>"):
        return line, _misindented(exc, lines, line, column)
    if "flow sequence" in context or "flow mapping" in context:
        start, _ = _mark(exc, "context_mark")
        opening, closing, kind = ("[", "]", "list") if "sequence" in context else ("{", "}", "mapping")
        return start, (
            f"a value starting with '{opening}' is read as a YAML {kind}, and this one is not closed where YAML "
            f"expects: if it is text (a `[[ ]]` slot, LaTeX braces), put the whole value in quotes; if it is a "
            f"{kind}, close it with '{closing}'"
        )
    if "cannot start any token" in problem:
        if flow := _flow_start(lines[line - 1] if line <= len(lines) else ""):
            return line, flow
        char = problem.split("'")[1] if "'" in problem else "?"
        what = _START_CHARS.get(char, repr(char))
        return line, f"a value cannot start with {what} in YAML: put the whole value in quotes"
    if "alias" in context or "alias" in problem:
        return line, "a value starting with '*' (or '&') is a YAML alias: put the whole value in quotes (\"*x*\")"
    if "could not find expected ':'" in problem:
        start, _ = _mark(exc, "context_mark")
        return start or line, (
            "this line is neither `key: value` nor a '- ' item: a ':' missing after the key, or text that "
            "continues the line above with too little indentation"
        )
    if "constructor for the tag" in problem:
        return line, "YAML tags (!!python/..., !tag) are not allowed: bank files are data, not code; remove the tag"
    if "duplicate key" in problem or "unsupported key" in problem:
        return line, problem
    where = f" ({context})" if context else ""
    return line, f"YAML cannot read this line{where}: {problem}"


def _open_quote(lines, error_line) -> int:
    """The line of a quoted value left open before `error_line`: its quote closes nowhere on the
    line, and the next line looks like YAML (a key or an item), not like more of the text."""
    for number, text in enumerate(lines[: max(error_line - 1, 0)], 1):
        value = _VALUE.match(text).group(1)
        if not value or value[0] not in "\"'":
            continue
        quote = value[0]
        rest = value[1:].replace("\\\\", "").replace('\\"', "") if quote == '"' else value[1:].replace("''", "")
        following = next((t for t in lines[number:] if t.strip()), "")
        if quote not in rest and _KEY_OR_ITEM.match(following):
            return number
    return 0


def _colon_or_indent(lines, line, column) -> str:
    """'mapping values are not allowed here': a ': ' inside unquoted text, or a key indented more
    than the key above it (so YAML read it as more of that key's text)."""
    text = lines[line - 1] if line <= len(lines) else ""
    before = text[:column]
    if ": " in before.lstrip() or before.lstrip().startswith("- "):
        return "a ': ' inside unquoted text starts a new key in YAML: put the whole value in quotes"
    above = next((n for n in range(line - 1, 0, -1) if lines[n - 1].strip()), 0)
    return (
        f"this key is indented {_indent(text)} spaces, more than line {above} above it ({_indent(lines[above - 1])}):"
        " keys of one mapping line up exactly, so indent it (or that line) like its siblings"
    )


def _trailing_text(text) -> str:
    """'expected <block end>, but found <scalar>': text after a closed quote or a `[ ]`/`{ }` value."""
    if flow := _flow_start(text):
        return flow
    value = _VALUE.match(text).group(1)
    if value.startswith(("'", '"')):
        return (
            "text goes on after the closing quote: put all of it inside the quotes (inside single quotes write "
            "'' for ', inside double quotes \\\" for \")"
        )
    return "text YAML cannot place here: is the line above missing its closing quote, or this one its indentation?"


def _flow_start(text) -> str:
    """The message for a text value that starts like a YAML list or mapping ('' if it does not)."""
    value = _VALUE.match(text).group(1)
    if value.startswith(("[[", "[%")):
        return "a value starting with `[[` or `[%` is read as a YAML list: put the whole value in quotes"
    if value.startswith(("[", "{")):
        return f"a value starting with '{value[0]}' is read as a YAML list or mapping: put the whole value in quotes"
    return ""


def _misindented(exc, lines, line, column) -> str:
    block_line, block_column = _mark(exc, "context_mark")
    text = lines[line - 1] if line <= len(lines) else ""
    block = lines[block_line - 1] if 0 < block_line <= len(lines) else ""
    if "block collection" in (exc.context or "") and not text.lstrip().startswith("-"):
        inner = _indent(block) + 2
        return (
            f"this key is indented {column} spaces, like the '- ' items of the list at line {block_line}, but is "
            f"no item: indent it {inner} spaces to put it in the item above, or as far as the key that holds "
            "the list to end the list"
        )
    return (
        f"this line is indented {column} spaces, which lines up with no block around it (the block from line "
        f"{block_line} is indented {block_column}): keys of one mapping line up exactly; indent it like its "
        "siblings"
    )


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))
