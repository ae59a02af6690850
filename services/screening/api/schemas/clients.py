"""Client registration, update, search and answers."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.screening.api.schemas.common import (
    AddressSchema,
    identifier,
    not_in_future,
    text,
)
from services.screening.domain import e164_phone, is_time_zone
from shared.events.contracts.screening import RELATIONSHIPS
from shared.web.fields import Text, single_line_text

SEXES = ("F", "M", "U")


def sex() -> fields.String:
    """Sex as X12 and the claim carry it: F, M or U (unknown)."""
    return fields.String(required=True, validate=validate.OneOf(SEXES))


class SubscriberSchema(Schema):
    """The insured person, when the client is covered through someone else."""

    first_name = text(100)
    last_name = text(100)
    birth_date = fields.Date(required=True, validate=not_in_future)
    sex = sex()
    address = fields.Nested(AddressSchema, required=True)


class PhoneNumber(Text):
    """A phone number, kept in E.164 (+15185550100) whatever way it was written."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        written = super()._deserialize(value, attr, data, **kwargs)
        number = e164_phone(written)
        if number is None:
            raise ValidationError("Use a phone number: +, country code and number "
                                  "(+44 20 7946 0958), or a 10-digit US number.")
        return number


def a_time_zone(value: str) -> None:
    """Refuse anything but a zone of the IANA database."""
    if not is_time_zone(value):
        raise ValidationError("Use an IANA time zone name, e.g. America/New_York.")


class CoverageSchema(Schema):
    """A payer covering the client; identifiers are checked for X12 by the domain (422)."""

    payer_id = identifier()
    payer_name = text(100)
    member_id = identifier()
    group_number = identifier(required=False)
    relationship_to_subscriber = fields.String(
        required=True, validate=validate.OneOf(RELATIONSHIPS)
    )
    subscriber = fields.Nested(SubscriberSchema, load_default=None, allow_none=True)

    @validates_schema
    def _subscriber_only_when_someone_else(self, data: dict[str, Any], **_: Any) -> None:
        relationship, subscriber = data.get("relationship_to_subscriber"), data.get("subscriber")
        if relationship and relationship != "self" and subscriber is None:
            raise ValidationError(
                "Give the subscriber's name, birth date, sex and address when the client "
                "is not the subscriber.",
                "subscriber",
            )
        if relationship == "self" and subscriber is not None:
            raise ValidationError(
                "Leave the subscriber out when the client is the subscriber.", "subscriber"
            )


class ClientSchema(Schema):
    """A client as the front desk registers or corrects them (the whole record)."""

    first_name = text(100)
    last_name = text(100)
    birth_date = fields.Date(required=True, validate=not_in_future)
    sex = sex()
    address = fields.Nested(AddressSchema, required=True)
    phone = PhoneNumber(load_default=None, allow_none=True,
                        metadata={"description": "kept and answered in E.164"})
    # marshmallow's address check lets control characters (in a quoted local part) and
    # bidi overrides (in the domain) through.
    email = fields.Email(load_default=None, allow_none=True,
                         validate=[validate.Length(max=254), single_line_text])
    time_zone = Text(load_default=None, allow_none=True, validate=a_time_zone,
                     metadata={"description": "IANA name for reminders; null: the clinic's"})
    coverage = fields.Nested(CoverageSchema, load_default=None, allow_none=True,
                             metadata={"description": "the primary payer"})
    secondary_coverage = fields.Nested(
        CoverageSchema, load_default=None, allow_none=True,
        metadata={"description": "billed after the primary; needs a primary, another payer"})


class ClientOutSchema(ClientSchema):
    client_id = fields.String(required=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class ClientIdentitySchema(Schema):
    """Who the client is, and nothing more: what a therapist checks before treating."""

    client_id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    birth_date = fields.Date(required=True)


class ClientSearchSchema(Schema):
    last_name = Text(validate=validate.Length(min=1, max=100))
    birth_date = fields.Date()
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))

    @validates_schema
    def _something_to_search_by(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("last_name") and not data.get("birth_date"):
            raise ValidationError("Search by last_name, birth_date or both.", "last_name")


class ClientListSchema(Schema):
    clients = fields.List(fields.Nested(ClientOutSchema), required=True)
