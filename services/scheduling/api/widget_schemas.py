"""HTTP schemas of the booking widget's API: only what a client may see about their own visit."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.scheduling.api.schemas import moment

_ID = validate.Length(min=1, max=64)


class WidgetServiceSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)


class WidgetServicesSchema(Schema):
    time_zone = fields.String(required=True,
                              metadata={"description": "The clinic's IANA time zone"})
    services = fields.List(fields.Nested(WidgetServiceSchema), required=True)


class WidgetBookingInSchema(Schema):
    """No client id: the booking code says who books (an unknown field is refused)."""

    service_id = fields.String(required=True, validate=_ID)
    therapist_id = fields.String(required=True, validate=_ID)
    room_id = fields.String(load_default=None, validate=_ID)
    start = moment(required=True)


class WidgetAppointmentSchema(Schema):
    id = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    therapist_name = fields.String(required=True)
    service_name = fields.String(required=True)
    status = fields.String(required=True)
