"""Moving a student's progress in and out of a store: an export (one JSON document per student; a
whole database as JSON Lines, a document a line), its restore, and removing one student's data on
request. Rows go out as the tables hold them, so a restore gives back exactly what was exported."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import delete, insert, select, union

from ..errors import UsageError
from . import migrate
from .store import ProgressStore
from .tables import attempts, metadata

FORMAT = "examkit-progress"
TABLES = metadata.sorted_tables  # every table has the `student` key


def _columns(table) -> list:
    """The columns an export carries: all but the student (the document's) and the attempts' row
    number (a restore numbers them anew, in the exported order)."""
    return [c for c in table.columns if c.name != "student" and c is not attempts.c.id]


def students(store: ProgressStore) -> list[str]:
    """Every student with progress in the store's database, sorted."""
    query = union(*(select(t.c.student) for t in TABLES))
    with store.reading() as connection:
        return sorted(row[0] for row in connection.execute(query))


def export_student(store: ProgressStore) -> dict:
    """The store's student's progress as one JSON-ready document."""
    tables = {}
    with store.reading() as connection:
        for table in TABLES:
            query = select(*_columns(table)).where(table.c.student == store.student)
            rows = connection.execute(query.order_by(*table.primary_key.columns))
            tables[table.name] = [dict(row._mapping) for row in rows]
    return {"format": FORMAT, "schema": migrate.head(), "student": store.student, "tables": tables}


def export_lines(store: ProgressStore, out) -> int:
    """Every student's document, one JSON line each, into the text stream `out`; returns how many."""
    names = students(store)
    for name in names:
        out.write(json.dumps(export_student(store.for_student(name)), ensure_ascii=False) + "\n")
    return len(names)


def restore_student(store: ProgressStore, document: dict, where: str = "document"):
    """Replace the store's student's progress with `document`'s (an export_student document, of any
    student: it becomes this one's), in one transaction. A malformed document is a UsageError naming `where`."""
    rows = _checked(document, where)
    with store.transaction() as connection:
        _replace(connection, store.student, rows)


def restore_lines(store: ProgressStore, lines: Iterable[str], source: str) -> list[str]:
    """Restore every student of a JSON Lines export (export_lines) into the store's database, in one
    transaction: each named student's progress is replaced by theirs; others are left alone. Every
    line is checked before anything is written, a problem named `source:line`. Returns the students."""
    documents = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            document = json.loads(line)
        except json.JSONDecodeError as error:
            raise UsageError(f"{where}: not JSON ({error.msg})") from None
        if not isinstance(document, dict) or not isinstance(document.get("student"), str) or not document["student"]:
            raise UsageError(f"{where}: a progress document names its student")
        documents.append((document["student"], _checked(document, where)))
    repeated = [s for s, n in Counter(s for s, _ in documents).items() if n > 1]
    if repeated:
        raise UsageError(f"{source}: students given twice: {', '.join(sorted(repeated))}")
    with store.transaction() as connection:
        for student, rows in documents:
            _replace(connection, student, rows)
    return [student for student, _ in documents]


def remove_student(store: ProgressStore) -> int:
    """Delete every row of the store's student (their data removed on request); returns how many."""
    removed = 0
    with store.transaction() as connection:
        for table in TABLES:
            removed += connection.execute(delete(table).where(table.c.student == store.student)).rowcount
    return removed


def _replace(connection, student: str, rows: dict):
    for table in TABLES:
        connection.execute(delete(table).where(table.c.student == student))
        if rows[table.name]:
            connection.execute(insert(table), [{**row, "student": student} for row in rows[table.name]])


def _checked(document, where: str) -> dict:
    """The document's rows by table, each row's fields and types checked against the tables."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UsageError(f"{where}: not an examkit progress export (its format is not {FORMAT!r})")
    if document.get("schema") != migrate.head():
        raise UsageError(
            f"{where}: exported with schema {document.get('schema')!r}; this examkit reads {migrate.head()!r} "
            "(restore it with the examkit that exported it, then export again from this one)"
        )
    tables = document.get("tables")
    if not isinstance(tables, dict) or set(tables) - {t.name for t in TABLES}:
        raise UsageError(f"{where}: 'tables' maps table names ({', '.join(t.name for t in TABLES)}) to rows")
    rows = {}
    for table in TABLES:
        given = tables.get(table.name, [])
        if not isinstance(given, list):
            raise UsageError(f"{where}: {table.name} is a list of rows")
        for number, row in enumerate(given, 1):
            _check_row(table, row, f"{where}: {table.name} row {number}")
        rows[table.name] = given
    return rows


def _check_row(table, row, where: str):
    columns = {c.name: c for c in _columns(table)}
    if not isinstance(row, dict) or set(row) != set(columns):
        got = sorted(row) if isinstance(row, dict) else type(row).__name__
        raise UsageError(f"{where}: has {got}, expected the fields {sorted(columns)}")
    for name, value in row.items():
        column = columns[name]
        if value is None and column.nullable:
            continue
        wanted = column.type.python_type
        ok = isinstance(value, wanted) and not isinstance(value, bool)
        if wanted is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok:
            raise UsageError(f"{where}: {name} is {value!r}, not a {wanted.__name__}")
