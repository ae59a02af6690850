"""HTTP schemas of the waitlist: entries, offers, and a client's answer by link."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.scheduling.api.schemas import ShiftSchema, day, moment

_ID = validate.Length(min=1, max=64)
ENTRY_STATUSES = ("waiting", "offered", "booked", "left")


class EntryInSchema(Schema):
    client_id = fields.String(required=True, validate=_ID)
    service_id = fields.String(required=True, validate=_ID)
    therapist_id = fields.String(load_default=None, allow_none=True, validate=_ID,
                                 metadata={"description": "null: any therapist"})
    windows = fields.List(fields.Nested(ShiftSchema), load_default=list,
                          validate=validate.Length(max=21),
                          metadata={"description": "Preferred local times; []: any time"})
    earliest_on = day(load_default=None, allow_none=True)
    latest_on = day(load_default=None, allow_none=True)

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("earliest_on") and data.get("latest_on") and (
                data["latest_on"] < data["earliest_on"]):
            raise ValidationError("Must not be before earliest_on.", "latest_on")


class WindowSchema(Schema):
    weekday = fields.Integer(required=True)
    start = fields.Time(required=True, format="%H:%M")
    end = fields.Time(required=True, format="%H:%M")


class OfferSchema(Schema):
    id = fields.String(required=True)
    entry_id = fields.String(required=True)
    client_id = fields.String(required=True)
    therapist_id = fields.String(required=True)
    room_id = fields.String(required=True)
    service_id = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    hold_until = fields.AwareDateTime(required=True)
    status = fields.String(required=True)
    offered_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    appointment_id = fields.String(allow_none=True)


class EntrySchema(Schema):
    id = fields.String(required=True)
    client_id = fields.String(required=True)
    service_id = fields.String(required=True)
    therapist_id = fields.String(allow_none=True)
    windows = fields.List(fields.Nested(WindowSchema), required=True)
    earliest_on = fields.Date(allow_none=True)
    latest_on = fields.Date(allow_none=True)
    position = fields.Integer(required=True)
    status = fields.String(required=True)
    appointment_id = fields.String(allow_none=True)
    joined_at = fields.AwareDateTime(required=True)
    offer = fields.Nested(OfferSchema, allow_none=True,
                          metadata={"description": "The open offer the entry holds, if any"})


class WaitlistSchema(Schema):
    entries = fields.List(fields.Nested(EntrySchema), required=True)


class WaitlistQuery(Schema):
    service = fields.String(validate=_ID)
    status = fields.String(validate=validate.OneOf(ENTRY_STATUSES),
                           metadata={"description": "Default: those on the list "
                                                    "(waiting or offered)"})


class PositionInSchema(Schema):
    position = fields.Integer(required=True, validate=validate.Range(min=1),
                              metadata={"description": "1 = first on the list"})


class ManualOfferInSchema(Schema):
    therapist_id = fields.String(required=True, validate=_ID)
    start = moment(required=True)
    room_id = fields.String(load_default=None, allow_none=True, validate=_ID)


class LinkInSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=20, max=100))


class LinkAnswerInSchema(LinkInSchema):
    answer = fields.String(required=True, validate=validate.OneOf(["accept", "decline"]))


class OfferForClientSchema(Schema):
    """What the client's link shows: the slot, with whom, until when; no one else's data."""

    status = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    hold_until = fields.AwareDateTime(required=True)
    therapist_name = fields.String(required=True)
    service_name = fields.String(required=True)
    appointment_id = fields.String(allow_none=True)
