"""Read a submission (.ipynb or .py) as Jupyter runs it: the cells in order, as top-level statements.

IPython's own input transformer (`IPython.core.inputtransformer2`) turns `!cmd`, `x = !cmd`,
`%magic` and `obj?` into the `get_ipython()` calls Jupyter makes; the jail answers them offline
(shell commands do nothing and say so, `%time stmt` runs `stmt`, `%%writefile` writes its file).
Cell magics that only time or capture (`%%time`, `%%capture`...) keep their body; cells in another
language (`%%bash`, `%%html`) are noted and not run. Every top-level statement is kept, control flow
and calls included, each run on its own so that one failing line costs only itself; the jail bounds
the statements that do work (training loops) in time. `from __future__` flags carry to later cells,
as in IPython. Outputs are never read: the size limit applies to the code.

Cells are numbered as Jupyter counts a top-to-bottom run: code cells only, from 1 (In [1]).
"""

from __future__ import annotations
import __future__

import ast
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .files import read_capped

MAX_FILE_BYTES = 200_000_000  # a notebook saved with many large outputs; beyond this it is refused unread
MAX_SOURCE_BYTES = 2_000_000  # the code itself
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
BODY_MAGICS = {"time", "timeit", "capture", "prun", "memit", "debug", "px"}  # run the body, as Python
KEPT_MAGICS = {"writefile", "file"}  # answered by the jail's get_ipython()


class SubmissionError(ValueError):
    """The file is not a readable notebook or Python source."""


@dataclass
class Extracted:
    # {"cell", "line", "source", "defines", "uses", "kind": "definition" | "run", "flags"}
    statements: list = field(default_factory=list)
    skipped_cells: list = field(default_factory=list)  # [{"cell": n, "reason": str}]
    notes: list = field(default_factory=list)  # what was read differently from Jupyter, for the student

    def later_uses(self, index: int) -> set[str]:
        """Names that statements after `index` read: a failure defining one of them matters."""
        return {name for st in self.statements[index + 1 :] for name in st["uses"]}


def _cells(path: Path) -> list[str | None]:
    """Code cells' sources (None for markdown and raw cells); outputs are dropped unread."""
    raw = read_capped(path, MAX_FILE_BYTES)
    if raw is None:
        raise SubmissionError(
            f"{path.name}: not a regular file of at most {MAX_FILE_BYTES // 1_000_000} MB (a symlink, a folder or "
            "a device is not read)"
        )
    if path.suffix == ".py":
        sources = _percent_cells(raw.decode("utf-8", errors="replace"))
    elif path.suffix != ".ipynb":
        raise SubmissionError(f"{path.name}: expected a .ipynb notebook or a .py file")
    else:
        try:
            nb = json.loads(raw.decode("utf-8", errors="replace"))
            cells = nb["cells"] if isinstance(nb, dict) and "cells" in nb else nb["worksheets"][0]["cells"]  # v4 | v3
            sources = [_source(c) for c in cells]
        except (json.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise SubmissionError(
                f"{path.name}: not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})"
            ) from None
    if sum(len(s or "") for s in sources) > MAX_SOURCE_BYTES:
        raise SubmissionError(f"{path.name}: the code is larger than {MAX_SOURCE_BYTES // 1_000_000} MB")
    return sources


PERCENT_MARKER = re.compile(r"^# ?%%(?!%)(.*)$")


def _percent_cells(text: str) -> list[str | None]:
    """A script's cells: jupytext's percent format (`# %%` starts a cell, `# %% [markdown]` a text
    cell), as the notebook it was exported from; a script without markers is one cell."""
    cells, current, kind = [], [], "code"
    for line in text.splitlines():
        marker = PERCENT_MARKER.match(line)
        if marker:
            if cells or any(line.strip() and not line.lstrip().startswith("#") for line in current):
                cells.append("\n".join(current) if kind == "code" else None)  # not jupytext's header
            current, kind = [], "markdown" if re.search(r"\[(markdown|md|raw)\]", marker.group(1)) else "code"
        else:
            current.append(line)
    cells.append("\n".join(current) if kind == "code" else None)
    return cells


def _source(cell) -> str | None:
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return None
    source = cell.get("source", cell.get("input", ""))  # nbformat 4 | 3
    return "".join(source) if isinstance(source, list) else str(source)


def _transform(source: str, number: int, notes: list) -> str | None:
    """IPython's transformation of one cell, line numbers kept; None for a cell that is not Python."""
    lines = source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split()[0] if lines[first].lstrip()[2:].split() else ""
        if magic in BODY_MAGICS:
            lines[first] = ""  # the body runs as Python; line numbers stay those of the cell
            source = "\n".join(lines)
        elif magic not in KEPT_MAGICS:
            notes.append(f"cell {number}: a %%{magic} cell is not Python; it was not run")
            return None
    from IPython.core.inputtransformer2 import TransformerManager  # a fresh one per cell: batches use threads

    return TransformerManager().transform_cell(source)


def _ipython_call(node) -> tuple[str, list[str]] | None:
    """('system', ['nvidia-smi']) for `get_ipython().system('nvidia-smi')`, the calls IPython's
    transformer writes (their arguments are string literals)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    owner = node.func.value
    if not (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "get_ipython"):
        return None
    if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args):
        return None
    return node.func.attr, [a.value for a in node.args]


def _magic_call(node) -> tuple[str, str] | None:
    """('time', 'stmt') for `get_ipython().run_line_magic('time', 'stmt')`."""
    call = _ipython_call(node)
    if call is None or call[0] != "run_line_magic" or len(call[1]) != 2:
        return None
    return call[1][0], call[1][1]


def _unwrap_time(tree: ast.Module, code: str) -> list[tuple[ast.stmt, str]]:
    """Top-level statements with their source; `%time stmt` / `x = %time expr` become the statement."""
    out = []
    seen, shared = set(), set()
    for node in tree.body:  # lines holding two statements (a = 1; b = 2)
        span = set(range(_start(node), node.end_lineno + 1))
        shared |= seen & span
        seen |= span
    for node in tree.body:
        call = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
        magic = _magic_call(call)
        if magic and magic[0] in ("time", "timeit"):
            try:
                inner = ast.parse(magic[1])
            except SyntaxError:
                inner = None
            if inner is not None and isinstance(node, ast.Expr):
                for sub in inner.body:
                    ast.increment_lineno(sub, node.lineno - 1)
                    out.append((sub, ast.unparse(sub)))
                continue
            if inner is not None and len(inner.body) == 1 and isinstance(inner.body[0], ast.Expr):
                node.value = inner.body[0].value
                out.append((node, ast.unparse(node)))
                continue
        span = set(range(_start(node), node.end_lineno + 1))
        out.append((node, ast.unparse(node) if span & shared else _segment(code, node)))
    return out


def _start(node: ast.stmt) -> int:
    """The statement's first line, its decorators included (ast's `lineno` is the `def` line)."""
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def _segment(code: str, node: ast.stmt) -> str:
    return "\n".join(code.splitlines()[_start(node) - 1 : node.end_lineno])


def _defines(node) -> list[str]:
    """Names a statement binds at top level: defs, classes, imports, assignments, also inside
    if/try/with/for bodies (`if cuda: device = ...`), but not inside functions."""
    found = []

    def visit(n):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append(n.name)  # what it binds inside is its own
            return
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            if getattr(n, "module", None) != "__future__":
                found.extend((a.asname or a.name).split(".")[0] for a in n.names if a.name != "*")
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            found.append(n.id)
        elif isinstance(n, ast.Lambda):
            return
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return list(dict.fromkeys(found))


def _uses(node) -> list[str]:
    return sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)})


def _shell_commands(node) -> list[str]:
    """The commands of `!cmd` and `x = !cmd` lines (IPython made them get_ipython() calls)."""
    found = []
    for n in ast.walk(node):
        call = _ipython_call(n)
        if call and call[0] in ("system", "getoutput") and call[1]:
            found.append(call[1][0])
    return found


def _future_flags(node, flags: int) -> int:
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        for alias in node.names:
            feature = getattr(__future__, alias.name, None)
            if isinstance(feature, __future__._Feature):
                flags |= feature.compiler_flag
    return flags


# CPython 3.11 keeps ast.parse's recursion depth in interpreter-wide state: two threads parsing at
# once (a batch's workers) can fail with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905). Every parse in the grading process takes this lock: reading a notebook
# here, and reading a probe's array (np.load parses its header with ast.literal_eval). Each is
# milliseconds; one thread at a time costs nothing.
PYTHON_PARSING = threading.Lock()


def extract(path) -> Extracted:
    with PYTHON_PARSING:
        return _extract(Path(path))


def _extract(path: Path) -> Extracted:
    result = Extracted()
    flags, number = 0, 0
    for source in _cells(path):
        if source is None:
            continue
        number += 1
        code = _transform(source, number, result.notes)
        if code is None:
            continue
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            result.skipped_cells.append({"cell": number, "reason": f"syntax error on line {exc.lineno}: {exc.msg}"})
            continue
        for node, text in _unwrap_time(tree, code):
            flags = _future_flags(node, flags)
            for command in _shell_commands(node):
                result.notes.append(
                    f"cell {number} line {_start(node)}: `!{command[:60]}` was not run (grading is offline)"
                )
            result.statements.append(
                {
                    "cell": number,
                    "line": _start(node),
                    "source": text,
                    "defines": _defines(node),
                    "uses": _uses(node),
                    "kind": "definition" if isinstance(node, DEFINITIONS) else "run",
                    "flags": flags,
                }
            )
    return result
