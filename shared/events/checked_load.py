"""One pass that loads a consumed payload and checks it, for the common shapes.

Every consumer validates every payload it reads (``EventRegistry.load_payload``), and
marshmallow's load of a ``session.completed`` was about a quarter of the claims intake's
CPU (docs/PERFORMANCE.md, "Claims"): a schema object, an error store, a getter closure and
a validator chain per field. What arrives is nearly always what our own producers wrote:
a JSON object of strings, numbers given as strings, ISO 8601 dates and times with their
offset, lists and objects of those. For such a payload this module produces exactly
marshmallow's load in one pass: the same values of the same types (``Decimal``, aware
``datetime``, ``date``), the same defaults for missing fields, unknown fields left out.

It only ever says "yes, and here is the load" or "not sure". It converts a value with the
very call marshmallow makes (``Decimal(str(value))``, ``datetime.fromisoformat``, the
field's own truthy and falsy sets) and runs the field's own validators on the result, but
only for values of the JSON types it expects and validators that are pure checks
(``OneOf``, ``Regexp``, ``Length``, ``Range``, ``Equal``). Anything else -- a missing
required field, a null where none is allowed, a number that is not an int, a text that
does not parse, a naive time for an aware field, a validator that fails -- is "not sure",
and the caller loads through marshmallow, which refuses what is invalid with its own
messages. Schemas with hooks, renamed fields, fields with processors, defaults it cannot
give exactly, or field types it does not know are not compiled at all. A test compares
both on generated payloads, valid and not, for every contract
(tests/unit/shared/test_checked_load.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, missing

from shared.events.one_pass import (
    UNSURE,
    Checker,
    NotCompiled,
    dict_of,
    list_of,
    nullable,
    plain_validators,
    record_of,
    refuse_unmodelled_field,
    refuse_unmodelled_schema,
)

__all__ = ["UNSURE", "NotCompiled", "compile_load"]

# Callable load defaults whose call gives a fresh, equal value every time: calling them
# once more than marshmallow would (for a payload then found UNSURE) changes nothing.
_PURE_FACTORIES = (list, dict)


def compile_load(schema: Schema) -> Callable[[Any], Any]:
    """A function from a consumed payload to ``schema.load(payload)``, or UNSURE.

    Only for a schema that excludes unknown fields (as every reader does). Raises
    NotCompiled when the schema has hooks, renamed fields, fields with processors or
    defaults it cannot reproduce, or field types other than String, Integer, Decimal,
    Boolean, Date, DateTime, AwareDateTime, Nested, List and Dict.
    """
    return _record(schema, schema.unknown)


def _record(schema: Schema, unknown: str) -> Checker:
    refuse_unmodelled_schema(schema)
    if unknown != EXCLUDE or schema.partial or schema.dict_class is not dict:
        raise NotCompiled("unknown fields kept or refused, partial, or another dict class")
    plan = []
    for name, field in schema.load_fields.items():
        if "." in name:  # marshmallow would set it as a path into nested dicts
            raise NotCompiled("a dotted field name")
        plan.append((name, _field_loader(field), field.required, field.allow_none,
                     _fill(field.load_default)))  # fmt: skip
    return record_of(plan)


def _fill(default: Any) -> Callable[[], Any] | None:
    """What a missing field becomes, as marshmallow's ``load_default`` gives it."""
    if default is missing:
        return None
    if callable(default):
        if default not in _PURE_FACTORIES:
            raise NotCompiled("a load default computed by a function")
        return default
    return lambda: default  # the very object, as marshmallow returns it


def _field_loader(field: fields.Field) -> Checker:
    """A loader for one field's non-null value, its validators run on the result."""
    refuse_unmodelled_field(field)
    kind = type(field)
    if kind is fields.String:
        load = _text
    elif kind is fields.Integer:
        load = _integer
    elif kind is fields.Boolean:
        load = _boolean(field)
    elif kind is fields.Decimal:
        load = _decimal(field)
    elif kind is fields.Date:
        load = _date(field)
    elif kind in (fields.DateTime, fields.AwareDateTime):
        load = _datetime(field)
    elif kind is fields.Nested:
        load = _nested(field)
    elif kind is fields.List:
        load = list_of(_inner_loader(field.inner))
    elif kind is fields.Dict:
        if field.key_field is None or field.value_field is None:
            raise NotCompiled("a dict without typed keys and values")
        load = dict_of(_inner_loader(field.key_field), _inner_loader(field.value_field))
    else:
        raise NotCompiled(f"field type {kind.__name__}")
    return _validated(plain_validators(field), load)


def _validated(validators: list[Any], load: Checker) -> Checker:
    """Marshmallow validates the loaded value; so does this, any failure being UNSURE."""
    if not validators:
        return load

    def validated(value: Any) -> Any:
        loaded = load(value)
        if loaded is UNSURE:
            return UNSURE
        try:
            for validator in validators:
                validator(loaded)
        except Exception:  # a ValidationError, or a TypeError from comparing: let load say
            return UNSURE
        return loaded

    return validated


def _inner_loader(field: fields.Field) -> Checker:
    return nullable(_field_loader(field), field.allow_none)


def _text(value: Any) -> Any:
    # marshmallow also decodes bytes, which JSON never gives.
    return value if type(value) is str else UNSURE


def _integer(value: Any) -> Any:
    # An int loads as itself, strict or not; a float or a numeric text would be int() of
    # it, and True is refused: all left to marshmallow.
    return value if type(value) is int else UNSURE


def _boolean(field: fields.Boolean) -> Checker:
    truthy, falsy = field.truthy, field.falsy
    if not truthy:
        raise NotCompiled("a boolean where anything not falsy is true")

    def load(value: Any) -> Any:
        # The field's own sets, as it looks them up: true, 1, "yes" and the like.
        try:
            if value in truthy:
                return True
            if value in falsy:
                return False
        except TypeError:  # a list or an object: not hashable
            return UNSURE
        return UNSURE

    return load


def _decimal(field: fields.Decimal) -> Checker:
    if field.places is not None or field.allow_nan:
        raise NotCompiled("decimal with places or NaN")

    def load(value: Any) -> Any:
        # Marshmallow's own conversion; a bool would be refused, NaN and infinity too.
        if type(value) not in (str, int, float, Decimal):
            return UNSURE
        try:
            number = Decimal(str(value))
        except Exception:  # not a number, or too many digits for str() of an int
            return UNSURE
        return number if number.is_finite() else UNSURE

    return load


def _date(field: fields.Date) -> Checker:
    _iso_format(field)

    def load(value: Any) -> Any:
        if type(value) is dt.date:
            return value
        if type(value) is not str:
            return UNSURE
        try:
            return dt.date.fromisoformat(value)
        except Exception:
            return UNSURE

    return load


def _datetime(field: fields.DateTime) -> Checker:
    _iso_format(field)
    aware = type(field) is fields.AwareDateTime
    default_timezone = field.default_timezone if aware else None

    def load(value: Any) -> Any:
        if type(value) is dt.datetime:
            loaded = value
        elif type(value) is str:
            try:
                loaded = dt.datetime.fromisoformat(value)
            except Exception:
                return UNSURE
        else:
            return UNSURE
        if aware and loaded.utcoffset() is None:  # marshmallow's is_aware
            if default_timezone is None:
                return UNSURE
            return loaded.replace(tzinfo=default_timezone)
        return loaded

    return load


def _iso_format(field: fields.Date | fields.DateTime) -> None:
    # The format is set when the field is bound to its schema: "iso" unless said otherwise.
    if field.format not in ("iso", "iso8601"):
        raise NotCompiled("a date format other than ISO 8601")


def _nested(field: fields.Nested) -> Checker:
    if field.many or field.only or field.exclude:
        raise NotCompiled("nested with many, only or exclude")
    schema = field.schema
    # marshmallow loads it with the field's ``unknown``, or else the nested schema's own.
    return _record(schema, field.unknown or schema.unknown)
