"""What the one-pass dump and the one-pass load of event payloads have in common.

Both compile a contract into plain functions that walk a payload once and either return
exactly what marshmallow would, or UNSURE, in which case the caller asks marshmallow
(shared/events/checked_dump.py, shared/events/checked_load.py). This module holds their
common vocabulary, the checks of what neither models, and the walkers of the shapes both
handle the same way: a record of named fields, a list, a dict, a value that may be null.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing, validate

# What a compiled checker returns when it cannot vouch for a value.
UNSURE: Any = object()

Checker = Callable[[Any], Any]  # a value -> its dumped (or loaded) form, or UNSURE

# Validators that are pure checks of one value (a str, a number or a length): running one
# ourselves gives marshmallow's verdict, and has no effect it would not have had.
PLAIN_VALIDATORS = (validate.OneOf, validate.Regexp, validate.Length, validate.Range,
                    validate.Equal)  # fmt: skip


class NotCompiled(Exception):
    """The schema uses something the one pass does not model; marshmallow checks it."""


def refuse_unmodelled_schema(schema: Schema) -> None:
    """Raise NotCompiled for a schema with hooks (``pre_load``, ``validates``...) or many."""
    if any(schema._hooks.values()) or schema.many:  # marshmallow's table of hooks
        raise NotCompiled("schema hooks or many")


def refuse_unmodelled_field(field: fields.Field) -> None:
    """Raise NotCompiled for a renamed field, or one with its own load processors."""
    if field.data_key is not None or field.attribute is not None:
        raise NotCompiled("renamed field")
    if field.pre_load or field.post_load:
        raise NotCompiled("field with pre_load or post_load processors")


def plain_validators(field: fields.Field) -> list[validate.Validator]:
    """The field's validators, all of kinds in PLAIN_VALIDATORS, or NotCompiled."""
    validators = list(field.validators)
    if not all(type(v) in PLAIN_VALIDATORS for v in validators):
        raise NotCompiled("a validator this module does not model")
    return validators


# One field of a record: its name, the checker of its non-null value, whether it is
# required, whether null is allowed, and what a missing one becomes (a function giving
# the value, as marshmallow's load_default; None: the field stays out).
RecordField = tuple[str, Checker, bool, bool, Callable[[], Any] | None]


def record_of(plan: list[RecordField]) -> Checker:
    """A checker of a dict with these fields, in this order; other keys are left out."""

    def check(data: Any) -> Any:
        if type(data) is not dict:
            return UNSURE
        out = {}
        for name, check_value, required, allow_none, fill in plan:
            value = data.get(name, missing)
            if value is missing:
                if required:
                    return UNSURE
                if fill is not None:
                    out[name] = fill()
                continue
            if value is None:
                if not allow_none:
                    return UNSURE
                out[name] = None
                continue
            checked = check_value(value)
            if checked is UNSURE:
                return UNSURE
            out[name] = checked
        return out

    return check


def nullable(check: Checker, allow_none: bool) -> Checker:
    """A checker for a list's items or a dict's keys and values (None only if allowed)."""

    def inner(value: Any) -> Any:
        if value is None:
            return None if allow_none else UNSURE
        return check(value)

    return inner


def list_of(inner: Checker) -> Checker:
    """A checker of a list (or tuple) whose every item ``inner`` vouches for; a list out."""

    def check(value: Any) -> Any:
        if type(value) not in (list, tuple):
            return UNSURE
        out = [inner(each) for each in value]
        return UNSURE if any(each is UNSURE for each in out) else out

    return check


def dict_of(keys: Checker, values: Checker) -> Checker:
    """A checker of a dict whose every key and value is vouched for."""

    def check(value: Any) -> Any:
        if type(value) is not dict:
            return UNSURE
        out = {}
        for key, each in value.items():
            checked_key, checked = keys(key), values(each)
            if checked_key is UNSURE or checked is UNSURE:
                return UNSURE
            out[checked_key] = checked
        return out

    return check
