"""Open slots for the booking widget (public: no client data is involved)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import chain, repeat

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from services.scheduling.api.availability_cache import Answer, AnswerCache
from services.scheduling.api.common import now
from services.scheduling.api.schemas import AvailabilityQuery, AvailabilitySchema
from services.scheduling.domain.availability import OpenTime
from services.scheduling.store.availability import available_times, run_reads_once
from services.scheduling.store.calendar_versions import calendar_versions
from shared.db import read_only
from shared.web import api, load_query, public, reads

log = logging.getLogger("services.scheduling.availability")
bp = Blueprint("availability", __name__)
# Where the app keeps its AnswerCache (app.py).
ANSWER_CACHE = "scheduling.availability_answers"


def availability_json(service_id: str, times: Sequence[OpenTime], names: dict[str, str]) -> bytes:
    """The answer as AvailabilitySchema describes it: the service, and the open times' slots
    by start and then therapist (a test checks they match its dump).

    XXX: a marshmallow dump costs ~20 µs a slot, ~100 ms for two weeks of a 20-therapist
    clinic, and even json.dumps of dicts ~2 µs. A slot's text is its therapist's encoded
    head and its start's encoded tail (room, start, end: shared by every slot of the start),
    so nothing is encoded, and no Python code runs, per slot.
    """
    heads = {
        therapist_id: f'{{"therapist_id":{json.dumps(therapist_id)},'
                      f'"therapist_name":{json.dumps(name)}'.encode()
        for therapist_id, name in names.items()
    }
    rooms: dict[str, str] = {}
    moments: dict[datetime, str] = {}  # a visit's end is mostly a later start
    # One list of pieces, joined once: head, tail, head, tail, ... (the list is built in
    # C); the answer is copied once, already as the bytes sent.
    pieces = [f'{{"service":{json.dumps(service_id)},"slots":['.encode()]
    for opening in times:
        room = rooms.get(opening.room_id)
        if room is None:
            room = rooms[opening.room_id] = json.dumps(opening.room_id)
        start = moments.get(opening.start)
        if start is None:
            start = moments[opening.start] = opening.start.isoformat()
        end = moments.get(opening.end)
        if end is None:
            end = moments[opening.end] = opening.end.isoformat()
        # An ISO 8601 moment is digits, "-", ":", "T", "+" and ".": JSON text as it stands.
        tail = f',"room_id":{room},"start":"{start}","end":"{end}"}},'.encode()
        pieces += chain.from_iterable(
            zip(map(heads.__getitem__, opening.therapist_ids), repeat(tail)))
    if len(pieces) == 1:
        return pieces[0] + b"]}"
    pieces[-1] = pieces[-1][:-1] + b"]}"  # the last slot's tail, without its comma
    return b"".join(pieces)


@bp.get("/availability")
@public
@api("Open slots for a service", query=AvailabilityQuery, response=AvailabilitySchema,
     errors=(404,))
@reads
def availability(connection: Connection) -> Response:
    """Free therapist + room pairs for the service between from and to (at most 31 days);
    gzip-compressed when the request's Accept-Encoding allows it."""
    query = load_query(AvailabilityQuery)
    at = now()
    cache: AnswerCache = current_app.extensions[ANSWER_CACHE]
    question = (query["service"], query["from_"], query["to"], query.get("therapist"))
    # Before the calendar is read: the answer is then at least as new as these versions.
    versions = calendar_versions(connection) if cache.entries else ()
    answer = cache.get(question, versions, at)
    if answer is None:
        openings, therapists = available_times(connection, query["service"], query["from_"],
                                               query["to"], at, query.get("therapist"))
        names = {therapist_id: therapist.name for therapist_id, therapist in therapists.items()}
        answer = cache.put(question, versions, at, openings.steady_until,
                           Answer(availability_json(query["service"], openings.times, names)))
    return encoded(answer)


def encoded(answer: Answer) -> Response:
    """The answer gzip-compressed when the client accepts gzip (a browser does, and
    decompresses it before the widget's script sees it), else as it is."""
    # Two weeks of a 20-therapist clinic are 1.2 MB of JSON, ~28 KB compressed: a phone
    # on a clinic's site should not download the rest.
    if request.accept_encodings["gzip"] > 0:
        response = Response(answer.gzipped(), mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(answer.plain, mimetype="application/json")
    # Either body is the answer for some clients only: a shared cache must ask again.
    response.vary.add("Accept-Encoding")
    return response


def warm_up(app: Flask) -> None:
    """Run availability's reads once in this process, before it serves anyone.

    The app is built in each gunicorn worker, after the fork, so this is each worker's
    start-up (gunicorn's ``post_worker_init`` moment). Reads only; a database not migrated
    yet (``python -m services.scheduling`` builds the app, then migrates) or unreachable
    leaves the first visitor to pay, as before.
    XXX: an unreachable PostgreSQL host that drops packets holds the worker's start-up for
    the connection's timeout, where before only its first request waited.
    """
    try:
        with read_only(app.extensions["medmassage"].engine) as connection:
            run_reads_once(connection, datetime.now(UTC))
    except SQLAlchemyError as error:
        log.info("availability reads not warmed up", extra={"error": type(error).__name__})
        return
    log.info("availability reads warmed up")
