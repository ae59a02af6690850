"""The reused JSON encoders write exactly what ``json.dumps`` writes.

``shared.json_text`` encodes the claim history's reasons and evidence and every outbox
envelope with a C encoder made once, instead of ``json.dumps`` making one per call; what
is stored and published must not change by a byte.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.json_text import dumps, dumps_compact

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(_VALUES)
def test_any_plain_value_is_written_as_json_dumps_writes_it(value: Any) -> None:
    assert dumps(value) == json.dumps(value)


@given(_VALUES)
def test_any_plain_value_is_written_compactly_as_json_dumps_with_separators(value: Any) -> None:
    assert dumps_compact(value) == json.dumps(value, separators=(",", ":"))


def test_reasons_with_accents_and_quotes_are_escaped_as_json_dumps_escapes_them() -> None:
    reasons = [{"code": "CO-45", "text": 'line 1: 11.45 "fee" schedule \u2014 caf\u00e9\n'}]
    assert dumps(reasons) == json.dumps(reasons)


def test_a_value_json_cannot_write_is_refused_with_the_same_error() -> None:
    with pytest.raises(TypeError, match="Object of type Decimal is not JSON serializable"):
        dumps({"paid": Decimal("1.00")})
