"""Several reads sent to PostgreSQL in one round trip, each still a statement of its own.

A booking on PostgreSQL reads under row locks: the client's referrals, the therapist, a
room. Each lock is taken by a statement of its own, and what it guards is read by a later
statement, which sees whatever the lock's previous holder committed (READ COMMITTED: a
statement's snapshot is taken when it starts, so a statement that waited for a lock still
reads from before the wait). Sent one at a time, through SQLAlchemy and psycopg, that was
11 round trips a booking, each costing this process ~100 us of CPU and the server ~50 us,
more under load (docs/PERFORMANCE.md, "Booking", round 5).

``read_together`` sends a sequence of SELECTs through psycopg's pipeline mode: one
message, the server runs them in order, each as its own statement with its own snapshot,
and a lock one of them takes is held before the next one starts. So the reads see exactly
what they would see sent one by one; only the waiting between them is gone. Its BEGIN
goes in the same message when the reads open the transaction.

What comes back is what ``connection.execute(statement, parameters).all()`` gives: the
same bind and result conversions (each column type's processors, e.g. ``UtcDateTime``),
rows that read by name, by position and through ``_mapping``, SQLAlchemy's exception
types (a dropped connection invalidated as SQLAlchemy does), and the engine's
``before_cursor_execute`` listeners told of each statement. On any other database the
reads run one after the other through ``connection.execute`` (SQLite costs no round
trip). Statements with expanding parameters (``IN`` lists rendered per call) are refused:
build them per length instead (``store/appointments.py``).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import CompoundSelect

Read = tuple[Select | CompoundSelect, Mapping[str, Any]]


def read_together(connection: Connection, reads: Sequence[Read]) -> list[list[Any]]:
    """The rows of each read, in order, in the caller's transaction; on PostgreSQL (psycopg)
    in one round trip."""
    if connection.dialect.driver != "psycopg":
        return [connection.execute(statement, parameters).all() for statement, parameters in reads]
    dialect = connection.dialect
    prepared = [(_compiled(dialect, statement), parameters) for statement, parameters in reads]
    sent = [(one, one.driver_parameters(parameters)) for one, parameters in prepared]
    # Through a connection wrapper that holds inserts back (shared/deferred_inserts.py),
    # asking for the DBAPI connection sends what it holds first.
    driver = connection.connection.dbapi_connection
    announce = connection.dispatch.before_cursor_execute
    cursors = []
    try:
        with driver.pipeline():
            for one, parameters in sent:
                cursor = driver.cursor()
                if announce:
                    announce(connection, cursor, one.sql, parameters, None, False)
                cursor.execute(one.sql, parameters)
                cursors.append(cursor)
        return [one.rows(cursor) for (one, _), cursor in zip(sent, cursors, strict=True)]
    except dialect.loaded_dbapi.Error as error:
        gone = dialect.is_disconnect(error, driver, None)
        if gone:
            connection.invalidate(error)
        raise DBAPIError.instance(
            "; ".join(one.sql for one, _ in sent), None, error, dialect.loaded_dbapi.Error,
            hide_parameters=True, connection_invalidated=gone, dialect=dialect,
        ) from error
    finally:
        for cursor in cursors:
            cursor.close()


@dataclass
class _Compiled:
    """One statement compiled for the dialect, and what turns values in and rows out."""

    statement: Any  # kept, so that its id (the cache key) is never reused by another
    compiled: SQLCompiler
    sql: str
    bind_processors: dict[str, Callable[[Any], Any]]
    row: type
    types: list[Any]
    dialect: Dialect
    # The result processors per the driver's column type codes (SQLAlchemy chooses them
    # by the type the server says a column has, as CursorResult does).
    result_processors: dict[tuple[Any, ...], list[tuple[int, Callable[[Any], Any]]]] = field(
        default_factory=dict)

    def driver_parameters(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        values = self.compiled.construct_params(dict(parameters))
        for name, process in self.bind_processors.items():
            if name in values:
                values[name] = process(values[name])
        return values

    def rows(self, cursor: Any) -> list[Any]:
        fetched = cursor.fetchall()
        result = cursor.pgresult
        codes = tuple(result.ftype(n) for n in range(result.nfields))
        processors = self.result_processors.get(codes)
        if processors is None:
            found = (kind._cached_result_processor(self.dialect, code)
                     for kind, code in zip(self.types, codes, strict=True))
            processors = self.result_processors[codes] = [
                (position, process) for position, process in enumerate(found)
                if process is not None]
        make = self.row._make
        if not processors:
            return [make(values) for values in fetched]
        rows = []
        for fetched_row in fetched:
            values = list(fetched_row)
            for position, process in processors:
                values[position] = process(values[position])
            rows.append(make(values))
        return rows


# Per statement object and dialect. Callers pass prebuilt statements (a handful of them);
# a statement built per call would add an entry per call, so the cache is emptied when
# full, as shared/db.py's is (the statements in use are compiled again once each).
_CACHE_LIMIT = 512
_cache: dict[tuple[int, str], _Compiled] = {}


def _compiled(dialect: Dialect, statement: Select | CompoundSelect) -> _Compiled:
    key = (id(statement), dialect.name)
    found = _cache.get(key)
    if found is not None and found.statement is statement:
        return found
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if compiled.post_compile_params or compiled.literal_execute_params:
        raise ValueError("a statement read together cannot have expanding parameters "
                         "(an IN list rendered per call): build it per length instead")
    columns = list(statement.selected_columns)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    found = _cache[key] = _Compiled(
        statement=statement,
        compiled=compiled,
        sql=compiled.string,
        bind_processors={name: process for name, process in compiled._bind_processors.items()
                         if process is not None},
        row=row_type(tuple(column.key for column in columns)),
        types=[column.type for column in columns],
        dialect=dialect,
    )
    return found


def row_type(keys: tuple[str, ...]) -> type:
    """A tuple with the columns' names, read as a SQLAlchemy row is (``row.name``,
    ``row[0]``, ``row._mapping``)."""

    class Row(namedtuple("Row", keys, rename=True)):  # type: ignore[misc]
        __slots__ = ()

        @property
        def _mapping(self) -> dict[str, Any]:
            return dict(zip(keys, self, strict=True))

    return Row
