"""The packages' layers (docs/ARCHITECTURE.md): a module imports only from its own layer's package
or below, and the two student front-ends (the terminal drill, the browser app) share the study core
instead of importing each other. An upward import fails here, naming the file and line."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "examkit"
LAYERS = [  # low to high; a package may import its own layer's neighbours only where listed together
    {"errors", "resources", "progress", "extras", "gradebook", "kept", "markup", "checking"},
    {"parts"},
    {"bank"},
    {"sheets", "labs"},
    {"exam"},
    {"study"},
    {"drill", "practice", "preview"},
    {"classroom"},
    {"api"},
    {"cli", "__main__"},
]
APART = {frozenset({"drill", "practice"})}  # same layer, never importing each other
LEVEL = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _imports(path: Path):
    """(line, top-level examkit package imported) for each import in `path`."""
    module = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = module[:-1] if path.name != "__init__.py" else module[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - (node.level - 1)])
                target = base + (node.module.split(".") if node.module else [])
            else:
                target = (node.module or "").split(".")
            if target[0] != "examkit":
                continue
            names = [target[1]] if len(target) > 1 else [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".")[1] for a in node.names if a.name.startswith("examkit.")]
        else:
            continue
        for name in names:
            yield node.lineno, name


def _top(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else path.stem


def test_every_package_has_a_layer():
    packages = {_top(p) for p in PACKAGE.rglob("*.py")} - {"__init__", "_bundled"}
    assert packages <= set(LEVEL), packages - set(LEVEL)


def test_no_module_imports_a_layer_above_it_and_the_front_ends_stay_apart():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "inside" in path.parts:  # the jail's own files, copied in: they import no examkit at all
            continue
        source = _top(path)
        for line, target in _imports(path):
            if target == source or target not in LEVEL:
                continue
            if LEVEL[target] > LEVEL[source] or frozenset({source, target}) in APART:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {source} imports {target}")
    assert not upward, "\n".join(upward)
