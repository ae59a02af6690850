"""Building blocks shared by the contracts: a tolerant base schema and common shapes."""

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.vocabulary import BODY_REGIONS, PRESSURE_LEVELS, TECHNIQUES, TIMED_CODES


class Contract(Schema):
    """Base for event payloads: readers ignore fields they do not know (producers may add)."""

    class Meta:
        unknown = EXCLUDE


def technique() -> fields.String:
    """A technique from the shared vocabulary."""
    return fields.String(required=True, validate=validate.OneOf(sorted(TECHNIQUES)))


def body_region() -> fields.String:
    """A body region from the shared vocabulary."""
    return fields.String(required=True, validate=validate.OneOf(sorted(BODY_REGIONS)))


def timed_code() -> fields.String:
    """A timed CPT code this product bills (97124, 97140)."""
    return fields.String(required=True, validate=validate.OneOf(sorted(TIMED_CODES)))


def pressure_level(**kwargs) -> fields.String:  # type: ignore[no-untyped-def]
    """A pressure level, lightest first."""
    return fields.String(validate=validate.OneOf(PRESSURE_LEVELS), **kwargs)


class Address(Contract):
    line1 = fields.String(required=True)
    line2 = fields.String(load_default=None, allow_none=True)
    city = fields.String(required=True)
    state = fields.String(required=True, validate=validate.Length(equal=2))
    postal_code = fields.String(required=True)


class Person(Contract):
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    sex = fields.String(required=True, validate=validate.OneOf(["F", "M", "U"]))
    address = fields.Nested(Address, required=True)


class Physician(Contract):
    """A referring physician or rendering therapist.

    ``name`` is the display name every version carries; the structured parts (added to
    v1, optional so older events still read) are what NM103/NM104 are rendered from, so
    no reader splits a free-text name by guesswork ("Anna Smith MD" is last name Smith,
    first name Anna, credential MD).
    """

    name = fields.String(required=True)
    npi = fields.String(required=True, validate=validate.Regexp(r"^\d{10}$"))
    last_name = fields.String(load_default=None, allow_none=True)
    first_name = fields.String(load_default=None, allow_none=True)
    credential = fields.String(load_default=None, allow_none=True)
    # Rendering provider taxonomy (PRV*PE) for payers that want it; null when not known.
    taxonomy = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9A-Z]{9}X$")
    )


def why(reason: str) -> dict[str, str]:
    """Field metadata saying which consumer needs a field and why (shown in asyncapi.yaml)."""
    return {"description": reason}
