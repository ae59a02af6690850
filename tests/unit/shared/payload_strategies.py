"""Hypothesis strategies for event payloads, shaped by a contract's marshmallow schema.

The one-pass dump and the one-pass load are both held to marshmallow's verdict on
generated payloads (test_checked_dump.py, test_checked_load.py). The shapes are the
contract's -- records of fields, lists, dicts, nested records -- and each test says what
a scalar field's values are (Python values for a dump, JSON values for a load) and which
wrong values are mixed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from marshmallow import Schema, fields, validate

Leaf = Callable[[fields.Field], st.SearchStrategy[Any]]  # a scalar field -> its values


def payloads(
    schema: Schema,
    leaf: Leaf,
    *,
    wrong: st.SearchStrategy[Any] | None = None,
    extra: st.SearchStrategy[dict[str, Any]] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """A payload for ``schema``: any field may be missing or, when ``wrong`` is given, wrong.

    Without ``wrong`` required fields are always there and nulls only where allowed, so
    with a leaf of valid values the payload is valid. ``extra`` adds keys the contract
    does not know.
    """
    fields_ = schema.load_fields
    strategies = {name: values(field, leaf, wrong=wrong) for name, field in fields_.items()}
    if wrong is None:
        required = {name: s for name, s in strategies.items() if fields_[name].required}
        optional = {name: s for name, s in strategies.items() if name not in required}
        payload = st.fixed_dictionaries(required, optional=optional)
    else:
        payload = st.fixed_dictionaries({}, optional=strategies)
    if extra is None:
        return payload
    known = set(fields_)
    return st.tuples(payload, extra).map(
        lambda both: {**{k: v for k, v in both[1].items() if k not in known}, **both[0]}
    )


def values(
    field: fields.Field, leaf: Leaf, *, wrong: st.SearchStrategy[Any] | None = None
) -> st.SearchStrategy[Any]:
    """Values for ``field``: the leaf's for a scalar, the shape's for a container."""
    kind = type(field)
    if kind is fields.Nested:
        right = payloads(field.schema, leaf, wrong=wrong)
    elif kind is fields.List:
        inner = values(field.inner, leaf, wrong=wrong)
        # Valid payloads honour the list's minimum length; others may well not.
        least = 0 if wrong is not None else max(
            [v.min for v in field.validators if isinstance(v, validate.Length) and v.min] or [0]
        )
        right = st.lists(inner, min_size=least, max_size=least + 3)
        if least <= 1:
            right = right | st.tuples(inner)
    elif kind is fields.Dict:
        keys = values(field.key_field, leaf, wrong=wrong).filter(_hashable)
        right = st.dictionaries(keys, values(field.value_field, leaf, wrong=wrong), max_size=3)
    else:
        right = leaf(field)
    if wrong is not None:
        return st.one_of(right, right, right, wrong)
    return right | st.none() if field.allow_none else right


def text_for(field: fields.Field) -> st.SearchStrategy[str]:
    """Text a String field accepts: one of its choices, a match of its pattern, or of its
    length (as the contracts use them: one such validator a field)."""
    choices = [v.choices for v in field.validators if isinstance(v, validate.OneOf)]
    if choices:
        return st.sampled_from(list(choices[0]))
    patterns = [v.regex.pattern for v in field.validators if isinstance(v, validate.Regexp)]
    if patterns:
        return st.from_regex(patterns[0], fullmatch=True)
    lengths = [v for v in field.validators if isinstance(v, validate.Length)]
    if lengths and lengths[0].equal is not None:
        return st.text(min_size=lengths[0].equal, max_size=lengths[0].equal)
    return st.text(max_size=12)


def numbers_for(field: fields.Field) -> st.SearchStrategy[int]:
    """Integers an Integer field accepts: within its Range, if it has one."""
    ranges = [v for v in field.validators if isinstance(v, validate.Range)]
    low = ranges[0].min if ranges and ranges[0].min is not None else -(10**6)
    high = ranges[0].max if ranges and ranges[0].max is not None else 10**6
    return st.integers(low, high)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
