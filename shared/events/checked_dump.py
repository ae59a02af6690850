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

from marshmallow import Schema, fields, missing, validate

# What a compiled checker returns when it cannot vouch for a value.
UNSURE: Any = object()

Checker = Callable[[Any], Any]  # a value -> its dumped form, or UNSURE

# Validators whose verdict on the given value is the one load gives on the dumped value:
# they look at a str, a number or a length, which the dump does not change.
_PLAIN_VALIDATORS = (validate.OneOf, validate.Regexp, validate.Length, validate.Range,
                     validate.Equal)  # fmt: skip


class NotCompiled(Exception):
    """The schema uses something this module does not model; marshmallow checks it."""


def compile_schema(schema: Schema) -> Callable[[Any], Any]:
    """A function from a payload dict to its dump (as ``schema.dump``), or UNSURE.

    Raises NotCompiled when the schema has hooks, renamed fields, one-way fields or
    field types other than String, Integer, Decimal, Boolean, Date, DateTime,
    AwareDateTime, Nested, List and Dict.
    """
    if any(schema._hooks.values()) or schema.many:  # marshmallow's table of hooks
        raise NotCompiled("schema hooks or many")
    if list(schema.dump_fields) != list(schema.load_fields):
        raise NotCompiled("load-only or dump-only fields")
    plan = [(name, _field_checker(field), field.required, field.allow_none)
            for name, field in schema.dump_fields.items()]  # fmt: skip

    def dump(data: Any) -> Any:
        if type(data) is not dict:
            return UNSURE
        out = {}
        for name, check, required, allow_none in plan:
            value = data.get(name, missing)
            if value is missing:
                if required:
                    return UNSURE
                continue
            if value is None:
                if not allow_none:
                    return UNSURE
                out[name] = None
                continue
            dumped = check(value)
            if dumped is UNSURE:
                return UNSURE
            out[name] = dumped
        return out

    return dump


def _field_checker(field: fields.Field) -> Checker:
    """A checker for one field's non-null value (with its validators)."""
    if field.data_key is not None or field.attribute is not None:
        raise NotCompiled("renamed field")
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
    validators = list(field.validators)
    if not validators:
        return check
    if not all(type(v) in _PLAIN_VALIDATORS for v in validators):
        raise NotCompiled("a validator this module does not model")
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
    inner = _inner_checker(field.inner)

    def check(value: Any) -> Any:
        if type(value) not in (list, tuple):
            return UNSURE
        out = [inner(each) for each in value]
        return UNSURE if any(each is UNSURE for each in out) else out

    return check


def _dict(field: fields.Dict) -> Checker:
    keys = _inner_checker(field.key_field) if field.key_field is not None else None
    values = _inner_checker(field.value_field) if field.value_field is not None else None
    if keys is None or values is None:
        raise NotCompiled("a dict without typed keys and values")

    def check(value: Any) -> Any:
        if type(value) is not dict:
            return UNSURE
        out = {}
        for key, each in value.items():
            dumped_key, dumped = keys(key), values(each)
            if dumped_key is UNSURE or dumped is UNSURE:
                return UNSURE
            out[dumped_key] = dumped
        return out

    return check


def _inner_checker(field: fields.Field) -> Checker:
    """A checker for a list's items or a dict's keys and values (None only if allowed)."""
    check = _field_checker(field)
    allow_none = field.allow_none

    def inner(value: Any) -> Any:
        if value is None:
            return None if allow_none else UNSURE
        return check(value)

    return inner
