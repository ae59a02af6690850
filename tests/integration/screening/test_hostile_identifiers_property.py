"""Property: whatever hostile text reaches intake, nothing stored can break an X12 interchange.

Hypothesis feeds strings made of X12 delimiters (~ * : ^), control characters, bidi
overrides, non-Latin letters and ordinary ones into every identifier and name of a
registration and a referral, through the HTTP API. For each request it predicts the
answer from the rules alone and checks the service agrees:

- an identifier (member id, group number, authorization number) is either refused with
  422 naming it, or stored as something X12 can carry and that fits its element;
- a name or address line with a hidden character is refused with 400 (it could hide
  what it shows); otherwise it is stored exactly as written, for display, and its
  transliteration is X12-safe; a billed person's name must transliterate to something;
- what screening then publishes, read by claims and rendered into an 837P beside another
  client's clean claim, makes an interchange pyx12 accepts, shaped exactly like one of two
  clean claims: one bad record can never reach (and spoil) an interchange.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from services.claims.domain.event_data import client_from_data
from services.screening.domain.physician import split_unambiguous
from shared.events.contracts.screening import CLIENT_REGISTERED
from shared.web.fields import is_single_line_text
from shared.x12_text import (
    AUTHORIZATION_NUMBER,
    GROUP_NUMBER,
    MEMBER_ID,
    as_identifier,
    has_x12_reading,
    identifier_problem,
    is_x12_safe,
    transliterate,
)
from tests.integration.screening.builders import (
    FRONT_DESK,
    a_client,
    a_coverage,
    a_referral,
    an_address,
    queued_events,
    register,
)
from tests.integration.screening.conftest import migrated_app
from tests.unit.claims.interchanges import built, render, shape
from tests.unit.claims.pyx12_validation import pyx12_errors

HOSTILE = st.one_of(
    st.sampled_from(list("~*:^")),  # our delimiters
    st.sampled_from(list("\x00\x07\x0b\x1c\x1d\x1e\x1f\x7f\x85\u2028\u202e\u2066\ufeff")),
    st.characters(min_codepoint=0x0400, max_codepoint=0x04FF),  # Cyrillic
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E50),  # Han
    st.sampled_from(list("éÅøßŁğıñ\u0301")),  # accented Latin, a lone combining accent
    st.sampled_from(list(string.ascii_letters + string.digits + " -./'")),
)
# Half hostile, half what a front desk types, so that every answer (201, 400, 422) is seen.
HOSTILE_TEXT = st.one_of(st.text(HOSTILE, min_size=0, max_size=24),
                         st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 -]{1,14}", fullmatch=True))
WORD = st.one_of(st.sampled_from(["Maria", "Zoë", "O'Neil", "Ångström", "Smith-Jones", "Øberg"]),
                 st.text(HOSTILE, min_size=1, max_size=12))
NAME_TEXT = st.one_of(WORD, st.text(HOSTILE, min_size=1, max_size=24))
ONE_LINE_NAME = st.one_of(
    st.text(HOSTILE, min_size=1, max_size=30),
    st.builds("{}{} {}{}".format, st.sampled_from(["", "Dr. ", "Dr "]), WORD, WORD,
              st.sampled_from(["", " MD", ", DO", " PA-C", " M.D."])),
)
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
BIRTH_DATES = (date(1930, 1, 1) + timedelta(days=n) for n in itertools.count())


@pytest.fixture(scope="module")
def http(tmp_path_factory) -> Iterator[FlaskClient]:
    """One screening app on SQLite for every example (each registers its own client)."""
    app = migrated_app(f"sqlite:///{tmp_path_factory.mktemp('x12') / 'screening.db'}")
    yield app.test_client()


def shown_as_written(name: str) -> bool:
    """Whether the schema keeps a name as written (no hidden character, not blank)."""
    return is_single_line_text(name) and bool(name.strip())


def identifier_answer(value: str | None, element: Any) -> tuple[bool, str | None]:
    """(refused?, what is stored) for an identifier, from the rules alone."""
    if value is None:
        return False, None
    return identifier_problem(value, element) is not None, as_identifier(value)


@SETTINGS
@given(member_id=HOSTILE_TEXT, group_number=HOSTILE_TEXT | st.none(), first_name=NAME_TEXT,
       last_name=NAME_TEXT, line1=NAME_TEXT)
def test_a_registration_either_is_refused_or_stores_only_what_x12_can_carry(
        http, member_id, group_number, first_name, last_name, line1):
    body = a_client(first_name=first_name, last_name=last_name,
                    birth_date=next(BIRTH_DATES).isoformat(), address=an_address(line1=line1),
                    coverage=a_coverage(member_id=member_id, group_number=group_number))

    response = http.post("/clients", json=body, headers=FRONT_DESK)
    event(f"answered {response.status_code}")

    names = {"first_name": first_name, "last_name": last_name}
    if not all(shown_as_written(value) for value in (*names.values(), line1)):
        assert response.status_code == 400, response.json
        return
    bad_member, kept_member = identifier_answer(member_id, MEMBER_ID)
    bad_group, kept_group = identifier_answer(group_number, GROUP_NUMBER)
    unwritable = {field for field, value in names.items() if not has_x12_reading(value)}
    if bad_member or bad_group or unwritable or not has_x12_reading(line1):
        assert response.status_code == 422, response.json
        errors = response.json["errors"]
        assert {f for f in ("member_id", "group_number")
                if f in errors.get("coverage", {})} == (
            {"member_id"} if bad_member else set()) | ({"group_number"} if bad_group else set())
        assert unwritable == {field for field in names if field in errors}
        return
    assert response.status_code == 201, response.json
    stored = http.get(f"/clients/{response.json['client_id']}", headers=FRONT_DESK).json
    coverage = stored["coverage"]
    assert (coverage["member_id"], coverage["group_number"]) == (kept_member, kept_group)
    assert is_x12_safe(coverage["member_id"]) and 2 <= len(coverage["member_id"]) <= 80
    assert coverage["group_number"] is None or (is_x12_safe(coverage["group_number"])
                                                and 1 <= len(coverage["group_number"]) <= 50)
    assert (stored["first_name"], stored["last_name"], stored["address"]["line1"]) == (
        first_name, last_name, line1)  # the person's spelling, for display
    for shown in (first_name, last_name, line1):
        rendered = transliterate(shown)
        assert is_x12_safe(rendered) and rendered  # what the claim will carry

    published = [e for e in queued_events(http.application, CLIENT_REGISTERED)
                 if e.subject == response.json["client_id"]]
    client = client_from_data(published[-1].data)
    interchange = render(built("C-HOSTILE", client=client), built("C-CLEAN"))
    assert pyx12_errors(interchange) == []
    assert shape(interchange) == shape(render(built("C-HOSTILE"), built("C-CLEAN")))


@pytest.fixture(scope="module")
def client_id(http: FlaskClient) -> str:
    """One registered client for the referral examples."""
    return register(http, coverage=a_coverage(member_id="W-PROPERTY-1"))["client_id"]


@SETTINGS
@given(authorization_number=HOSTILE_TEXT | st.none(), last_name=NAME_TEXT,
       first_name=NAME_TEXT)
def test_a_referral_either_is_refused_or_stores_only_what_x12_can_carry(
        http, client_id, authorization_number, last_name, first_name):
    body = a_referral(authorization_number=authorization_number,
                      physician_last_name=last_name, physician_first_name=first_name)

    response = http.post(f"/clients/{client_id}/referrals", json=body, headers=FRONT_DESK)
    event(f"answered {response.status_code}")

    names = {"physician_last_name": last_name, "physician_first_name": first_name}
    if (not all(is_single_line_text(value) for value in names.values())
            or len(last_name) > 60
            or (authorization_number is not None and not authorization_number.strip())
            or not all(value.strip() for value in names.values())):
        assert response.status_code == 400, response.json
        return
    bad_number, kept_number = identifier_answer(authorization_number, AUTHORIZATION_NUMBER)
    unwritable = {field for field, value in names.items() if not has_x12_reading(value)}
    if bad_number or unwritable:
        assert response.status_code == 422, response.json
        errors = response.json["errors"]
        assert ("authorization_number" in errors) == bad_number
        assert unwritable == {field for field in names if field in errors}
        return
    assert response.status_code == 201, response.json
    referral = response.json
    assert referral["authorization_number"] == kept_number
    assert kept_number is None or is_x12_safe(kept_number)
    assert (referral["physician_last_name"], referral["physician_first_name"]) == (
        last_name.strip(), first_name.strip())
    assert all(is_x12_safe(transliterate(value)) and transliterate(value)
               for value in names.values())


@SETTINGS
@given(written=ONE_LINE_NAME)
def test_a_one_line_physician_name_is_split_only_one_way_or_refused(http, client_id, written):
    body = {key: value for key, value in a_referral(physician_name=written).items()
            if key not in ("physician_last_name", "physician_first_name",
                           "physician_credential")}

    response = http.post(f"/clients/{client_id}/referrals", json=body, headers=FRONT_DESK)
    event(f"answered {response.status_code}")

    if not shown_as_written(written):
        assert response.status_code == 400, response.json
        return
    parts = split_unambiguous(written)
    if parts is None or not (has_x12_reading(parts.last_name)
                             and has_x12_reading(parts.first_name)):
        assert response.status_code == 422, response.json
        return
    assert response.status_code == 201, response.json
    assert (response.json["physician_last_name"], response.json["physician_first_name"],
            response.json["physician_name"]) == (parts.last_name, parts.first_name,
                                                 written.strip())
