"""The envelope and the catalogue: what a valid event is, and what is malformed."""

from __future__ import annotations

import json
from datetime import date

import pytest
from marshmallow import Schema, fields

from shared.events import EVENTS
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.envelope import MalformedEvent, decode, encode
from shared.events.registry import EventRegistry, EventType, UnknownEventType


class Pinged(Schema):
    client_id = fields.String(required=True)
    on = fields.Date(required=True)


def registry() -> tuple[EventRegistry, EventType]:
    events = EventRegistry()
    return events, events.register(EventType("test.thing.pinged", 1, Pinged))


def test_the_topic_is_the_event_name_with_its_version():
    _, pinged = registry()
    assert pinged.topic == "test.thing.pinged.v1"
    assert pinged.dead_letter_topic == "test.thing.pinged.v1.dlq"


def test_an_event_round_trips_as_a_cloudevent_with_its_correlation_id():
    events, pinged = registry()
    event = events.build(
        pinged,
        source="screening",
        subject="cl_1",
        data={"client_id": "cl_1", "on": date(2026, 11, 26)},
        correlation_id="flow-1",
    )
    body = json.loads(encode(event))
    assert body["specversion"] == "1.0"
    assert body["type"] == "test.thing.pinged.v1"
    assert body["subject"] == "cl_1"
    assert body["correlationid"] == "flow-1"
    assert body["data"] == {"client_id": "cl_1", "on": "2026-11-26"}
    again = decode(encode(event))
    assert (again.id, again.correlation_id) == (event.id, "flow-1")
    assert events.load_payload(again) == {"client_id": "cl_1", "on": date(2026, 11, 26)}


def test_an_invalid_payload_is_refused_when_produced():
    events, pinged = registry()
    with pytest.raises(ValueError, match="payload invalid"):
        events.build(pinged, source="s", subject="c", data={"client_id": "c"})


def test_consumers_ignore_fields_they_do_not_know():
    events, pinged = registry()
    event = events.build(
        pinged, source="s", subject="c", data={"client_id": "c", "on": date(2026, 1, 2)}
    )
    newer = decode(encode(event).replace(b'"on":', b'"added_later":true,"on":'))
    assert events.load_payload(newer) == {"client_id": "c", "on": date(2026, 1, 2)}


@pytest.mark.parametrize(
    "raw",
    [
        None,
        b"",
        b"not json",
        b"[1,2]",
        b'{"specversion":"1.0"}',
        b'{"specversion":"0.3","id":"1","source":"s","type":"t",'
        b'"subject":"c","time":"2026-01-01T00:00:00+00:00","data":{}}',
    ],
)
def test_anything_that_is_not_a_valid_envelope_is_malformed(raw):
    with pytest.raises(MalformedEvent):
        decode(raw)


def test_an_unknown_event_type_is_reported_as_such():
    events, _ = registry()
    with pytest.raises(UnknownEventType):
        events["nobody.registered.this.v1"]


def test_the_project_catalogue_has_the_session_completed_contract():
    assert EVENTS["scheduling.session.completed.v1"] is SESSION_COMPLETED
