"""What each optional extra brings (pyproject.toml), by the modules a command imports, so a command
run without its extra says which one to install instead of a bare ImportError. A test checks this
table against pyproject.toml's extras."""

from __future__ import annotations

EXTRA_MODULES = {  # extra -> the modules it provides (import names)
    "exams": ("cv2", "pypdfium2", "fontTools", "pikepdf"),
    "reference": ("torch", "scipy", "sklearn"),
    "labs": ("torch", "scipy", "sklearn", "nbformat", "IPython"),
    "class": ("psycopg", "gunicorn", "pylti1p3", "jwcrypto"),  # a progress store on PostgreSQL; the class server
}
COMMAND_EXTRA = {
    "exam": "exams",
    "reference": "reference",
    "lab": "labs",
    "class": "class",
}  # the extra a command group needs
SYSTEM_NEEDS = {  # what pip cannot install: the Debian packages a command group also needs
    "exams": "TeX (Debian: texlive-latex-base texlive-latex-extra texlive-fonts-recommended texlive-luatex)",
    "labs": "bubblewrap (Debian: bubblewrap) to jail student code",
    "class": "a PostgreSQL server (Debian: postgresql)",
}


def missing_extra(command: str, action: str, exc: ModuleNotFoundError) -> str | None:
    """The message for a module of an extra that is not installed; None for any other missing module
    (a broken install, a bug: the traceback says more than we could)."""
    module = (exc.name or "").split(".")[0]
    extra = COMMAND_EXTRA.get(command)
    if extra is None or module not in EXTRA_MODULES[extra]:
        extra = next((e for e, modules in EXTRA_MODULES.items() if module in modules), None)
    if extra is None:
        return None
    also = f"; it also needs {SYSTEM_NEEDS[extra]}" if extra in SYSTEM_NEEDS else ""
    return (
        f"`examkit {' '.join(filter(None, (command, action)))}` needs the {extra!r} extra ({module} is not installed): "
        f"pip install 'examkit[{extra}]'{also}"
    )
