"""Inserts held back by ``DeferredInserts`` land exactly as if sent one by one, on both
databases: in order, seen by every later statement, their errors failing the block."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from shared.bulk import execute_many
from shared.db import dialect_insert, make_engine, write_transaction
from shared.deferred_inserts import DeferredInserts
from tests.support.statements import statements_sent

metadata = MetaData()
visits = Table(
    "visits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(20), nullable=False),
    Column("note", String(50), nullable=False, unique=True),
)
RECORD = insert(visits)


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _notes(engine) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(visits.c.id, visits.c.note).order_by(visits.c.id))]  # fmt: skip


def test_held_inserts_land_in_the_order_they_were_made_and_later_reads_see_them(engine):
    with write_transaction(engine) as connection:
        deferred = DeferredInserts(connection)
        deferred.execute(RECORD, {"client_id": "c1", "note": "first"})
        deferred.execute(RECORD, [{"client_id": "c1", "note": "second"},
                                  {"client_id": "c2", "note": "third"}])  # fmt: skip
        # Another statement object for the same table: its own run, still in order.
        deferred.execute(insert(visits), {"client_id": "c3", "note": "fourth"})
        seen = deferred.execute(select(func.count()).select_from(visits)).scalar()
        deferred.execute(RECORD, {"client_id": "c1", "note": "fifth"})
        moved = deferred.execute(
            update(visits).where(visits.c.client_id == "c1").values(client_id="c9")
        ).rowcount
        deferred.execute(RECORD, {"client_id": "c4", "note": "sixth"})
        deferred.flush()
    assert seen == 4
    assert moved == 3
    assert [note for _, note in _notes(engine)] == [
        "first", "second", "third", "fourth", "fifth", "sixth"]  # fmt: skip
    ids = [id_ for id_, _ in _notes(engine)]
    assert ids == sorted(ids)


def test_an_insert_whose_result_is_read_is_sent_on_its_own_after_those_before_it(engine):
    with write_transaction(engine) as connection:
        deferred = DeferredInserts(connection)
        deferred.execute(RECORD, {"client_id": "c1", "note": "before"})
        result = deferred.execute(RECORD, {"client_id": "c1", "note": "read"})
        deferred.execute(RECORD, {"client_id": "c1", "note": "after"})
        assert result.rowcount == 1
        (key,) = result.inserted_primary_key
        deferred.flush()
    assert _notes(engine) == [(key - 1, "before"), (key, "read"), (key + 1, "after")]


def test_a_held_insert_that_breaks_a_constraint_fails_the_whole_transaction(engine):
    with pytest.raises(IntegrityError), write_transaction(engine) as connection:
        deferred = DeferredInserts(connection)
        deferred.execute(RECORD, {"client_id": "c1", "note": "same"})
        deferred.execute(RECORD, {"client_id": "c2", "note": "same"})
        deferred.flush()
    assert _notes(engine) == []
    # The pooled connection is usable afterwards (one by one, as the runner then goes).
    with write_transaction(engine) as connection:
        connection.execute(RECORD, {"client_id": "c1", "note": "same"})
    assert [note for _, note in _notes(engine)] == ["same"]


def test_inside_a_savepoint_nothing_is_held_so_its_handler_catches_the_error(engine):
    with write_transaction(engine) as connection:
        deferred = DeferredInserts(connection)
        deferred.execute(RECORD, {"client_id": "c1", "note": "taken"})
        try:
            with deferred.begin_nested():
                deferred.execute(RECORD, {"client_id": "c2", "note": "taken"})
        except IntegrityError:
            deferred.execute(RECORD, {"client_id": "c2", "note": "taken elsewhere"})
        deferred.flush()
    assert [note for _, note in _notes(engine)] == ["taken", "taken elsewhere"]


def test_an_insert_with_on_conflict_or_returning_is_sent_at_once(engine):
    with write_transaction(engine) as connection:
        deferred = DeferredInserts(connection)
        deferred.execute(RECORD, {"client_id": "c1", "note": "held"})
        skipped = deferred.execute(
            dialect_insert(connection, visits).values(client_id="c2", note="held")
            .on_conflict_do_nothing().returning(visits.c.id)
        ).first()
        returned = deferred.execute(
            insert(visits).values(client_id="c3", note="returned").returning(visits.c.note)
        ).scalar()
    assert skipped is None
    assert returned == "returned"
    assert [note for _, note in _notes(engine)] == ["held", "returned"]


def test_rows_given_to_execute_many_through_a_deferred_connection_wait_with_the_rest(engine):
    with write_transaction(engine) as connection:
        deferred = DeferredInserts(connection)
        deferred.execute(RECORD, {"client_id": "c1", "note": "first"})
        with statements_sent(engine) as sent:
            inserted = execute_many(deferred, RECORD, [{"client_id": "c1", "note": "second"},
                                                       {"client_id": "c2", "note": "third"}])
            moved = execute_many(
                deferred, update(visits).where(visits.c.note == bindparam("old"))
                .values(client_id=bindparam("new")), [{"old": "first", "new": "c5"}])
        deferred.flush()
    statements = [one.statement for one in sent]
    assert inserted == 2
    assert moved == 1
    # Nothing was sent until the update asked for the database: then the held rows, together.
    assert len(statements) == 2 and statements[0].startswith("INSERT")
    assert _notes(engine)[0][1] == "first"
    assert [note for _, note in _notes(engine)] == ["first", "second", "third"]
