"""Many rows through one prepared statement, without SQLAlchemy's work per row.

``connection.execute(statement, rows)`` builds a parameter dict for every row and then
converts it again for the driver: ~6-10 us a row, more than SQLite takes to insert it.
Posting an 835 writes about ten rows per claim payment (its state, history, payment,
lines, adjustments, remarks, two outbox events), so that was a fifth of posting
(docs/PERFORMANCE.md, "Remittance posting"). Here the statement is compiled once per
dialect and set of columns, each row becomes the driver's tuple directly (through the
same type processors SQLAlchemy would apply, e.g. ``UtcDateTime``), and the driver runs
one ``executemany``, in the caller's transaction.

On PostgreSQL a plain INSERT (no RETURNING, no ON CONFLICT) goes the same way: the
driver's tuples straight to psycopg's ``executemany``, which sends them pipelined through
one prepared statement, in order, and fails the caller's transaction at the first error
(a unique violation), as through ``connection.execute``. SQLAlchemy folds rows into
multi-row statements ("insertmanyvalues") only for an INSERT with RETURNING. Multi-row
``INSERT ... VALUES (...), (...)`` measured slower here, not faster (docs/PERFORMANCE.md,
"Claims", round 4): psycopg turns a long statement's placeholders into PostgreSQL's in
Python, uncached past 4,096 characters. UPDATEs and DELETEs there take the ordinary path.

Statements needing Python-side defaults or expanding parameters take the ordinary path
on either database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert, UpdateBase

# (position, converter) for the bind values needing one.
_Converters = tuple[tuple[int, Callable[[Any], Any]], ...]
# The SQL (positional), the bind names in order, their converters.
_Prepared = tuple[str, tuple[str, ...], _Converters] | None
_NOTHING = object()
_prepared: dict[tuple[int, str, tuple[str, ...]], tuple[UpdateBase, _Prepared]] = {}
_NAMED_BIND = re.compile(r"%\(([^()]+)\)s")


def execute_many(
    connection: Connection, statement: UpdateBase, rows: Sequence[dict[str, Any]]
) -> int:
    """Run ``statement`` once per row (each row naming the same keys); the rows it
    inserted, or an UPDATE or DELETE affected."""
    if not rows:
        return 0
    # A wrapper that holds inserts back (shared/deferred_inserts.py) decides for itself:
    # the rows must wait with the rest it holds, or a booking's trailing inserts would not
    # go out together. Looked up on the type: its __getattr__ would flush what it holds.
    own = getattr(type(connection), "execute_many", None)
    if own is not None:
        return own(connection, statement, rows)
    prepared = _prepared_for(connection, statement, tuple(rows[0]))
    if prepared is None:
        return connection.execute(statement, list(rows)).rowcount
    sql, names, processed = prepared
    # Column by column, then zipped into the driver's tuples: the loops run in C.
    values = [list(map(itemgetter(name), rows)) for name in names]
    for position, process in processed:
        column = values[position]
        if column[0] is column[-1]:
            values[position] = _convert_shared(column, process)
        else:
            values[position] = list(map(process, column))
    parameters = list(zip(*values, strict=True))
    return connection.exec_driver_sql(sql, parameters).rowcount


def is_plain_insert(statement: Any) -> bool:
    """Whether ``statement`` is exactly Core's Insert of bound rows: the dialects'
    subclasses carry ON CONFLICT, whose rows may or may not go in; RETURNING and
    ``return_defaults()`` hand back rows to read."""
    return (
        type(statement) is Insert
        and not statement._returning
        and not statement._return_defaults
        and not statement._multi_values
    )


def _convert_shared(column: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    """Convert a column whose rows mostly share one value (a batch's ``now``) once per run
    of the same object."""
    converted: list[Any] = []
    last, result = _NOTHING, None
    for value in column:
        if value is not last:
            last, result = value, process(value)
        converted.append(result)
    return converted


def _prepared_for(
    connection: Connection, statement: UpdateBase, keys: tuple[str, ...]
) -> _Prepared:
    dialect = connection.dialect.name
    cache_key = (id(statement), dialect, keys)
    cached = _prepared.get(cache_key)
    # The statement is kept with its entry so its id is never reused by another object.
    if cached is not None and cached[0] is statement:
        return cached[1]
    prepared: _Prepared = None
    if dialect == "sqlite":
        prepared = _positional(connection, statement, keys)
    elif dialect == "postgresql" and is_plain_insert(statement):
        prepared = _insert_made_positional(connection, statement, keys)
    _prepared[cache_key] = (statement, prepared)
    return prepared


def _positional(connection: Connection, statement: UpdateBase, keys: tuple[str, ...]) -> _Prepared:
    """SQLite (positional "?" binds): the statement for these keys, or None when it needs
    more than bound values (Python-side defaults, expanding parameters)."""
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(keys))
    if (
        isinstance(compiled, SQLCompiler)
        and compiled.positional
        and compiled.positiontup is not None
        and not compiled.insert_prefetch
        and not compiled.update_prefetch
        and not compiled.literal_execute_params
        and not compiled.post_compile_params
        and set(compiled.positiontup) <= set(keys)
    ):
        return compiled.string, *_bound(compiled, tuple(compiled.positiontup))
    return None


def _insert_made_positional(
    connection: Connection, statement: UpdateBase, keys: tuple[str, ...]
) -> _Prepared:
    """PostgreSQL (named "%(key)s" binds): the INSERT for these keys with "%s" binds, or
    None when it needs more than bound values (Python-side defaults, escaped names)."""
    compiled = statement.compile(
        dialect=connection.dialect, column_keys=list(keys), for_executemany=True
    )
    head, values, row = compiled.string.partition(" VALUES ")
    if (
        isinstance(compiled, SQLCompiler)
        and values
        and row.startswith("(")
        and row.endswith(")")
        and not compiled.effective_returning
        and not compiled.insert_prefetch
        and not compiled.literal_execute_params
        and not compiled.post_compile_params
        and not compiled.escaped_bind_names
    ):
        names = tuple(_NAMED_BIND.findall(row))
        if names and set(names) <= set(keys):
            return f"{head} VALUES {_NAMED_BIND.sub('%s', row)}", *_bound(compiled, names)
    return None


def _bound(compiled: SQLCompiler, names: tuple[str, ...]) -> tuple[tuple[str, ...], _Converters]:
    """The bind names in order, and the type converters execute() would apply to them."""
    processors = compiled._bind_processors
    return names, tuple((position, processors[name]) for position, name in enumerate(names)
                        if processors.get(name) is not None)  # fmt: skip
