"""A connection whose plain inserts wait, to go out together as one executemany.

The consumer runner applies a poll batch in one transaction, but its handlers still run
one event at a time, and a handler's insert is one statement per event. On SQLite that
is a library call; on PostgreSQL it is a round trip and a statement for the server to
parse and plan: ~220 us of this process's CPU and ~75 us of the server's per insert,
against ~15 us and ~5 us per row through one ``executemany`` (psycopg sends those in a
pipeline, prepared once). That gap made the runner ~100x slower on PostgreSQL than its
raw consumer (docs/PERFORMANCE.md, "Event bus").

``DeferredInserts`` hands handlers a connection that holds back plain ``INSERT``s (Core
``insert(table)`` with bound rows, no RETURNING, no ON CONFLICT) and sends each run of
the same statement as one ``executemany`` when anything else is asked of the connection
(a read, an update, a savepoint, the transaction's end): so every statement sees the
rows inserted before it, in order, exactly as without deferring. While a savepoint is
open nothing is held back, so a handler catching an insert's error inside its savepoint
still catches it there.

What changes is *when* a failing insert raises: at the next flush rather than at its
own ``execute``. A caller must therefore treat any error inside the block as the whole
block failing, which the runner's batch does (it rolls back and applies the events one
at a time, on an ordinary connection). A held-back insert's result is read on demand:
its ``rowcount`` is the rows given (a plain INSERT inserts them all or fails), and
anything else asked of it first sends it on its own and answers from that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult
from sqlalchemy.sql.dml import Insert

from shared.bulk import execute_many, is_plain_insert


class _Held:
    """One held-back execute: its statement and rows, and its result once it has one."""

    def __init__(self, statement: Insert, parameters: Any, rows: list[Mapping[str, Any]]) -> None:
        self.statement = statement
        self.parameters = parameters  # as given, for sending it on its own
        self.rows = rows
        self.keys = tuple(rows[0])
        self.sent_together = False
        self.result: CursorResult[Any] | None = None


class HeldInsertResult:
    """Stands for a held-back insert's result until something needs the real one."""

    def __init__(self, owner: DeferredInserts, held: _Held) -> None:
        self._owner = owner
        self._held = held

    @property
    def rowcount(self) -> int:
        # A plain INSERT (no ON CONFLICT) inserts every row or raises, and a raise fails
        # the whole block, so the count is known without asking the database.
        return len(self._held.rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._owner._result_of(self._held), name)


class DeferredInserts:
    """Wraps a connection in a transaction; see the module docstring."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._held: list[_Held] = []

    @property
    def dialect(self) -> Any:
        # Looked at by helpers choosing their SQL (dialect_insert); sends nothing.
        return self._connection.dialect

    def execute(self, statement: Any, parameters: Any = None, **options: Any) -> Any:
        """Hold back a plain insert of bound rows; send everything else (after the held)."""
        rows = _bound_rows(parameters)
        if rows and not options and self._holds(statement):
            return self._hold(statement, parameters, rows)
        self.flush()
        return self._connection.execute(statement, parameters, **options)

    def execute_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> int:
        """``shared.bulk.execute_many`` through this connection: a plain insert's rows are
        held back like any other; anything else goes after what is held, as one
        executemany."""
        if self._holds(statement):
            return self._hold(statement, list(rows), list(rows)).rowcount
        self.flush()
        return execute_many(self._connection, statement, rows)

    def _holds(self, statement: Any) -> bool:
        return is_plain_insert(statement) and not self._connection.in_nested_transaction()

    def _hold(self, statement: Insert, parameters: Any, rows: list[Mapping[str, Any]]
              ) -> HeldInsertResult:
        held = _Held(statement, parameters, rows)
        self._held.append(held)
        return HeldInsertResult(self, held)

    def flush(self) -> None:
        """Send what is held back, each run of one statement as one executemany."""
        held, self._held = self._held, []
        start = 0
        while start < len(held):
            end = start + 1
            while (end < len(held) and held[end].statement is held[start].statement
                   and held[end].keys == held[start].keys):  # fmt: skip
                end += 1
            run = held[start:end]
            execute_many(self._connection, run[0].statement,
                         [row for item in run for row in item.rows])  # fmt: skip
            for item in run:
                item.sent_together = True
            start = end

    def __getattr__(self, name: str) -> Any:
        # Anything else (scalar, begin_nested, exec_driver_sql, the DBAPI connection...)
        # may talk to the database: what is held goes first.
        self.flush()
        return getattr(self._connection, name)

    def _result_of(self, held: _Held) -> CursorResult[Any]:
        if held.result is not None:
            return held.result
        if held.sent_together:
            raise RuntimeError(
                "an insert's result was asked for after it was sent with others; "
                "read it before the next statement"
            )
        position = self._held.index(held)
        before, later = self._held[:position], self._held[position + 1:]
        self._held = before
        self.flush()  # what was held before it goes first, in order
        held.result = self._connection.execute(held.statement, held.parameters)
        self._held = later
        return held.result


def _bound_rows(parameters: Any) -> list[Mapping[str, Any]] | None:
    if isinstance(parameters, Mapping):
        return [parameters] if parameters else None
    if isinstance(parameters, Sequence) and parameters and all(
        isinstance(row, Mapping) for row in parameters
    ):
        keys = tuple(parameters[0])
        if all(tuple(row) == keys for row in parameters):
            return list(parameters)
    return None
