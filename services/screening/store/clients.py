"""Clients: who they are, how to reach them, and who pays for their treatment."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from services.screening.domain import ClientNotFound
from services.screening.domain.coverage import COVERAGES
from services.screening.store.tables import clients


def new_client_id() -> str:
    """A fresh client id."""
    return f"cl_{uuid.uuid4().hex}"


def get(connection: Connection, client_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    """One client, or None; ``lock`` holds the row until the transaction ends."""
    query = select(clients).where(clients.c.client_id == client_id)
    if lock:
        # Serialises writes about one client on PostgreSQL (screening numbers, versions);
        # SQLite's BEGIN IMMEDIATE already serialises every writer.
        query = query.with_for_update()
    row = connection.execute(query).first()
    return _client_of(row._mapping) if row else None


def require(connection: Connection, client_id: str, *, lock: bool = False) -> dict[str, Any]:
    """The client, or ClientNotFound; ``lock`` as for ``get``."""
    client = get(connection, client_id, lock=lock)
    if client is None:
        raise ClientNotFound(client_id)
    return client


def find_by_identity(connection: Connection, identity_key: str) -> str | None:
    """The id of the client registered under that identity key, if any."""
    return connection.execute(
        select(clients.c.client_id).where(clients.c.identity_key == identity_key)
    ).scalar()


def add(connection: Connection, client: dict[str, Any]) -> str | None:
    """Insert a client; when its identity is already taken, return the existing client's id."""
    try:
        # A savepoint keeps the transaction usable after a concurrent duplicate's error.
        with connection.begin_nested():
            connection.execute(insert(clients).values(**_row_of(client)))
    except IntegrityError:
        existing = find_by_identity(connection, client["identity_key"])
        if existing is None:
            raise
        return existing
    return None


def replace(connection: Connection, client: dict[str, Any], expected_version: int) -> str | None:
    """Store a new version of a client; when its new identity is taken, return that client's id."""
    values = _row_of(client)
    del values["client_id"], values["created_at"]
    try:
        with connection.begin_nested():
            changed = connection.execute(
                update(clients)
                .where(clients.c.client_id == client["client_id"])
                .where(clients.c.version == expected_version)
                .values(**values)
            ).rowcount
    except IntegrityError:
        existing = find_by_identity(connection, client["identity_key"])
        if existing is None:
            raise
        return existing
    if changed != 1:
        raise RuntimeError(f"client {client['client_id']} changed while locked")
    return None


def search(
    connection: Connection, last_name_key: str | None, birth_date: date | None, limit: int
) -> list[dict[str, Any]]:
    """Clients whose last name starts with the key and/or born that day, by name."""
    query = select(clients)
    if last_name_key:
        query = query.where(clients.c.last_name_key.startswith(last_name_key, autoescape=True))
    if birth_date:
        query = query.where(clients.c.birth_date == birth_date)
    query = query.order_by(clients.c.last_name_key, clients.c.first_name, clients.c.client_id)
    return [_client_of(row._mapping) for row in connection.execute(query.limit(limit))]


def _row_of(client: dict[str, Any]) -> dict[str, Any]:
    values = {column.name: client[column.name] for column in clients.columns}
    for key in COVERAGES:
        values[key] = _coverage_to_json(client[key])
    return values


def _client_of(row: Any) -> dict[str, Any]:
    client = dict(row)
    for key in COVERAGES:
        client[key] = _coverage_from_json(client[key])
    return client


# JSON keeps no dates: the subscriber's birth date travels as ISO text in the column.
def _coverage_to_json(coverage: dict[str, Any] | None) -> dict[str, Any] | None:
    if coverage is None or coverage.get("subscriber") is None:
        return coverage
    subscriber = coverage["subscriber"]
    born = subscriber["birth_date"].isoformat()
    return {**coverage, "subscriber": {**subscriber, "birth_date": born}}


def _coverage_from_json(coverage: dict[str, Any] | None) -> dict[str, Any] | None:
    if coverage is None or coverage.get("subscriber") is None:
        return coverage
    subscriber = coverage["subscriber"]
    born = date.fromisoformat(subscriber["birth_date"])
    return {**coverage, "subscriber": {**subscriber, "birth_date": born}}
