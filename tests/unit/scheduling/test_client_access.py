"""The client's credential: signed, scoped, expiring tokens and single-use link secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from services.scheduling.domain.client_access import (
    client_of,
    client_token,
    link_hash,
    new_link_secret,
)
from services.scheduling.domain.visit_ics import visit_calendar
from shared.contact_keys import email_key
from shared.signed_tokens import TokenRefused, sign

KEY = "a-test-key-of-enough-length-0123456789"
LIFETIME = timedelta(minutes=30)


def test_a_client_token_names_its_client():
    assert client_of(KEY, client_token(KEY, "client-1"), LIFETIME) == "client-1"


def test_a_token_signed_with_another_key_is_refused():
    with pytest.raises(TokenRefused) as refused:
        client_of(KEY, client_token("another-key-" + "x" * 30, "client-1"), LIFETIME)
    assert not refused.value.expired


def test_a_token_of_another_purpose_or_scope_is_refused():
    with pytest.raises(TokenRefused):
        client_of(KEY, sign(KEY, "medmassage.intake.upload", "client-1"), LIFETIME)
    with pytest.raises(TokenRefused):
        client_of(KEY, sign(KEY, "medmassage.scheduling.client-token",
                            {"sub": "client-1", "scope": "staff"}), LIFETIME)


def test_an_altered_token_is_refused():
    token = client_token(KEY, "client-1")
    with pytest.raises(TokenRefused):
        client_of(KEY, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), LIFETIME)


def test_an_old_token_is_refused_as_expired():
    with pytest.raises(TokenRefused) as refused:
        client_of(KEY, client_token(KEY, "client-1"), timedelta(seconds=-1))
    assert refused.value.expired


def test_link_secrets_are_random_and_stored_only_as_hashes():
    first, second = new_link_secret(), new_link_secret()
    assert first != second and len(first) >= 43
    assert link_hash(first) != first and len(link_hash(first)) == 64


def test_an_email_is_found_whatever_its_case_and_spacing():
    assert email_key(" Maria@Example.ORG ") == email_key("maria@example.org")


def test_a_visit_downloads_as_one_icalendar_event():
    start = datetime(2026, 3, 3, 15, tzinfo=UTC)
    text = visit_calendar("a-1", start, start + timedelta(hours=1), "Medical massage 60 min",
                          "Ana Ruiz", "booked", start - timedelta(days=1))
    [event] = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert event.decoded("dtstart") == start and str(event["status"]) == "CONFIRMED"
    cancelled = visit_calendar("a-1", start, start + timedelta(hours=1), "Massage", "Ana Ruiz",
                               "cancelled", start)
    assert "STATUS:CANCELLED" in cancelled.decode()
