"""Requests in through a marshmallow schema, responses out through one."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from flask import Response, json, request
from marshmallow import Schema, ValidationError

from shared.web.problems import Problem

SchemaLike = Schema | type[Schema]


@functools.cache
def _instance(schema_class: type[Schema]) -> Schema:
    # Building a schema copies every declared field (~0.2 ms); loading and dumping leave
    # the instance unchanged, so one per class serves every request and thread.
    return schema_class()


def _schema(schema: SchemaLike) -> Schema:
    return schema if isinstance(schema, Schema) else _instance(schema)


def _invalid(exc: ValidationError) -> Problem:
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return Problem(
        400,
        "Invalid request",
        "Some fields are missing or wrong; see errors.",
        "validation-error",
        errors=messages,
    )


def load_body(schema: SchemaLike) -> Any:
    """Parse the JSON body with ``schema``; answer 400 with field messages when invalid.

    A body that is not JSON (or nests too deep, ``shared/web/limits.py``) is answered by
    the request's own problem (415 or 400) before the schema sees it.
    """
    data = request.get_json()
    if data is None:
        raise Problem(400, "Invalid request", "The body is not valid JSON.", "malformed-json")
    try:
        return _schema(schema).load(data)
    except ValidationError as exc:
        raise _invalid(exc) from exc


def load_query(schema: SchemaLike) -> Any:
    """Parse query-string parameters with ``schema`` (400 with field messages when invalid)."""
    raw = {key: values if len(values) > 1 else values[0] for key, values in request.args.lists()}
    try:
        return _schema(schema).load(raw)
    except ValidationError as exc:
        raise _invalid(exc) from exc


def respond(
    schema: SchemaLike, value: Any, status: int = 200, headers: dict | None = None
) -> Response:
    """Dump ``value`` with ``schema`` (a class, or an instance with options) as JSON."""
    body = json.dumps(_schema(schema).dump(value))
    return Response(body, status=status, headers=headers, mimetype="application/json")


@dataclass(frozen=True)
class Answer:
    """A JSON answer not yet dumped: a ``@writes`` view returns it to be dumped after commit.

    On SQLite a write transaction holds the one lock every writer waits for; turning the
    stored row into JSON needs no database, so ``@writes`` records the status, commits,
    and only then dumps (docs/PERFORMANCE.md, "Booking"). With an Idempotency-Key the
    body is stored with the key, so it is dumped inside the transaction.
    """

    schema: SchemaLike
    value: Any
    status: int = 200
    headers: dict | None = None

    def response(self) -> Response:
        """The answer as ``respond`` makes it."""
        return respond(self.schema, self.value, self.status, self.headers)
