"""Every message, on every channel, says only the minimum: no diagnosis, no codes, no notes."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.messages import CHANNELS, CLINIC_KINDS, EMAIL, KINDS, SMS
from services.notifications.domain.templates import MessageContext, render, when

NEW_YORK = ZoneInfo("America/New_York")
ICD10 = re.compile(r"\b[A-TV-Z]\d[0-9A-B](\.\d{1,4})?\b")
CPT = re.compile(r"\b97\d{3}\b")
CLINICAL_WORDS = ("diagnos", "icd", "cpt", "soap", "therap", "note", "pain", "lumbar",
                  "massage", "manual", "region", "referring")


def context(**overrides) -> MessageContext:  # type: ignore[no-untyped-def]
    values = dict(first_name="Ann", clinic_name="Riverside Clinic", clinic_phone="(555) 010-0100",
                  zone=NEW_YORK, visit_at=datetime(2027, 3, 16, 14, 0, tzinfo=UTC),
                  hold_until=datetime(2027, 3, 15, 18, 0, tzinfo=UTC), end_on=date(2027, 4, 30),
                  visits_left=1, unsubscribe_url="https://n.example/unsubscribe/tok",
                  client_id="client-7", referral_id="referral-3")
    values.update(overrides)
    return MessageContext(**values)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("kind", KINDS)
def test_no_template_carries_a_diagnosis_a_code_or_a_clinical_word(kind, channel):
    rendered = render(kind, channel, context())
    text = f"{rendered.subject}\n{rendered.body}"
    assert not ICD10.search(text), text
    assert not CPT.search(text), text
    lowered = text.lower()
    assert not [word for word in CLINICAL_WORDS if word in lowered], text


@pytest.mark.parametrize("kind", [k for k in KINDS if k not in CLINIC_KINDS])
def test_client_messages_greet_by_first_name_and_give_the_clinics_phone(kind):
    for channel in CHANNELS:
        body = render(kind, channel, context()).body
        assert "Ann" in body and "(555) 010-0100" in body


def test_email_carries_the_unsubscribe_link_and_sms_how_to_stop():
    assert "https://n.example/unsubscribe/tok" in render("reminder", EMAIL, context()).body
    assert "Reply STOP" in render("reminder", SMS, context()).body


def test_the_visit_time_is_in_the_clients_zone():
    assert when(datetime(2027, 3, 16, 14, 0, tzinfo=UTC), NEW_YORK) == (
        "Tuesday, March 16 at 10:00 AM EDT")
    assert "10:00 AM EDT" in render("reminder", SMS, context()).body


def test_the_context_has_no_field_that_could_hold_clinical_details():
    names = {field.name for field in fields(MessageContext)}
    assert names == {"first_name", "clinic_name", "clinic_phone", "zone", "visit_at",
                     "hold_until", "end_on", "visits_left", "unsubscribe_url", "client_id",
                     "referral_id", "submission_id", "link", "link_until"}


def test_the_sign_in_email_carries_the_link_and_until_when_it_works():
    body = render("sign_in", EMAIL, context(
        link="https://s.example/widget/account.html#sign-in=abc", unsubscribe_url=None,
        link_until=datetime(2027, 3, 15, 18, 15, tzinfo=UTC))).body
    assert "https://s.example/widget/account.html#sign-in=abc" in body
    assert "until Monday, March 15 at 2:15 PM EDT" in body
    assert "unsubscribe" not in body.lower()


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_waitlist_offer_carries_its_answer_link(channel):
    link = "https://s.example/widget/#offer=tok"
    assert link in render("waitlist_offer", channel, context(link=link)).body
    assert "booking page" in render("waitlist_offer", channel, context()).body


def test_the_clinic_is_told_which_intake_waits():
    body = render("intake_waiting", EMAIL, context(submission_id="in-9")).body
    assert "in-9" in body and "client-7" in body
