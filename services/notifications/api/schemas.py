"""HTTP request and response schemas of the notifications service (not the event contracts)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.notifications.domain.messages import CATEGORIES, CHANNELS, KINDS, STATES
from shared.web.fields import Text


def _channels() -> fields.List:
    return fields.List(fields.String(validate=validate.OneOf(CHANNELS)),
                       validate=validate.Length(max=len(CHANNELS)))


class PreferencesSchema(Schema):
    """Channels per category of message; an empty list means none of that kind."""

    client_id = fields.String(dump_only=True)
    reminders = _channels()
    appointment_changes = _channels()
    waitlist = _channels()
    referral = _channels()

    @validates_schema
    def _something(self, data: dict, **_: object) -> None:
        if not any(category in data for category in CATEGORIES):
            raise ValidationError(f"Name at least one of {', '.join(CATEGORIES)}.")


class MessageQuerySchema(Schema):
    client_id = Text(validate=validate.Length(max=64))
    appointment_id = Text(validate=validate.Length(max=64))
    state = fields.String(validate=validate.OneOf(STATES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    since = fields.AwareDateTime()
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class MessageSchema(Schema):
    message_id = fields.String()
    kind = fields.String()
    channel = fields.String()
    audience = fields.String()
    client_id = fields.String()
    appointment_id = fields.String(allow_none=True)
    state = fields.String()
    reason = fields.String(allow_none=True)
    recipient = fields.String(allow_none=True)
    provider_id = fields.String(allow_none=True)
    attempts = fields.Integer()
    due_at = fields.AwareDateTime()
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime()


class MessageListSchema(Schema):
    messages = fields.List(fields.Nested(MessageSchema))


class OptOutQuerySchema(Schema):
    client_id = Text(validate=validate.Length(max=64))
    address = Text(validate=validate.Length(max=320))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class OptOutSchema(Schema):
    channel = fields.String()
    address = fields.String()
    client_id = fields.String(allow_none=True)
    how = fields.String()
    created_at = fields.AwareDateTime()


class OptOutListSchema(Schema):
    opt_outs = fields.List(fields.Nested(OptOutSchema))


class DeliveryStatusSchema(Schema):
    """The SMS provider's delivery report."""

    id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    reference = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=64))
    status = fields.String(required=True, validate=validate.Length(min=1, max=30))
    error = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class InboundSmsSchema(Schema):
    """A text a client sent to the clinic's number."""

    from_ = fields.String(required=True, data_key="from",
                          validate=validate.Regexp(r"^\+[1-9]\d{6,14}$"))
    to = fields.String(load_default=None, allow_none=True)
    body = fields.String(required=True, validate=validate.Length(max=1600))


class ReplySchema(Schema):
    intent = fields.String(allow_none=True)
