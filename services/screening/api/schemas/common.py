"""Field rules the screening API's schemas share."""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate

from shared.identifiers import is_valid_npi
from shared.web.fields import Text


def not_blank(value: str) -> None:
    """Refuse text that is only whitespace."""
    if not value.strip():
        raise ValidationError("Must not be blank.")


def not_in_future(value: date) -> None:
    """Refuse a date after today (birth dates, clearance dates)."""
    if value > date.today():
        raise ValidationError("Must not be in the future.")


def valid_npi(value: str) -> None:
    """Refuse anything but a 10-digit NPI with the right Luhn check digit."""
    if not is_valid_npi(value):
        raise ValidationError("Not a valid NPI: 10 digits, the last a Luhn check digit.")


def identifier(*, required: bool = True) -> fields.String:
    """An identifier a claim carries (member id, group, authorization number, payer id).

    Deliberately not ``Text``: what X12 can carry is stricter than what ``Text`` refuses,
    and is checked by the domain (``shared.x12_text``), which answers 422 naming the field
    for any character or length a claim could not carry, hidden characters included.
    """
    if required:
        return fields.String(required=True)
    return fields.String(load_default=None, allow_none=True)


def text(max_length: int, **kwargs) -> Text:  # type: ignore[no-untyped-def]
    """A required, non-blank line of at most ``max_length`` characters."""
    return Text(required=True, validate=[validate.Length(min=1, max=max_length), not_blank],
                **kwargs)


def optional_text(max_length: int) -> Text:
    """A line that may be left out or null."""
    return Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=max_length))


def free_text(max_length: int = 4000) -> Text:
    """Free text over several lines (tab and line breaks allowed), empty when left out."""
    return Text(multiline=True, load_default="", validate=validate.Length(max=max_length))


class AddressSchema(Schema):
    line1 = text(100)
    line2 = optional_text(100)
    city = text(60)
    state = Text(
        required=True,
        validate=validate.Regexp(r"^[A-Z]{2}$", error="Use the two-letter state code, e.g. NY."),
    )
    postal_code = Text(
        required=True,
        validate=validate.Regexp(r"^\d{5}(-\d{4})?$", error="Use a ZIP code: 12345 or 12345-6789."),
    )
