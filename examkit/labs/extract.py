"""Turn a submission (.ipynb or .py) into the top-level statements that define things.

Grading must not run the notebook top to bottom: `!pip install`, `%matplotlib`, downloads and
training loops are dropped; definitions (imports, functions, classes, assignments) are kept, each
as its own statement so that one failing line (e.g. `import torchvision`) costs only itself. A cell
with a syntax error is dropped whole and reported.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

MAX_SOURCE_BYTES = 2_000_000
KEEP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)


class SubmissionError(ValueError):
    """The file is not a readable notebook or Python source."""


@dataclass
class Extracted:
    statements: list = field(default_factory=list)  # [{"cell": i, "line": n, "source": str, "defines": [...]}]
    skipped_cells: list = field(default_factory=list)  # [{"cell": i, "reason": str}]
    dropped: int = 0  # top-level statements not kept (calls, loops, plots)


def _cells(path: Path) -> list[str]:
    raw = path.read_bytes()
    if len(raw) > MAX_SOURCE_BYTES:
        raise SubmissionError(f"{path.name}: file is larger than {MAX_SOURCE_BYTES // 1_000_000} MB")
    if path.suffix == ".py":
        return [raw.decode("utf-8", errors="replace")]
    if path.suffix != ".ipynb":
        raise SubmissionError(f"{path.name}: expected a .ipynb notebook or a .py file")
    import nbformat

    try:
        nb = nbformat.reads(raw.decode("utf-8", errors="replace"), as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError, ValueError, KeyError, AttributeError) as exc:
        raise SubmissionError(
            f"{path.name}: not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})"
        ) from None
    return [cell.get("source", "") if cell.get("cell_type") == "code" else None for cell in nb.get("cells", [])]


def _strip_magics(source: str) -> str:
    """IPython-only lines (`!cmd`, `%magic`, `%%cell`) become blank lines, keeping line numbers."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("!", "%")) else line for line in lines)


def _defines(node) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def extract(path) -> Extracted:
    path = Path(path)
    result = Extracted()
    for index, source in enumerate(_cells(path)):
        if source is None:
            continue
        code = _strip_magics(source)
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            result.skipped_cells.append({"cell": index, "reason": f"syntax error on line {exc.lineno}: {exc.msg}"})
            continue
        for node in tree.body:
            if isinstance(node, KEEP):
                result.statements.append(
                    {
                        "cell": index,
                        "line": node.lineno,
                        "defines": _defines(node),
                        "source": ast.get_source_segment(code, node) or ast.unparse(node),
                    }
                )
            else:
                result.dropped += 1
    return result
