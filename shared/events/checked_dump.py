"""One pass that dumps a payload a service built and checks it, for the common shapes.

``EventRegistry.build`` used to dump a payload through marshmallow and then load the
dumped form again to validate it: two passes through marshmallow's machinery for every
event, about 80 us each, the largest single cost of posting an 835 (docs/PERFORMANCE.md,
"Remittance posting"). What a service builds is nearly always plain: a dict of strings,
``Decimal``s, aware datetimes, dates, ints, bools, lists and dicts of those. For such a
payload this module produces exactly marshmallow's dump in one pass, checking each value
against what the contract's load accepts.

It only ever says "yes, and here is the dump" or "not sure". It says yes only where the
load is certain to succeed: a value of exactly the expected Python type, validators of
the few kinds whose verdict on that value is the load's (``OneOf``, ``Regexp``,
``Length``, ``Range``, ``Equal``). Everything else -- a missing required field, a null
where none is allowed, a number given as a string, a naive datetime, a field or schema
option this module does not model -- is "not sure", and the caller takes marshmallow's
own two passes, which refuse what is invalid with marshmallow's messages. So an invalid
payload is still refused, by the same code as before; a test compares both paths on
generated payloads for every contract (tests/unit/shared/test_checked_dump.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, missing

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

__all__ = ["UNSURE", "NotCompiled", "compile_schema"]


def compile_schema(schema: Schema) -> Callable[[Any], Any]:
    """A function from a payload dict to its dump (as ``schema.dump``), or UNSURE.

    Raises NotCompiled when the schema has hooks, renamed fields, one-way fields or
    field types other than String, Integer, Decimal, Boolean, Date, DateTime,
    AwareDateTime, Nested, List and Dict.
    """
    refuse_unmodelled_schema(schema)
    if list(schema.dump_fields) != list(schema.load_fields):
        raise NotCompiled("load-only or dump-only fields")
    return record_of([(name, _field_checker(field), field.required, field.allow_none, None)
                      for name, field in schema.dump_fields.items()])  # fmt: skip


def _field_checker(field: fields.Field) -> Checker:
    """A checker for one field's non-null value (with its validators)."""
    refuse_unmodelled_field(field)
    if field.dump_default is not missing:
        raise NotCompiled("field with a dump default")
    kind = type(field)
    if kind is fields.String:
        check = _exactly(str)
    elif kind is fields.Integer:
        check = _exactly(int)  # bool is not int here: marshmallow refuses True as a number
    elif kind is fields.Boolean:
        check = _exactly(bool)
    elif kind is fields.Decimal:
        check = _decimal(field)
    elif kind is fields.Date:
        check = _temporal(field, dt.date, aware=False)
    elif kind in (fields.DateTime, fields.AwareDateTime):
        if kind is fields.AwareDateTime and field.default_timezone is not None:
            raise NotCompiled("aware datetime with a default timezone")
        check = _temporal(field, dt.datetime, aware=kind is fields.AwareDateTime)
    elif kind is fields.Nested:
        check = _nested(field)
    elif kind is fields.List:
        check = _list(field)
    elif kind is fields.Dict:
        check = _dict(field)
    else:
        raise NotCompiled(f"field type {kind.__name__}")
    return _validated(field, check)


def _validated(field: fields.Field, check: Checker) -> Checker:
    # These look at a str, a number or a length, which the dump does not change: their
    # verdict on the given value is the one load gives on the dumped value.
    validators = plain_validators(field)
    if not validators:
        return check
    if type(field) in (fields.Date, fields.DateTime, fields.AwareDateTime, fields.Nested,
                       fields.Dict, fields.Boolean):  # fmt: skip
        raise NotCompiled("validators on a value the load transforms")

    def checked(value: Any) -> Any:
        dumped = check(value)
        if dumped is UNSURE:
            return UNSURE
        try:
            for validator in validators:
                validator(value)
        except Exception:  # a ValidationError, or a TypeError from comparing: let load say
            return UNSURE
        return dumped

    return checked


def _exactly(kind: type) -> Checker:
    def check(value: Any) -> Any:
        return value if type(value) is kind else UNSURE

    return check


def _decimal(field: fields.Decimal) -> Checker:
    if field.places is not None or field.allow_nan:
        raise NotCompiled("decimal with places or NaN")
    as_string = field.as_string

    def check(value: Any) -> Any:
        # The dump is Decimal(str(value)), formatted "f" when as_string; str() of a Decimal
        # round-trips exactly, and a finite one loads back.
        if type(value) is not Decimal or not value.is_finite():
            return UNSURE
        return _plain(value) if as_string else value

    return check


def _plain(value: Decimal) -> str:
    """``format(value, "f")``: str() is the same text unless it chose an exponent, and costs
    a ninth of the formatter, which parses its spec every time."""
    text = str(value)
    return text if "E" not in text else format(value, "f")


def _temporal(field: fields.DateTime | fields.Date, kind: type, *, aware: bool) -> Checker:
    if field.format not in (None, "iso", "iso8601"):
        raise NotCompiled("a date format other than ISO 8601")

    def check(value: Any) -> Any:
        # Exactly the type: a datetime is a date too, and would not load as one.
        if type(value) is not kind:
            return UNSURE
        if aware and value.utcoffset() is None:
            return UNSURE
        return value.isoformat()

    return check


def _nested(field: fields.Nested) -> Checker:
    if field.many or field.only or field.exclude:
        raise NotCompiled("nested with many, only or exclude")
    return compile_schema(field.schema)


def _list(field: fields.List) -> Checker:
    return list_of(_inner_checker(field.inner))


def _dict(field: fields.Dict) -> Checker:
    if field.key_field is None or field.value_field is None:
        raise NotCompiled("a dict without typed keys and values")
    return dict_of(_inner_checker(field.key_field), _inner_checker(field.value_field))


def _inner_checker(field: fields.Field) -> Checker:
    """A checker for a list's items or a dict's keys and values (None only if allowed)."""
    return nullable(_field_checker(field), field.allow_none)
