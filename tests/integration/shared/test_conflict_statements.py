"""The ON CONFLICT helpers of shared/db.py: compiled once, and the same SQL and rows as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.interfaces import CacheStats

from shared import db
from shared.db import (
    Newer,
    UtcDateTime,
    dialect_insert,
    insert_if_absent,
    insert_or_replace,
    make_engine,
    save_if_newer,
    write_transaction,
)
from tests.support.statements import Sent, statements_sent

metadata = sa.MetaData()
notes = sa.Table(
    "conflict_notes",
    metadata,
    sa.Column("id", sa.String(20), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("details", sa.JSON, nullable=True),
)
CLOSED = "closed"


def _newer_and_open(stored: Any, incoming: Any) -> sa.ColumnElement[bool]:
    return sa.and_(stored.version < incoming.version, stored.status != CLOSED)


def _row(id_: str, version: int, status: str = "open", **more: Any) -> dict[str, Any]:
    return {"id": id_, "version": version, "status": status,
            "at": datetime(2026, 12, 2, 9, 30, tzinfo=UTC), **more}


@pytest.fixture
def engine(database_url):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    metadata.create_all(engine)
    return engine


def _about_notes(sent: list[Sent]) -> list[Sent]:
    return [one for one in sent if "conflict_notes" in one.statement]


def _cache_use(sent: list[Sent]) -> list[CacheStats | None]:
    return [one.cache_hit for one in _about_notes(sent)]


def _stored(engine: sa.Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(notes).order_by(notes.c.id)))


def test_inserting_if_absent_is_compiled_once_and_inserts_only_the_first_time(engine):
    outcomes = []
    with statements_sent(engine) as sent:
        for version in (1, 2, 3):
            with write_transaction(engine) as connection:
                outcomes.append(insert_if_absent(connection, notes, _row("a", version)))
    assert outcomes == [True, False, False]
    assert _cache_use(sent)[1:] == [CacheStats.CACHE_HIT, CacheStats.CACHE_HIT]
    [stored] = _stored(engine)
    assert stored.version == 1


def test_saving_if_newer_is_compiled_once_and_the_newest_open_version_wins(engine):
    written = []
    with statements_sent(engine) as sent:
        for version, status in [(2, "open"), (1, "open"), (3, CLOSED), (4, "open")]:
            with write_transaction(engine) as connection:
                written.append(save_if_newer(connection, notes, _row("a", version, status),
                                             _newer_and_open))
    # Version 1 is older; once closed, a later version changes nothing.
    assert written == [True, False, True, False]
    assert _cache_use(sent)[1:] == [CacheStats.CACHE_HIT] * 3
    [stored] = _stored(engine)
    assert (stored.version, stored.status) == (3, CLOSED)


def test_a_condition_written_as_a_lambda_at_the_call_is_compiled_once(engine):
    with statements_sent(engine) as sent:
        for version in (1, 2, 3):
            with write_transaction(engine) as connection:
                save_if_newer(connection, notes, _row("a", version),
                              lambda stored, incoming: stored.version < incoming.version)
    assert _cache_use(sent)[1:] == [CacheStats.CACHE_HIT, CacheStats.CACHE_HIT]
    assert _stored(engine)[0].version == 3


def test_a_condition_capturing_an_unhashable_value_still_decides_each_save(engine):
    closed = [CLOSED]  # a list: it cannot key a kept statement

    def newer_and_not_closed(stored: Any, incoming: Any) -> sa.ColumnElement[bool]:
        return sa.and_(stored.version < incoming.version, stored.status.notin_(closed))

    for version, status in ((1, "open"), (2, CLOSED), (3, "open")):
        with write_transaction(engine) as connection:
            save_if_newer(connection, notes, _row("a", version, status), newer_and_not_closed)
    assert (_stored(engine)[0].version, _stored(engine)[0].status) == (2, CLOSED)


def _stored_below(ceiling: int) -> Newer:
    # Captures its ceiling: each one is a statement of its own to keep.
    return lambda stored, incoming: stored.version < ceiling


def test_statements_kept_stay_bounded_however_many_conditions_are_compiled(engine, monkeypatch):
    monkeypatch.setattr(db, "_COMPILED_LIMIT", 4)
    monkeypatch.setattr(db, "_COMPILED", {})
    kept, written = [], []
    with statements_sent(engine) as sent:
        with write_transaction(engine) as connection:
            insert_if_absent(connection, notes, _row("a", 0))
        for version in range(1, 11):
            ceiling = version if version % 2 == 0 else 0  # odd versions are refused
            with write_transaction(engine) as connection:
                written.append(save_if_newer(connection, notes, _row("a", version),
                                             _stored_below(ceiling)))
            kept.append(len(db._COMPILED))
        with write_transaction(engine) as connection:
            insert_if_absent(connection, notes, _row("b", 0))  # compiled again by now
    assert max(kept) <= 4
    assert written == [version % 2 == 0 for version in range(1, 11)]
    first_insert, *saves, second_insert = [one.statement for one in _about_notes(sent)]
    assert first_insert == second_insert
    assert len(saves) == 10 and len(set(saves)) == 1  # the ceiling is a parameter
    assert [(row.id, row.version) for row in _stored(engine)] == [("a", 10), ("b", 0)]


def test_columns_left_out_keep_what_is_stored(engine):
    with write_transaction(engine) as connection:
        save_if_newer(connection, notes, _row("a", 1, details={"room": "blue"}), _newer_and_open)
        save_if_newer(connection, notes, {"id": "a", "version": 2, "status": "moved",
                                          "at": datetime(2026, 12, 3, tzinfo=UTC)},
                      _newer_and_open)
    [stored] = _stored(engine)
    assert (stored.version, stored.status, stored.details) == (2, "moved", {"room": "blue"})


def test_values_still_go_through_their_types(engine):
    local = datetime(2026, 3, 8, 1, 30, tzinfo=timezone(timedelta(hours=-5)))
    with write_transaction(engine) as connection:
        insert_if_absent(connection, notes, _row("a", 1, at=local, details={"a": [1, 2]}))
    [stored] = _stored(engine)
    assert stored.at == local and stored.at.utcoffset() == timedelta(0)
    assert stored.details == {"a": [1, 2]}
    with pytest.raises(Exception, match="naive"), write_transaction(engine) as connection:
        insert_if_absent(connection, notes, _row("b", 1, at=datetime(2026, 1, 1)))


def test_insert_or_replace_overwrites_every_column_given(engine):
    with write_transaction(engine) as connection:
        insert_or_replace(connection, notes, _row("a", 5, CLOSED))
        insert_or_replace(connection, notes, _row("a", 1, "open"))
    [stored] = _stored(engine)
    assert (stored.version, stored.status) == (1, "open")


def test_the_statements_sent_are_the_ones_sqlalchemy_writes_for_its_own_constructs(engine):
    values = _row("a", 1, details={"x": 1})
    with statements_sent(engine) as sent, write_transaction(engine) as connection:
        insert_if_absent(connection, notes, values)
        first_key = notes.c.id
        connection.execute(dialect_insert(connection, notes).values(**values)
                           .on_conflict_do_nothing().returning(first_key))
        save_if_newer(connection, notes, _row("a", 2), _newer_and_open)
        insert = dialect_insert(connection, notes).values(**_row("a", 3))
        connection.execute(insert.on_conflict_do_update(
            index_elements=["id"],
            set_={name: insert.excluded[name] for name in ("version", "status", "at")},
            where=_newer_and_open(notes.c, insert.excluded),
        ).returning(notes.c.id))
    statements = [one.statement for one in _about_notes(sent)]
    assert statements[0] == statements[1]
    # SQLAlchemy numbers its own literal's parameter differently; the SQL is otherwise equal.
    assert _without_numbers(statements[2]) == _without_numbers(statements[3])
    assert _stored(engine)[0].version == 3


def _without_numbers(statement: str) -> str:
    return "".join(character for character in statement if not character.isdigit())
