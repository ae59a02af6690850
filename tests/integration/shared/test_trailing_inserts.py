"""A write's trailing inserts go with its commit: one statement on PostgreSQL, the same rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from shared.db import UtcDateTime, make_engine, write_transaction
from tests.support.statements import statements_sent

metadata = MetaData()
visits = Table("visits", metadata, Column("id", String(36), primary_key=True),
               Column("at", UtcDateTime, nullable=False))
notices = Table("notices", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                Column("visit_id", String(36), ForeignKey("visits.id"), nullable=False),
                Column("text", String(50), nullable=False))
trail = Table("trail", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
              Column("what", String(50), nullable=False), Column("at", UtcDateTime))

AT = datetime(2026, 3, 3, 15, 30, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def a_booking_like_write(connection, visit_id: str) -> None:  # type: ignore[no-untyped-def]
    """A visit, a row that refers to it, a row of the trail: three plain inserts."""
    connection.execute(insert(visits), {"id": visit_id, "at": AT})
    connection.execute(insert(notices), [{"visit_id": visit_id, "text": "booked"}])
    connection.execute(insert(trail), {"what": f"booked {visit_id}", "at": AT})


def test_the_inserts_a_write_ends_with_are_one_statement_on_postgresql_with_the_same_rows(
        engine):
    with statements_sent(engine) as sent, \
            write_transaction(engine, inserts_with_commit=True) as connection:
        a_booking_like_write(connection, "v1")
    inserts = [one.statement for one in sent if "INSERT" in one.statement]
    assert len(inserts) == (1 if engine.dialect.name == "postgresql" else 3)
    with engine.connect() as connection:
        assert connection.execute(select(visits)).all() == [("v1", AT)]
        assert connection.execute(select(notices.c.visit_id, notices.c.text)).all() == [
            ("v1", "booked")]
        assert connection.execute(select(trail.c.what, trail.c.at)).all() == [("booked v1", AT)]


def test_the_same_write_without_holding_back_stores_the_same_rows(engine):
    with write_transaction(engine) as connection:
        a_booking_like_write(connection, "v1")
    with write_transaction(engine, inserts_with_commit=True) as connection:
        a_booking_like_write(connection, "v2")
    with engine.connect() as connection:
        stored = connection.execute(select(visits.c.at, notices.c.text, trail.c.what, trail.c.at)
                                    .join(notices, notices.c.visit_id == visits.c.id)
                                    .join(trail, trail.c.what == "booked " + visits.c.id)
                                    .order_by(visits.c.id)).all()
    assert stored == [(AT, "booked", "booked v1", AT), (AT, "booked", "booked v2", AT)]


def test_a_read_after_held_inserts_sees_them(engine):
    with write_transaction(engine, inserts_with_commit=True) as connection:
        connection.execute(insert(visits), {"id": "v1", "at": AT})
        assert connection.execute(select(visits.c.id)).scalars().all() == ["v1"]
        connection.execute(insert(trail), {"what": "read", "at": AT})


def test_rows_into_one_table_keep_their_order(engine):
    with write_transaction(engine, inserts_with_commit=True) as connection:
        for number in range(3):
            connection.execute(insert(trail), {"what": f"row {number}", "at": AT})
        connection.execute(insert(visits), {"id": "v1", "at": AT})
    with engine.connect() as connection:
        rows = connection.execute(select(trail.c.what).order_by(trail.c.id)).scalars().all()
    assert rows == ["row 0", "row 1", "row 2"]


def test_an_insert_failing_at_the_end_keeps_nothing_of_the_write(engine):
    with write_transaction(engine) as connection:
        connection.execute(insert(visits), {"id": "taken", "at": AT})
    with pytest.raises(IntegrityError), \
            write_transaction(engine, inserts_with_commit=True) as connection:
        connection.execute(insert(trail), {"what": "should not stay", "at": AT})
        connection.execute(insert(visits), {"id": "taken", "at": AT})
    with engine.connect() as connection:
        assert connection.execute(select(trail)).all() == []
    with write_transaction(engine, inserts_with_commit=True) as connection:  # usable again
        a_booking_like_write(connection, "v1")


def test_a_row_referring_to_one_inserted_with_it_is_checked_as_if_inserted_apart(engine):
    with pytest.raises(IntegrityError), \
            write_transaction(engine, inserts_with_commit=True) as connection:
        connection.execute(insert(visits), {"id": "v1", "at": AT})
        connection.execute(insert(notices), {"visit_id": "no such visit", "text": "x"})
    with write_transaction(engine, inserts_with_commit=True) as connection:
        connection.execute(insert(visits), {"id": "v2", "at": AT})
        connection.execute(insert(notices), {"visit_id": "v2", "text": "x"})
    with engine.connect() as connection:
        assert connection.execute(select(notices.c.visit_id)).scalars().all() == ["v2"]

