"""Just before sending: stale, too late, waiting for contact details, quiet hours, opted out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.notifications.domain.decisions import LATER, SEND, Situation, decide
from services.notifications.domain.messages import (
    EMAIL,
    SKIPPED,
    SMS,
    WITHDRAWN,
    Recipient,
    choose_recipient,
    message_id_for,
    reminder_key,
    sms_reply_intent,
)
from services.notifications.domain.timing import QuietHours

NEW_YORK = ZoneInfo("America/New_York")
QUIET = QuietHours(time(21, 0), time(8, 0))
GRACE = timedelta(hours=1)
NOON = datetime(2027, 3, 15, 16, 0, tzinfo=UTC)  # 12:00 in New York
VISIT = NOON + timedelta(hours=2)
CONTACT = {"first_name": "Ann", "email": "ann@example.com", "phone": "+15551230000"}


def reminder(**changes) -> Situation:  # type: ignore[no-untyped-def]
    situation = Situation(kind="reminder", audience="client", due_at=NOON, deadline=VISIT,
                          appointment_start=VISIT, appointment_status="booked",
                          current_start=VISIT, recipient=Recipient("ann@example.com"),
                          zone=NEW_YORK)
    return replace(situation, **changes)


def test_a_current_reminder_goes_now():
    assert decide(reminder(), NOON, QUIET, GRACE).action == SEND


def test_a_reminder_of_a_cancelled_or_moved_visit_is_withdrawn():
    assert decide(reminder(appointment_status="cancelled"), NOON, QUIET, GRACE).action == WITHDRAWN
    moved = reminder(current_start=VISIT + timedelta(days=1))
    assert decide(moved, NOON, QUIET, GRACE).reason == "stale"


def test_the_cancellation_notice_itself_is_not_stale():
    notice = reminder(kind="cancelled", appointment_status="cancelled")
    assert decide(notice, NOON, QUIET, GRACE).action == SEND


def test_nothing_goes_once_the_visit_has_begun():
    decision = decide(reminder(), VISIT, QUIET, GRACE)
    assert (decision.action, decision.reason) == (SKIPPED, "too_late")


def test_a_message_waits_a_while_for_contact_details_then_gives_up():
    waiting = reminder(recipient=Recipient(None, "no_contact"), deadline=None,
                       appointment_start=None)
    first = decide(waiting, NOON, QUIET, GRACE)
    assert first.action == LATER and first.at == NOON + timedelta(minutes=1)
    late = decide(waiting, NOON + GRACE, QUIET, GRACE)
    assert (late.action, late.reason) == (SKIPPED, "no_contact")


def test_a_reminder_never_waits_for_contact_details_past_the_visit():
    soon = NOON + timedelta(minutes=30)
    waiting = reminder(recipient=Recipient(None, "no_contact"), deadline=soon,
                       appointment_start=soon, current_start=soon)
    decision = decide(waiting, soon - timedelta(seconds=30), QUIET, GRACE)
    assert decision.action == LATER and decision.at == soon


def test_inside_quiet_hours_a_message_waits_for_the_morning_or_is_not_sent():
    night = datetime(2027, 3, 16, 3, 0, tzinfo=UTC)  # 23:00 in New York
    morning_visit = datetime(2027, 3, 16, 15, 0, tzinfo=UTC)  # 11:00
    decision = decide(reminder(deadline=morning_visit, appointment_start=None), night, QUIET,
                      GRACE)
    assert decision.action == LATER
    assert decision.at.astimezone(NEW_YORK).time() == time(8, 0)
    dawn_visit = datetime(2027, 3, 16, 11, 30, tzinfo=UTC)  # 07:30
    decision = decide(reminder(deadline=dawn_visit, appointment_start=None), night, QUIET, GRACE)
    assert (decision.action, decision.reason) == (SKIPPED, "quiet_hours")


def test_a_recipient_is_chosen_by_channel_preference_and_opt_out():
    both = frozenset({EMAIL, SMS})
    assert choose_recipient(EMAIL, CONTACT, both, False).address == "ann@example.com"
    assert choose_recipient(SMS, CONTACT, both, False).address == "+15551230000"
    assert choose_recipient(SMS, CONTACT, frozenset({EMAIL}), False).reason == "preference"
    assert choose_recipient(SMS, CONTACT, both, True).reason == "opted_out"
    assert choose_recipient(SMS, {**CONTACT, "phone": None}, both, False).reason == "no_address"
    assert choose_recipient(EMAIL, None, both, False).reason == "no_contact"


def test_one_key_per_appointment_visit_time_lead_and_channel_with_a_stable_id():
    key = reminder_key("a-1", VISIT, "48h", SMS)
    assert message_id_for(key) == message_id_for(reminder_key("a-1", VISIT, "48h", SMS))
    others = {reminder_key("a-1", VISIT, "2h", SMS), reminder_key("a-1", VISIT, "48h", EMAIL),
              reminder_key("a-1", VISIT + timedelta(hours=1), "48h", SMS)}
    assert message_id_for(key) not in {message_id_for(other) for other in others}


def test_stop_and_start_words_are_recognised_as_carriers_define_them():
    assert sms_reply_intent(" stop ") == "stop"
    assert sms_reply_intent("Unsubscribe") == "stop"
    assert sms_reply_intent("START") == "start"
    assert sms_reply_intent("see you tomorrow") is None


def test_a_sign_in_link_asked_for_at_night_goes_at_once_and_not_after_it_expires():
    night = datetime(2027, 3, 16, 3, 30, tzinfo=UTC)  # 23:30 in New York
    link = Situation(kind="sign_in", audience="client", due_at=night,
                     deadline=night + timedelta(minutes=15), appointment_start=None,
                     appointment_status=None, current_start=None,
                     recipient=Recipient("ann@example.com"), zone=NEW_YORK)
    assert decide(link, night, QUIET, GRACE).action == SEND
    late = decide(link, night + timedelta(minutes=15), QUIET, GRACE)
    assert (late.action, late.reason) == (SKIPPED, "too_late")
    waiting = decide(replace(link, recipient=Recipient(None, "no_contact")), night, QUIET, GRACE)
    assert waiting.action == LATER and waiting.at <= night + timedelta(minutes=15)
