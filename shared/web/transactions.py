"""Views get their database access here: ``@reads`` a connection, ``@writes`` a unit of work.

Handing it to the view as its first argument keeps the transaction explicit: nothing
reaches a view or a command through ``flask.g``. ``Idempotency-Key`` comes with
``@writes``: the key row is inserted *before* the view runs, inside the transaction the view writes
in. A concurrent request with the same key therefore waits (or, on SQLite, is
serialised) and then finds the stored answer; a crash loses the effect and the key
together, so a retry runs cleanly.

The request's audit row (``shared.web.audit``) is written in the same transaction as its
answer, so a write is one transaction, not two; when the view raises, the transaction
rolls back and the audit hook records the refusal in one of its own.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, g, make_response, request
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from shared.db import UtcDateTime, insert_if_absent, read_only, utcnow
from shared.uow import unit_of_work
from shared.web.audit import committed_within, record_within
from shared.web.context import service_context
from shared.web.io import Answer
from shared.web.problems import Problem

metadata = MetaData()
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("endpoint", String(200), primary_key=True),
    Column("request_fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response_body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

View = TypeVar("View", bound=Callable[..., Any])
_PENDING = 0
# Built once: runs after every write sent with an Idempotency-Key.
_STORE_ANSWER = (
    update(idempotency_keys)
    .where(idempotency_keys.c.key == bindparam("stored_key"),
           idempotency_keys.c.endpoint == bindparam("stored_endpoint"))
)


def reads(view: View) -> View:
    """Run the view with a read-only connection, handed to it first (rolled back after)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with read_only(service_context().engine) as connection:
            return view(connection, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def writes(
    view: View | None = None, *, before: Callable[[], Any] | None = None,
    inserts_with_commit: bool = False,
) -> Any:
    """Run the view in one write transaction, handed to it first as a ``UnitOfWork``.

    With an ``Idempotency-Key`` header the key's row joins that transaction: a repeat of
    the request gets the first answer, a concurrent one waits for it or answers 409.

    ``@writes(before=prepare)`` runs ``prepare()`` first, outside the transaction, and
    hands its result to the view after the unit of work: parse the body there, and read
    what the write will only re-check. On SQLite the write transaction holds the one
    write lock every writer waits for (docs/PERFORMANCE.md, "Booking"), so what can run
    before it should. ``prepare`` decides nothing a replayed Idempotency-Key answers:
    it may refuse a malformed body (400), nothing else.

    A view may return an ``Answer`` (``shared/web/io.py``): it is dumped after the commit.

    ``@writes(inserts_with_commit=True)``: the plain inserts the view ends with, and the
    audit row, are held back and go with the commit, on PostgreSQL in one round trip
    (``shared.db.write_transaction``). Only for a view that catches no database error of
    its own inserts: a failing insert raises at the next statement or at the commit.
    """
    if view is None:
        return functools.partial(writes, before=before, inserts_with_commit=inserts_with_commit)

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        context = service_context()
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 200:
            raise Problem(400, "Invalid Idempotency-Key", "Use 1 to 200 characters.",
                          "validation-error", errors={"Idempotency-Key": ["Length 1-200."]})
        if before is not None:
            args = (before(), *args)
        opened = unit_of_work(context.engine, context.settings.service,
                              correlation_id=g.get("correlation_id"), actor=g.get("caller"),
                              inserts_with_commit=inserts_with_commit)
        if key is None:
            with opened as uow:
                answer = view(uow, *args, **kwargs)
                if isinstance(answer, Answer):  # dumped after the commit, outside the lock
                    record_within(uow.connection, answer.status)
                else:
                    answer = make_response(answer)
                    record_within(uow.connection, answer.status_code)
            committed_within()
            return answer.response() if isinstance(answer, Answer) else answer
        # Keys are scoped to the caller (the staff member, else the credentials sent): two
        # callers choosing the same key never see each other's answers.
        caller = g.get("caller") or request.headers.get("Authorization", "")
        scope = hashlib.sha256(caller.encode()).hexdigest()[:16]
        endpoint = f"{request.endpoint or request.path}:{scope}"
        fingerprint = _fingerprint()
        try:
            with opened as uow:
                row = {"key": key, "endpoint": endpoint, "request_fingerprint": fingerprint,
                       "status_code": _PENDING, "response_body": "", "created_at": utcnow()}
                if not insert_if_absent(uow.connection, idempotency_keys, row):
                    response = _replay(uow.connection, key, endpoint, fingerprint)
                else:
                    answer = view(uow, *args, **kwargs)
                    response = (answer.response() if isinstance(answer, Answer)
                                else make_response(answer))
                    uow.connection.execute(
                        _STORE_ANSWER, {"stored_key": key, "stored_endpoint": endpoint,
                                        "status_code": response.status_code,
                                        "response_body": response.get_data(as_text=True)})
                record_within(uow.connection, response.status_code)
            committed_within()
            return response
        except IntegrityError as exc:
            raise Problem(409, "Request in progress",
                          "A request with this Idempotency-Key is being processed; retry.",
                          "idempotency-in-progress") from exc

    return wrapper  # type: ignore[return-value]


def _fingerprint() -> str:
    digest = hashlib.sha256(request.method.encode() + request.path.encode())
    digest.update(request.get_data())
    return digest.hexdigest()


def _replay(connection: Connection, key: str, endpoint: str, fingerprint: str) -> Response:
    stored = connection.execute(
        select(idempotency_keys).where(
            idempotency_keys.c.key == key, idempotency_keys.c.endpoint == endpoint
        )
    ).one()
    if stored.request_fingerprint != fingerprint:
        raise Problem(
            422,
            "Idempotency-Key reused",
            "This key was used for a different request.",
            "idempotency-key-reused",
        )
    if stored.status_code == _PENDING:
        raise Problem(
            409,
            "Request in progress",
            "A request with this Idempotency-Key is being processed; retry.",
            "idempotency-in-progress",
        )
    content_type = "application/problem+json" if stored.status_code >= 400 else "application/json"
    response = Response(stored.response_body, status=stored.status_code, mimetype=content_type)
    response.headers["Idempotent-Replayed"] = "true"
    return response
