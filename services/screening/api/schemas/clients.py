"""Client registration, update, search and answers."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.screening.api.schemas.common import AddressSchema, not_in_future, optional_text, text
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


class CoverageSchema(Schema):
    payer_id = text(80)
    payer_name = text(100)
    member_id = text(80)
    group_number = optional_text(50)
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
    phone = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^\+?[0-9 ()\-.]{7,20}$", error="Use digits, spaces, ( ) - . and an optional +."
        ),
    )
    # marshmallow's address check lets control characters (in a quoted local part) and
    # bidi overrides (in the domain) through.
    email = fields.Email(load_default=None, allow_none=True,
                         validate=[validate.Length(max=254), single_line_text])
    coverage = fields.Nested(CoverageSchema, load_default=None, allow_none=True)


class ClientOutSchema(ClientSchema):
    client_id = fields.String(required=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


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
