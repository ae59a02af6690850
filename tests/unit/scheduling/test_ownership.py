"""Whose session a caller may complete, and when: the rules behind issue #17, finding B."""

from datetime import timedelta

import pytest

from services.scheduling.domain.care import is_own, sees_every_calendar, sees_every_note
from services.scheduling.domain.completion import (
    NOT_OWN_APPOINTMENT,
    NOT_STARTED,
    Completer,
    admin_overrides,
)
from services.scheduling.domain.errors import ChangeRefused, NotFound
from shared.errors import InvalidInput
from tests.unit.scheduling.builders import an_appointment, local

START = local(2026, 3, 10, 10)
STARTED = START + timedelta(minutes=5)
EARLY = START - timedelta(minutes=1)
ANA = "ana.ruiz"


def overrides(completer, now=STARTED, therapist_subject=ANA, status="booked"):  # type: ignore[no-untyped-def]
    return admin_overrides(an_appointment(START, status=status), therapist_subject, completer,
                           now)


def test_the_appointments_own_therapist_completes_it_once_started():
    assert overrides(Completer(ANA, is_admin=False)) == ()


def test_another_therapists_appointment_is_not_found_for_a_therapist():
    with pytest.raises(NotFound):
        overrides(Completer("ben.cole", is_admin=False))
    with pytest.raises(NotFound):  # no login linked: nobody's own
        overrides(Completer(ANA, is_admin=False), therapist_subject=None)


def test_a_visit_not_yet_started_is_refused_even_to_its_therapist():
    with pytest.raises(ChangeRefused) as refused:
        overrides(Completer(ANA, is_admin=False), now=EARLY)
    assert refused.value.reasons == [NOT_STARTED]


def test_a_therapist_cannot_ask_for_an_override():
    with pytest.raises(InvalidInput) as refused:
        overrides(Completer(ANA, is_admin=False, override_reason="please"), now=EARLY)
    assert "admin_override_reason" in refused.value.errors


def test_an_admin_goes_past_both_rules_only_with_a_reason():
    with pytest.raises(ChangeRefused) as refused:
        overrides(Completer("owner", is_admin=True), now=EARLY)
    assert refused.value.reasons == [NOT_OWN_APPOINTMENT, NOT_STARTED]
    admin = Completer("owner", is_admin=True, override_reason="chart entered late")
    assert overrides(admin, now=EARLY) == (NOT_OWN_APPOINTMENT, NOT_STARTED)
    assert overrides(admin) == (NOT_OWN_APPOINTMENT,)


def test_a_visit_no_longer_booked_is_refused_before_anything_else():
    with pytest.raises(ChangeRefused) as refused:
        overrides(Completer(ANA, is_admin=False), status="completed", now=EARLY)
    assert refused.value.reasons == ["already_completed"]


def test_roles_see_every_calendar_or_note_as_documented():
    assert is_own(ANA, ANA) and not is_own(None, ANA) and not is_own("ben", ANA)
    assert sees_every_calendar({"front_desk"}) and sees_every_calendar({"admin"})
    assert not sees_every_calendar({"therapist"})
    assert sees_every_note({"admin"}) and not sees_every_note({"therapist", "front_desk"})
