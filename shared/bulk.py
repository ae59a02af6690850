"""Many rows through one prepared statement, without SQLAlchemy's work per row.

``connection.execute(statement, rows)`` builds a parameter dict for every row and then
converts it again for the driver: ~6-10 us a row, more than SQLite takes to insert it.
Posting an 835 writes about ten rows per claim payment (its state, history, payment,
lines, adjustments, remarks, two outbox events), so that was a fifth of posting
(docs/PERFORMANCE.md, "Remittance posting"). Here the statement is compiled once per
dialect and set of columns, each row becomes the driver's tuple directly (through the
same type processors SQLAlchemy would apply, e.g. ``UtcDateTime``), and the driver runs
one ``executemany``, in the caller's transaction.

Only on SQLite: on PostgreSQL SQLAlchemy already folds an insert's rows into a few
multi-row statements ("insertmanyvalues"), which saves round trips the driver's
``executemany`` would not, so there the ordinary path is used. Statements needing
Python-side defaults or expanding parameters also take the ordinary path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

# The SQL, the bind names in order, and (position, converter) for those needing one.
_Prepared = tuple[str, tuple[str, ...], tuple[tuple[int, Callable[[Any], Any]], ...]] | None
_NOTHING = object()
_prepared: dict[tuple[int, str, tuple[str, ...]], tuple[UpdateBase, _Prepared]] = {}


def execute_many(
    connection: Connection, statement: UpdateBase, rows: Sequence[dict[str, Any]]
) -> int:
    """Run ``statement`` once per row (each row naming the same keys); the rows an UPDATE
    or DELETE affected (an INSERT's count is -1 where PostgreSQL batches it)."""
    if not rows:
        return 0
    if connection.dialect.name != "sqlite":
        return connection.execute(statement, list(rows)).rowcount
    keys = tuple(rows[0])
    prepared = _prepare(connection, statement, keys)
    if prepared is None:
        return connection.execute(statement, list(rows)).rowcount
    sql, columns, processed = prepared
    # Column by column, then zipped into the driver's tuples: the loops run in C.
    values = [list(map(itemgetter(column), rows)) for column in columns]
    for position, process in processed:
        column = values[position]
        if column[0] is column[-1]:
            values[position] = _convert_shared(column, process)
        else:
            values[position] = list(map(process, column))
    parameters = list(zip(*values, strict=True))
    return connection.exec_driver_sql(sql, parameters).rowcount


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


def _prepare(connection: Connection, statement: UpdateBase, keys: tuple[str, ...]) -> _Prepared:
    cache_key = (id(statement), connection.dialect.name, keys)
    cached = _prepared.get(cache_key)
    # The statement is kept with its entry so its id is never reused by another object.
    if cached is not None and cached[0] is statement:
        return cached[1]
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(keys))
    prepared: _Prepared = None
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
        processors = compiled._bind_processors  # the ones execute() applies
        columns = tuple(compiled.positiontup)
        processed = tuple((position, processors[key]) for position, key in enumerate(columns)
                          if processors.get(key) is not None)  # fmt: skip
        prepared = (compiled.string, columns, processed)
    _prepared[cache_key] = (statement, prepared)
    return prepared
