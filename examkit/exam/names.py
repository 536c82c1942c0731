"""File names and export identifiers from student ids: safe on every file system, in TeX and in
XML, and distinct for distinct ids whatever their script (`é1`, `ü1` and `王1` are three files).

An id that is already plain ASCII keeps its name (`s1001.pdf`); any other gets its closest ASCII
spelling plus a short digest of the id itself, so two ids never share a file. Names that would
still collide (ids equal up to case on a case-insensitive disk, say) are refused before anything
is written.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class NameCollision(ValueError):
    """Two ids would be written to the same file."""


def safe_file_name(ident: str) -> str:
    ascii_form = unicodedata.normalize("NFKD", ident).encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", ascii_form).strip("._")[:60]
    if base == ident and base:
        return base
    digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:8]
    return f"{base}-{digest}" if base else f"id-{digest}"


def xml_id(*parts: str) -> str:
    """An XML NCName (QTI and IMS manifest identifiers): starts with a letter, no spaces or colons."""
    return "id-" + "-".join(safe_file_name(str(p)) for p in parts)


def check_distinct(ids, what: str = "student id") -> dict[str, str]:
    """id -> file name, refusing ids that would share a file (compared as a case-insensitive disk does)."""
    names, seen = {}, {}
    for ident in ids:
        name = safe_file_name(ident)
        key = name.lower()
        if key in seen and seen[key] != ident:
            raise NameCollision(
                f"{what}s {seen[key]!r} and {ident!r} would both be written as {name!r}: make the ids differ "
                "by more than letter case or punctuation"
            )
        if ident in names:
            raise NameCollision(f"{what} {ident!r} appears twice")
        seen[key], names[ident] = ident, name
    return names
