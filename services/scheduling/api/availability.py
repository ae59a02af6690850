"""Open slots for the booking widget (public: no client data is involved)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.scheduling.api.common import now
from services.scheduling.api.schemas import AvailabilityQuery, AvailabilitySchema
from services.scheduling.domain.availability import Slot
from services.scheduling.store.availability import available_slots
from shared.web import api, load_query, public, reads

bp = Blueprint("availability", __name__)


def slots_json(slots: Iterable[Slot], names: dict[str, str]) -> str:
    """Slots as the JSON array SlotSchema describes (a test checks they match its dump).

    XXX: a marshmallow dump costs ~20 µs a slot, ~100 ms for two weeks of a 20-therapist
    clinic, and even json.dumps of dicts ~2 µs. Slots repeat a few hundred values (the
    therapists, rooms and 15-minute grid times), so each is encoded once and reused.
    """
    encoded: dict[object, str] = {}

    def once(value: str | datetime) -> str:
        if value not in encoded:
            text = value.isoformat() if isinstance(value, datetime) else value
            encoded[value] = json.dumps(text)
        return encoded[value]

    heads = {
        therapist_id: f'{{"therapist_id":{once(therapist_id)},"therapist_name":{json.dumps(name)}'
        for therapist_id, name in names.items()
    }
    # A room, start and end recur once per therapist free then: encoded once (a dict's
    # __missing__, so a slot seen before costs one look-up in C).
    class Tails(dict[tuple[str, datetime, datetime], str]):
        def __missing__(self, key: tuple[str, datetime, datetime]) -> str:
            room_id, start, end = key
            tail = self[key] = (
                f',"room_id":{once(room_id)},"start":{once(start)},"end":{once(end)}}}')
            return tail

    tails = Tails()
    return "[" + ",".join([heads[slot[0]] + tails[slot[1:]] for slot in slots]) + "]"


@bp.get("/availability")
@public
@api("Open slots for a service", query=AvailabilityQuery, response=AvailabilitySchema,
     errors=(404,))
@reads
def availability(connection: Connection) -> Response:
    """Free therapist + room pairs for the service between from and to (at most 31 days)."""
    query = load_query(AvailabilityQuery)
    slots, therapists = available_slots(connection, query["service"], query["from_"],
                                        query["to"], now(), query.get("therapist"))
    names = {therapist_id: therapist.name for therapist_id, therapist in therapists.items()}
    body = f'{{"service":{json.dumps(query["service"])},"slots":{slots_json(slots, names)}}}'
    return Response(body, mimetype="application/json")
