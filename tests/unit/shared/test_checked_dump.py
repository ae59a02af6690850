"""The one-pass dump and check of event payloads never lets through what marshmallow refuses.

``EventRegistry.build`` trusts ``checked_dump`` for the payloads it vouches for, so these
tests hold it to marshmallow's own verdict: for every contract in the catalogue, on
generated payloads both valid and not, whatever it vouches for is exactly marshmallow's
dump and loads without an error; and an invalid payload still fails ``build``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

import shared.events.contracts  # noqa: F401  (registers every contract)
from shared.events import EVENTS
from shared.events.checked_dump import UNSURE, NotCompiled, _plain, compile_schema
from shared.events.contracts.claims import CLAIM_ADJUSTED
from shared.events.registry import EventRegistry, EventType
from tests.unit.shared.payload_strategies import payloads, text_for

EVENT_TYPES = list(EVENTS)
UTC = dt.UTC


# Quiet NaN only: a signaling NaN cannot even be hashed, so Hypothesis itself fails when
# one lands among a dictionary's keys.
WRONG = st.one_of(st.none(), st.integers(), st.text(max_size=4), st.booleans(),
                  st.decimals(allow_nan=True, places=2).filter(
                      lambda number: not number.is_snan()))  # fmt: skip


def _value(field: fields.Field) -> st.SearchStrategy[Any]:
    """Values a service might put in a scalar field: of its type, valid or not."""
    kind = type(field)
    if kind is fields.String:
        return text_for(field) | st.text(max_size=12)
    if kind is fields.Integer:
        return st.integers(-(10**6), 10**6)
    if kind is fields.Boolean:
        return st.booleans()
    if kind is fields.Decimal:
        return st.decimals(min_value=-(10**6), max_value=10**6, places=2) | st.just(
            Decimal("Infinity")
        )
    if kind is fields.Date:
        return st.dates() | st.datetimes(timezones=st.just(UTC))
    if kind in (fields.DateTime, fields.AwareDateTime):
        return st.datetimes(timezones=st.just(UTC) | st.none()) | st.dates()
    raise AssertionError(f"no strategy for {kind.__name__}")


def _payload(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """A payload for ``schema``: any field may be missing, wrong or right."""
    return payloads(schema, _value, wrong=WRONG)


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.topic)
def test_every_contract_has_a_one_pass_dump(event_type: EventType):
    assert event_type.checked_dump is not None


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.topic)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_what_the_one_pass_dump_vouches_for_is_marshmallows_dump_and_loads_cleanly(
    event_type: EventType, data: st.DataObject
):
    schema = event_type.writer
    payload = data.draw(_payload(schema))
    fast = event_type.checked_dump(payload)
    if fast is UNSURE:
        return  # build then takes marshmallow's two passes, exactly as before
    assert schema.validate(fast) == {}
    dumped = schema.dump(payload)
    assert fast == dumped
    assert list(fast) == list(dumped)  # the same JSON, field for field, in the same order


def _adjusted(**changes: Any) -> dict[str, Any]:
    payload = {
        "claim_id": "c1", "client_id": "cl_1", "trace_number": "EFT1", "outcome": "paid_in_full",
        "paid": Decimal("62.34"), "patient_responsibility": Decimal("0.00"),
        "adjustments": {"CO-45": Decimal("27.66")},
        "posted_at": dt.datetime(2026, 12, 2, 1, 0, tzinfo=UTC),
    }  # fmt: skip
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


def test_a_payload_a_service_builds_is_dumped_in_one_pass():
    assert CLAIM_ADJUSTED.checked_dump(_adjusted()) == {
        "claim_id": "c1", "client_id": "cl_1", "trace_number": "EFT1", "outcome": "paid_in_full",
        "paid": "62.34", "patient_responsibility": "0.00", "adjustments": {"CO-45": "27.66"},
        "posted_at": "2026-12-02T01:00:00+00:00",
    }  # fmt: skip


@pytest.mark.parametrize(
    "wrong",
    [
        {"claim_id": ...},  # required, missing
        {"client_id": None},  # not nullable
        {"outcome": "paid_twice"},  # not one of the outcomes
        {"paid": Decimal("NaN")},
        {"posted_at": dt.datetime(2026, 12, 2, 1, 0)},  # naive
        {"adjustments": {"XX-1": Decimal("1.00")}},  # not a group-CARC code
        {"adjustments": {"CO-45": None}},
    ],
    ids=str,
)
def test_an_invalid_payload_is_still_refused_by_build(wrong: dict[str, Any]):
    with pytest.raises(ValueError, match="payload invalid"):
        EVENTS.build(CLAIM_ADJUSTED, source="claims", subject="cl_1", data=_adjusted(**wrong))


def test_a_string_where_a_time_belongs_is_refused_by_marshmallows_dump_as_before():
    with pytest.raises(TypeError):
        EVENTS.build(CLAIM_ADJUSTED, source="claims", subject="cl_1",
                     data=_adjusted(posted_at="yesterday"))  # fmt: skip


def test_a_contract_with_something_the_one_pass_does_not_model_is_checked_by_marshmallow():
    class Renamed(Schema):
        client_id = fields.String(required=True, data_key="clientId")
        kind = fields.Email(required=True)

    with pytest.raises(NotCompiled):
        compile_schema(Renamed())
    events = EventRegistry()
    renamed = events.register(EventType("test.thing.renamed", 1, Renamed))
    assert renamed.checked_dump is None
    assert events.build(renamed, source="t", subject="s", data={
        "client_id": "cl_1", "kind": "a@example.org"}).data == {
        "clientId": "cl_1", "kind": "a@example.org"}  # fmt: skip
    with pytest.raises(ValueError, match="payload invalid"):
        events.build(renamed, source="t", subject="s", data={"client_id": "cl_1", "kind": "x"})


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_a_decimal_as_a_string_is_written_as_marshmallows_f_format_writes_it(
    number: Decimal,
) -> None:
    assert _plain(number) == format(number, "f")
