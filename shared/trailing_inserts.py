"""The plain inserts a write ends with, sent as one statement just before its commit.

A booking ends with three inserts: the visit, its event in the outbox, the request's
audit row. On PostgreSQL each is a statement of its own through SQLAlchemy and psycopg
and a round trip to the server (docs/PERFORMANCE.md, "Booking"). ``TrailingInserts``
holds plain inserts back like ``DeferredInserts`` (which it is: anything else asked of
the connection sends them first, in order) and, at the end, ``send_all`` sends the ones
still held as one statement where it can: on PostgreSQL, single-row inserts into
distinct tables become data-modifying CTEs of one INSERT,

    WITH held_0 AS (INSERT INTO appointments ...), held_1 AS (INSERT INTO outbox ...)
    INSERT INTO audit_log ...

one statement, one round trip, the same rows. Each table gets one row, so no order
among them is observable (PostgreSQL runs a statement's CTEs in no set order; ids from
one sequence would be, hence distinct tables only), and foreign keys and row triggers
are checked and fired as for separate inserts. Anything else (SQLite, where a statement
costs no round trip; several rows into one table; an insert with values or defaults of
its own) goes as ``DeferredInserts.flush`` sends it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, bindparam, insert

from shared.deferred_inserts import DeferredInserts

# The combined statement per sequence of held statements and their columns, kept with
# the statements themselves so that their ids are never reused by other objects.
_combined: dict[tuple[tuple[int, tuple[str, ...]], ...], tuple[tuple[Insert, ...], Insert]] = {}


class TrailingInserts(DeferredInserts):
    """Wraps a connection in a transaction; see the module docstring."""

    def send_all(self) -> None:
        """Send everything still held: as one statement where it can, else as ``flush``."""
        held = self._held
        if not _combinable(self.dialect.name, held):
            self.flush()
            return
        self._held = []
        statements = tuple(item.statement for item in held)
        shape = tuple((id(item.statement), item.keys) for item in held)
        cached = _combined.get(shape)
        if cached is None or any(a is not b for a, b in zip(cached[0], statements, strict=True)):
            cached = _combined[shape] = (statements, _combine(held))
        parameters = {f"held_{number}_{key}": value
                      for number, item in enumerate(held)
                      for key, value in item.rows[0].items()}
        self._connection.execute(cached[1], parameters)
        for item in held:
            item.sent_together = True


def _combinable(dialect: str, held: list[Any]) -> bool:
    if dialect != "postgresql" or len(held) < 2:
        return False
    tables = [item.statement.table for item in held]
    return len(set(tables)) == len(tables) and all(
        len(item.rows) == 1 and _bare(item.statement, item.keys) for item in held)


def _bare(statement: Insert, keys: tuple[str, ...]) -> bool:
    # ``insert(table)`` with its columns bound per row: no values, prefixes or CTEs of its
    # own, and no Python-side default that a column left out would need.
    return (
        statement._values is None
        and not statement._prefixes
        and not statement._independent_ctes
        and all(column.default is None or column.key in keys
                for column in statement.table.columns)
    )


def _combine(held: list[Any]) -> Insert:
    parts = [
        insert(item.statement.table).values(
            {key: bindparam(f"held_{number}_{key}") for key in item.keys})
        for number, item in enumerate(held)
    ]
    *before, last = parts
    # inline(): nothing reads the last row's id back, so no RETURNING is asked for.
    return last.add_cte(*(part.cte(f"held_{number}") for number, part in enumerate(before))
                        ).inline()
