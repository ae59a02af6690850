"""A pooled PostgreSQL connection that died while idle is replaced, not handed to a request."""

from __future__ import annotations

import time

from sqlalchemy import text

from shared import db
from shared.db import make_engine


def test_a_connection_killed_while_idle_is_replaced_before_it_is_used(postgres_server,
                                                                      monkeypatch):
    engine = make_engine(postgres_server.create_database())
    with engine.connect() as connection:
        killed = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    with make_engine(postgres_server.create_database()).connect() as other:
        # What a database restart does to every pooled connection.
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed})
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.05)
    time.sleep(0.1)
    with engine.connect() as connection:
        serving = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    assert serving != killed
    engine.dispose()


def test_only_a_connection_idle_for_a_while_is_pinged(postgres_server, monkeypatch):
    engine = make_engine(postgres_server.create_database())
    pings = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping",
                        lambda connection: pings.append(1) or ping(connection))
    with engine.connect() as connection:  # a new connection: alive
        connection.execute(text("SELECT 1"))
    with engine.connect() as connection:  # given back a moment ago
        connection.execute(text("SELECT 1"))
    assert pings == []
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.05)
    time.sleep(0.1)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert pings == [1]
    engine.dispose()
