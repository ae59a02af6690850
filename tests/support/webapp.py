"""A small app built on the shared HTTP base, to test the base without any service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate
from sqlalchemy import Column, Connection, MetaData, String, Table, insert, select

from shared.config import KafkaSettings, Settings
from shared.errors import Conflict, InvalidInput, NotFound, Refused
from shared.service import create_service_app, migrate_database
from shared.uow import UnitOfWork
from shared.web import (
    Answer,
    Problem,
    allow,
    api,
    load_body,
    load_query,
    public,
    reads,
    respond,
    service_context,
    writes,
)
from shared.web.fields import Text

metadata = MetaData()
notes = Table("notes", metadata, Column("id", String(40), primary_key=True),
              Column("text", String(200), nullable=False))


class NoteIn(Schema):
    text = Text(required=True, validate=validate.Length(min=1, max=200))
    remark = Text(multiline=True, load_default="", validate=validate.Length(max=2000))
    stars = fields.Integer(validate=validate.Range(min=1, max=5))


class NoteSearch(Schema):
    text = Text(required=True, validate=validate.Length(min=1, max=200))


class NoteOut(Schema):
    id = fields.String()
    text = fields.String()


class NoteList(Schema):
    notes = fields.List(fields.Nested(NoteOut))


blueprint = Blueprint("notes", __name__)


@blueprint.post("/notes")
@allow("front_desk")
@api("Write a note", request=NoteIn, response=NoteOut, status=201)
@writes
def write_note(uow: UnitOfWork) -> Response:
    """Create a note (counts creations, so replays are visible)."""
    data = load_body(NoteIn)
    note = {"id": uuid.uuid4().hex, "text": data["text"]}
    uow.connection.execute(insert(notes).values(**note))
    return respond(NoteOut, note, 201)


class PreparedNoteOut(NoteOut):
    # Connections in use when the body was parsed and when the answer was dumped: neither
    # happens inside the write transaction (@writes(before=...), Answer).
    prepared_with = fields.Integer()
    dumped_with = fields.Function(lambda _: service_context().engine.pool.checkedout())


def _prepared_note() -> dict[str, Any]:
    return {"text": load_body(NoteIn)["text"],
            "prepared_with": service_context().engine.pool.checkedout()}


@blueprint.post("/prepared-notes")
@allow("front_desk")
@api("Write a note parsed before its transaction and answered after it", request=NoteIn,
     response=PreparedNoteOut, status=201)
@writes(before=_prepared_note)
def write_prepared_note(uow: UnitOfWork, prepared: dict[str, Any]) -> Answer:
    """Create a note from a body parsed before the transaction; dumped after the commit."""
    note = {"id": uuid.uuid4().hex, "text": prepared["text"]}
    uow.connection.execute(insert(notes).values(**note))
    return Answer(PreparedNoteOut, note | {"prepared_with": prepared["prepared_with"]}, 201)


@blueprint.get("/notes/<note_id>")
@allow("front_desk", "billing")
@api("Read a note", response=NoteOut, errors=(404,))
def read_note(note_id: str) -> Response:
    """Read one note."""
    with service_context().engine.connect() as connection:
        row = connection.execute(select(notes).where(notes.c.id == note_id)).first()
    if row is None:
        raise Problem(404, "Not found", f"No note {note_id}.", "not-found")
    return respond(NoteOut, row._mapping)


@blueprint.get("/notes")
@allow("front_desk")
@api("Find notes by their exact text (a search, as over client records)", query=NoteSearch,
     response=NoteList)
@reads
def find_notes(connection: Connection) -> Response:
    """Notes whose text is the one searched for."""
    text = load_query(NoteSearch)["text"]
    found = [row._mapping for row in connection.execute(select(notes).where(notes.c.text == text))]
    return respond(NoteList, {"notes": found})


# Pages serving their own Content-Security-Policy, as the booking widget and the referral
# form do: one that says who may frame it, one that says nothing about framing.
PAGE_POLICIES = {
    "framed": "default-src 'self'; frame-ancestors https://clinic.example",
    "silent": "default-src 'self'",
}


@blueprint.get("/pages/<kind>")
@public
def page(kind: str) -> Response:
    """An HTML page with the policy named ``kind``."""
    return Response("<!DOCTYPE html><title>page</title>", mimetype="text/html",
                    headers={"Content-Security-Policy": PAGE_POLICIES[kind]})


class NoteLocked(Conflict):
    """A domain refusal of the Conflict kind, as a service would declare one."""

    title = "Note locked"
    slug = "note-locked"


REFUSALS = {
    "invalid": InvalidInput.field("text", "Too cheerful."),
    "missing": NotFound("No such note."),
    "locked": NoteLocked("Someone is editing it.", reasons=["being_edited"]),
    "refused": Refused("Notes are closed today.", reasons=["closed"]),
}


@blueprint.get("/refusals/<kind>")
@public
@reads
def refuse(connection: Connection, kind: str) -> Response:
    """Raise the domain refusal named ``kind`` (the connection is there, unused, to test @reads)."""
    raise REFUSALS[kind]


@blueprint.get("/boom")
@public
def boom() -> Response:
    """Fail unexpectedly, with something private in the exception."""
    raise RuntimeError("Jane Doe 1980-01-01 member W123")


def make_app(  # type: ignore[no-untyped-def]
    database_url: str, bootstrap: str = "127.0.0.1:1", **overrides: Any
):
    """The test app on ``database_url``; the broker address only matters for /readyz.

    ``overrides`` are further Settings fields, e.g. ``mode`` or ``jwt_public_keys``.
    """
    settings = Settings(service="notes", database_url=database_url,
                        kafka=KafkaSettings(bootstrap_servers=bootstrap), **overrides)
    migrate_database(settings, None)
    app, context = create_service_app(NotesConfig(settings), "Notes", [blueprint])
    metadata.create_all(context.engine)
    return app


@dataclass(frozen=True)
class NotesConfig:
    """The test app's config: the shared settings and nothing of its own."""

    settings: Settings
