"""The one-pass load of consumed payloads gives exactly marshmallow's load, or steps aside.

``EventRegistry.load_payload`` trusts ``checked_load`` for the payloads it vouches for, so
these tests hold it to marshmallow's own load: for every contract in the catalogue, a
valid payload (as JSON arrives) is vouched for and loads to the very same values of the
very same types; a generated odd one (wrong types, numbers as text, naive times, nulls,
unknown keys, "1e400", NaN...) is either loaded exactly as marshmallow loads it or left to
marshmallow; and an invalid payload is still refused with marshmallow's message.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

import shared.events.contracts  # noqa: F401  (registers every contract)
from shared.events import EVENTS
from shared.events.checked_load import UNSURE, NotCompiled, compile_load
from shared.events.contracts.scheduling import SESSION_COMPLETED_V2
from shared.events.envelope import Event, MalformedEvent
from shared.events.registry import EventRegistry, EventType
from tests.unit.shared.payload_strategies import numbers_for, payloads, text_for

EVENT_TYPES = list(EVENTS)

# Fixed offsets to the minute, UTC among them: what producers write.
ZONES = st.just(dt.UTC) | st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
UNKNOWN_KEYS = st.dictionaries(st.text(max_size=6), st.integers() | st.text(max_size=3), max_size=2)


def _valid(field: fields.Field) -> st.SearchStrategy[Any]:
    """JSON values a producer writes in a scalar field, all valid."""
    kind = type(field)
    if kind is fields.String:
        return text_for(field)
    if kind is fields.Integer:
        return numbers_for(field)
    if kind is fields.Boolean:
        return st.booleans()
    if kind is fields.Decimal:
        return st.decimals(allow_nan=False, allow_infinity=False).map(str)
    if kind is fields.Date:
        return st.dates().map(dt.date.isoformat)
    if kind is fields.AwareDateTime:
        return st.datetimes(timezones=ZONES).map(dt.datetime.isoformat)
    if kind is fields.DateTime:
        return st.datetimes(timezones=ZONES | st.none()).map(dt.datetime.isoformat)
    raise AssertionError(f"no strategy for {kind.__name__}")


# Values of every JSON type (and some that only Python callers could pass), for any field.
WRONG = st.one_of(
    st.none(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4), st.booleans(), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.sampled_from(["1e400", "NaN", "true", "2026-12-02", "2026-12-02T15:30:00"]),
)  # fmt: skip


def _odd(field: fields.Field) -> st.SearchStrategy[Any]:
    """Values for a scalar field near its type: valid ones, and ones only a careful reader
    of marshmallow knows the fate of."""
    kind = type(field)
    if kind is fields.String:
        odd: st.SearchStrategy[Any] = st.text(max_size=12) | st.binary(max_size=3)
    elif kind is fields.Integer:
        odd = (st.integers().map(str) | st.floats(allow_nan=True, allow_infinity=True)
               | st.sampled_from([" 7", "7.0", "1_000", "0x10", "-0", 2.0, 2.5, True,
                                  Decimal(3)]))  # fmt: skip
    elif kind is fields.Boolean:
        odd = st.sampled_from(sorted(field.truthy | field.falsy, key=repr)) | st.sampled_from(
            ["maybe", "TRUE ", 2, 1.0, 0.0, -1, [], {}, Decimal("1")]
        )
    elif kind is fields.Decimal:
        odd = (st.decimals(allow_nan=True).filter(lambda number: not number.is_snan())
               | st.decimals(allow_nan=True).map(str) | st.integers() | st.floats()
               | st.sampled_from(["1e400", "-1E-400", "NaN", "sNaN", "-Infinity", "inf",
                                  " 1.50 ", "1_000.5", "-0", "0E-7", "1.", ".5", "+3", "12,5",
                                  "", "١٢", True])
               # Too many digits for str(): built lazily, as Hypothesis cannot show it.
               | st.builds(lambda: 10**5000))  # fmt: skip
    elif kind is fields.Date:
        odd = (st.dates() | st.datetimes() | st.datetimes().map(dt.datetime.isoformat)
               | st.sampled_from(["20261202", "2026-W49-3", "2026-02-30", "2026-12-2",
                                  "2026-12-02T00:00", "2026-12-02 ", ""]))  # fmt: skip
    else:  # DateTime, AwareDateTime
        odd = (st.datetimes(timezones=ZONES | st.none())
               | st.datetimes(timezones=ZONES | st.none()).map(dt.datetime.isoformat)
               | st.dates() | st.dates().map(dt.date.isoformat)
               | st.sampled_from(["2026-12-02T15:30:00Z", "2026-12-02T15:30Z", "2026-12-02",
                                  "2026-12-02 15:30:00+01:00", "20261202T153000+0100",
                                  "2026-12-02T24:00:00+00:00", "2026-12-02T15:30:00.5+00:00",
                                  "2026-12-02T15:30:00+24:00",
                                  "2026-12-02T15:30:00-00:00"]))  # fmt: skip
    return _valid(field) | odd


def assert_identical(fast: Any, slow: Any) -> None:
    """Equal values of the same types all the way down: Decimal("1.50") is not
    Decimal("1.5"), nor a datetime in UTC one at +00:00 written another way."""
    assert type(fast) is type(slow), (fast, slow)
    if isinstance(slow, dict):
        assert len(fast) == len(slow)
        for (key, value), (slow_key, slow_value) in zip(fast.items(), slow.items(), strict=True):
            assert_identical(key, slow_key)
            assert_identical(value, slow_value)
    elif isinstance(slow, list):
        assert len(fast) == len(slow)
        for each, slow_each in zip(fast, slow, strict=True):
            assert_identical(each, slow_each)
    else:
        assert repr(fast) == repr(slow)


def _marshmallows(schema: Schema, payload: Any) -> Any:
    """marshmallow's load, or the exception it raises."""
    try:
        return schema.load(payload)
    except Exception as exc:  # a ValidationError, or a TypeError on a value it cannot take
        return exc


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.topic)
def test_every_contract_has_a_one_pass_load(event_type: EventType):
    assert event_type.checked_load is not None


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.topic)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_valid_payload_is_loaded_in_one_pass_exactly_as_marshmallow_loads_it(
    event_type: EventType, data: st.DataObject
):
    schema = event_type.reader
    # As a consumer sees it: parsed from JSON, with fields this reader does not know.
    payload = json.loads(json.dumps(data.draw(payloads(schema, _valid, extra=UNKNOWN_KEYS))))
    slow = schema.load(payload)
    fast = event_type.checked_load(payload)
    assert fast is not UNSURE
    assert_identical(fast, slow)


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.topic)
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_an_odd_payload_is_loaded_as_marshmallow_loads_it_or_left_to_marshmallow(
    event_type: EventType, data: st.DataObject
):
    schema = event_type.reader
    payload = data.draw(payloads(schema, _odd, wrong=WRONG, extra=UNKNOWN_KEYS))
    fast = event_type.checked_load(payload)
    if fast is UNSURE:
        return  # load_payload then asks marshmallow, exactly as before
    slow = _marshmallows(schema, payload)
    assert not isinstance(slow, Exception), f"vouched for what marshmallow refuses: {slow!r}"
    assert_identical(fast, slow)


def _session(**changes: Any) -> dict[str, Any]:
    payload = {
        "session_id": "se_1", "appointment_id": "ap_1", "client_id": "cl_1",
        "referral_id": "rf_1", "rendering_provider": {"name": "Sam Lee", "npi": "1679576722"},
        "date_of_service": "2026-12-02", "place_of_service": "11", "counting_method": "cms",
        "lines": [{"code": "97124", "technique": "swedish", "minutes": 30, "units": 2,
                   "body_regions": ["upper_back", "neck"]}],
        "completed_at": "2026-12-02T15:30:00+01:00", "added_by_a_newer_producer": True,
    }  # fmt: skip
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


def _consumed(data: dict[str, Any]) -> Event:
    return Event(type=SESSION_COMPLETED_V2.topic, source="scheduling", subject="cl_1", data=data)


def test_a_session_is_loaded_in_one_pass_with_its_defaults_and_without_unknown_fields():
    loaded = SESSION_COMPLETED_V2.checked_load(_session())
    assert loaded == {
        "session_id": "se_1", "appointment_id": "ap_1", "client_id": "cl_1",
        "referral_id": "rf_1",
        "rendering_provider": {"name": "Sam Lee", "npi": "1679576722", "last_name": None,
                               "first_name": None, "credential": None, "taxonomy": None},
        "date_of_service": dt.date(2026, 12, 2), "place_of_service": "11",
        "counting_method": "cms",
        "lines": [{"code": "97124", "technique": "swedish", "minutes": 30, "units": 2,
                   "body_regions": ["upper_back", "neck"]}],
        "regions_outside_referral": [], "outside_referral_reason": None,
        "completed_at": dt.datetime(2026, 12, 2, 15, 30,
                                    tzinfo=dt.timezone(dt.timedelta(hours=1))),
    }  # fmt: skip
    assert_identical(loaded, SESSION_COMPLETED_V2.reader.load(_session()))
    assert EVENTS.load_payload(_consumed(_session())) == loaded


def test_a_default_list_is_a_new_list_every_time_as_marshmallow_makes_it():
    first = SESSION_COMPLETED_V2.checked_load(_session())
    second = SESSION_COMPLETED_V2.checked_load(_session())
    assert first["regions_outside_referral"] is not second["regions_outside_referral"]


@pytest.mark.parametrize(
    "odd",
    [
        {"completed_at": "2026-12-02T15:30:00"},  # naive: AwareDateTime refuses it
        {"completed_at": ...},  # required, missing
        {"lines": []},  # shorter than Length(min=1)
        {"lines": [{"code": "97124", "technique": "swedish", "minutes": "30", "units": 2,
                    "body_regions": ["neck"]}]},  # an int as text: int("30") is 30, for marshmallow
        {"rendering_provider": {"name": "Sam Lee", "npi": "12345"}},  # not ten digits
        {"client_id": None},
        {"counting_method": "by_feel"},
        {"date_of_service": "2026-02-30"},
    ],
    ids=str,
)
def test_what_the_one_pass_cannot_vouch_for_is_left_to_marshmallow(odd: dict[str, Any]):
    assert SESSION_COMPLETED_V2.checked_load(_session(**odd)) is UNSURE


@pytest.mark.parametrize(
    ("odd", "fields_named"),
    [
        ({"completed_at": "2026-12-02T15:30:00"}, "['completed_at']"),
        ({"completed_at": ..., "client_id": None}, "['client_id', 'completed_at']"),
        ({"lines": [{"code": "97124"}]}, "['lines']"),
        ({"rendering_provider": {"name": "Sam Lee", "npi": "12345"}}, "['rendering_provider']"),
    ],
    ids=str,
)
def test_an_invalid_payload_is_still_malformed_with_marshmallows_fields(
    odd: dict[str, Any], fields_named: str
):
    with pytest.raises(ValidationError):
        SESSION_COMPLETED_V2.reader.load(_session(**odd))
    with pytest.raises(MalformedEvent) as refused:
        EVENTS.load_payload(_consumed(_session(**odd)))
    assert str(refused.value) == (
        f"scheduling.session.completed.v2 payload invalid: fields {fields_named}"
    )


def test_a_number_a_producer_wrote_as_text_loads_as_marshmallow_reads_it():
    class Amount(Schema):
        amount = fields.Decimal(required=True)
        count = fields.Integer(required=True)

    schema = Amount(unknown=EXCLUDE)
    load = compile_load(schema)
    for text in ["62.34", "1e400", " 1.50 ", "1_000.5", "-0", "0E-7"]:
        payload = {"amount": text, "count": 1}
        assert_identical(load(payload), schema.load(payload))
    for text in ["NaN", "Infinity", "-inf", "sNaN", "12,5", ""]:
        assert load({"amount": text, "count": 1}) is UNSURE
    assert load({"amount": True, "count": 1}) is UNSURE  # marshmallow refuses a bool
    assert load({"amount": "1", "count": True}) is UNSURE


def test_a_boolean_is_read_by_the_fields_own_truthy_and_falsy_values():
    class Flag(Schema):
        late = fields.Boolean(required=True)
        strict = fields.Boolean(required=True, truthy={"oui"}, falsy={"non"})

    schema = Flag(unknown=EXCLUDE)
    load = compile_load(schema)
    for late, strict in [(True, "oui"), ("yes", "non"), (0, "oui"), ("F", "non")]:
        payload = {"late": late, "strict": strict}
        assert_identical(load(payload), schema.load(payload))
    assert load({"late": "maybe", "strict": "oui"}) is UNSURE
    assert load({"late": True, "strict": "yes"}) is UNSURE
    assert load({"late": [], "strict": "oui"}) is UNSURE


def test_an_aware_time_with_a_default_zone_takes_it_as_marshmallow_does():
    paris = dt.timezone(dt.timedelta(hours=1))

    class Stamped(Schema):
        at = fields.AwareDateTime(required=True, default_timezone=paris)
        naive = fields.DateTime(required=True)

    schema = Stamped(unknown=EXCLUDE)
    payload = {"at": "2026-12-02T15:30:00", "naive": "2026-12-02T15:30:00"}
    assert_identical(compile_load(schema)(payload), schema.load(payload))


def test_a_contract_with_something_the_one_pass_does_not_model_is_loaded_by_marshmallow():
    class Renamed(Schema):
        client_id = fields.String(required=True, data_key="clientId")

    events = EventRegistry()
    renamed = events.register(EventType("test.thing.renamed", 1, Renamed))
    assert renamed.checked_load is None
    event = Event(type=renamed.topic, source="t", subject="s", data={"clientId": "cl_1"})
    assert events.load_payload(event) == {"client_id": "cl_1"}


class _Stamp(Schema):
    at = fields.AwareDateTime(required=True)


@pytest.mark.parametrize(
    "schema",
    [
        _Stamp(unknown=RAISE),
        _Stamp(unknown=EXCLUDE, many=True),
        type("Hooked", (Schema,), {"lower": pre_load(lambda self, data, **kwargs: data)})(
            unknown=EXCLUDE
        ),
        type("Processed", (Schema,), {"name": fields.String(pre_load=str.strip)})(unknown=EXCLUDE),
        type("Computed", (Schema,), {"at": fields.AwareDateTime(load_default=dt.datetime.now)})(
            unknown=EXCLUDE
        ),
        type("Checked", (Schema,), {"name": fields.String(validate=lambda name: name != "x")})(
            unknown=EXCLUDE
        ),
        type("Email", (Schema,), {"to": fields.Email()})(unknown=EXCLUDE),
        type("Rounded", (Schema,), {"paid": fields.Decimal(places=2)})(unknown=EXCLUDE),
        type("Stamped", (Schema,), {"at": fields.DateTime(format="%Y")})(unknown=EXCLUDE),
        type("Loose", (Schema,), {"extra": fields.Dict()})(unknown=EXCLUDE),
        type("Picky", (Schema,), {"inner": fields.Nested(_Stamp)})(unknown=EXCLUDE),  # RAISE inside
    ],
    ids=lambda schema: type(schema).__name__ + ("-many" if schema.many else ""),
)
def test_a_schema_the_one_pass_does_not_model_is_not_compiled(schema: Schema):
    with pytest.raises(NotCompiled):
        compile_load(schema)


@given(st.dictionaries(st.sampled_from(["at", "other"]), ZONES.flatmap(
    lambda zone: st.datetimes(timezones=st.just(zone)).map(dt.datetime.isoformat))))
def test_a_nested_schema_that_excludes_unknown_fields_is_loaded_in_one_pass(inner: dict):
    class Outer(Schema):
        stamp = fields.Nested(_Stamp, unknown=EXCLUDE, required=True)
        tags = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)

    schema = Outer(unknown=EXCLUDE)
    fast = compile_load(schema)({"stamp": inner})
    slow = _marshmallows(schema, {"stamp": inner})
    assert (fast is UNSURE) == isinstance(slow, ValidationError)
    if fast is not UNSURE:
        assert_identical(fast, slow)
