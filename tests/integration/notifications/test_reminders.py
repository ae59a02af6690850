"""Confirmations and reminders reach a real SMTP server and the sandbox SMS provider once
each, at the right times, whatever order the events come in."""

from __future__ import annotations

from datetime import timedelta

import requests

from tests.integration.notifications.conftest import Notifications
from tests.integration.notifications.support import (
    again,
    at,
    booked_event,
    cancelled_event,
    contact_event,
    deliver,
    new_id,
    rescheduled_event,
    rows_for,
)
from tests.support.waiting import wait_for


def mail_to(n: Notifications, address: str) -> list:  # type: ignore[type-arg]
    return [m for m in n.smtp.mailbox.received() if address in m.rcpt_tos]


def texts_to(n: Notifications, phone: str) -> list[dict]:  # type: ignore[type-arg]
    return [t for t in requests.get(f"{n.sms.url}/v1/messages", timeout=5).json()["messages"]
            if t["to"] == phone]


def send_all_due(n: Notifications) -> None:
    while n.send_due():
        pass


def booked_client(n: Notifications, days_ahead: int = 3, phone: str = "+15551230001"):  # type: ignore[no-untyped-def]
    client_id, appointment_id = new_id("client"), new_id("appt")
    start = (n.clock.now + timedelta(days=days_ahead)).replace(microsecond=0)
    deliver(n.engine, n.config, contact_event(client_id, phone=phone),
            booked_event(client_id, appointment_id, start))
    return client_id, appointment_id, start, f"ann.{client_id}@example.com"


def test_a_booking_is_confirmed_then_reminded_48_and_2_hours_before_once_per_channel(
        notifications: Notifications):
    n = notifications
    phone = "+15551230101"
    client_id, _, start, email = booked_client(n, phone=phone)
    send_all_due(n)
    (confirmation,) = mail_to(n, email)
    message = confirmation.message
    assert message["Subject"] == "Your appointment at Riverside Clinic is booked"
    assert str(message["Message-ID"]).strip().startswith("<") and "@" in message["Message-ID"]
    assert message["List-Unsubscribe"].startswith(f"<{n.config.public_url}/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Hi Ann" in message.get_body(("plain",)).get_content()
    assert len(texts_to(n, phone)) == 1
    n.clock.move_to(start - timedelta(hours=48))
    send_all_due(n)
    n.clock.move_to(start - timedelta(hours=47))
    send_all_due(n)  # nothing more: the 48 h reminder went
    assert len(mail_to(n, email)) == 2 and len(texts_to(n, phone)) == 2
    n.clock.move_to(start - timedelta(hours=2))
    send_all_due(n)
    n.clock.move_to(start - timedelta(minutes=1))
    send_all_due(n)
    subjects = [m.message["Subject"] for m in mail_to(n, email)]
    assert subjects == ["Your appointment at Riverside Clinic is booked",
                        "Reminder: your appointment at Riverside Clinic",
                        "Reminder: your appointment at Riverside Clinic"]
    assert len(texts_to(n, phone)) == 3
    ids = [m.message["Message-ID"] for m in mail_to(n, email)]
    assert len(set(ids)) == 3
    states = {(row.kind, row.channel, row.state) for row in rows_for(n.engine, client_id)}
    assert ("reminder", "email", "sent") in states
    assert states & {("booked", "sms", "sent"), ("booked", "sms", "delivered")}


def test_a_booking_delivered_twice_under_new_event_ids_is_confirmed_once(
        notifications: Notifications):
    n = notifications
    client_id, appointment_id, start = new_id("client"), new_id("appt"), n.clock.now + timedelta(
        days=3)
    booked = booked_event(client_id, appointment_id, start)
    deliver(n.engine, n.config, contact_event(client_id), booked, booked, again(booked))
    send_all_due(n)
    assert len(mail_to(n, f"ann.{client_id}@example.com")) == 1
    assert len(rows_for(n.engine, client_id)) == 6  # 2 confirmations + 2 leads x 2 channels


def test_a_cancellation_before_its_booking_leaves_nothing_to_send(notifications: Notifications):
    n = notifications
    client_id, appointment_id = new_id("client"), new_id("appt")
    start = n.clock.now + timedelta(days=3)
    booked = booked_event(client_id, appointment_id, start)
    cancelled = at(cancelled_event(client_id, appointment_id), booked.time + timedelta(seconds=5))
    deliver(n.engine, n.config, contact_event(client_id), cancelled, booked)
    for moment in (n.clock.now, start - timedelta(hours=48), start - timedelta(hours=2)):
        n.clock.move_to(moment)
        send_all_due(n)
    assert mail_to(n, f"ann.{client_id}@example.com") == []
    assert rows_for(n.engine, client_id) == []


def test_a_cancelled_appointment_gets_a_notice_and_no_reminder(notifications: Notifications):
    n = notifications
    client_id, appointment_id, start, email = booked_client(n)
    deliver(n.engine, n.config, cancelled_event(client_id, appointment_id))
    send_all_due(n)
    n.clock.move_to(start - timedelta(hours=2))
    send_all_due(n)
    subjects = [m.message["Subject"] for m in mail_to(n, email)]
    assert subjects == ["Your appointment at Riverside Clinic is cancelled"]
    states = {(row.kind, row.state) for row in rows_for(n.engine, client_id)}
    assert ("reminder", "cancelled") in states and ("booked", "cancelled") in states


def test_a_moved_appointment_is_reminded_for_its_new_time_only(notifications: Notifications):
    n = notifications
    client_id, appointment_id, start, email = booked_client(n)
    send_all_due(n)
    later = start + timedelta(days=2)
    deliver(n.engine, n.config, rescheduled_event(client_id, appointment_id, later, start))
    send_all_due(n)
    n.clock.move_to(start - timedelta(hours=2))
    send_all_due(n)
    assert [m.message["Subject"] for m in mail_to(n, email)] == [
        "Your appointment at Riverside Clinic is booked",
        "Your appointment at Riverside Clinic has moved"]
    n.clock.move_to(later - timedelta(hours=48))
    send_all_due(n)
    reminders = [m for m in mail_to(n, email) if m.message["Subject"].startswith("Reminder")]
    assert len(reminders) == 1


def test_a_booking_older_than_the_reschedule_it_arrives_after_changes_nothing(
        notifications: Notifications):
    n = notifications
    client_id, appointment_id = new_id("client"), new_id("appt")
    start = n.clock.now + timedelta(days=3)
    later = start + timedelta(days=1)
    booked = booked_event(client_id, appointment_id, start)
    moved = at(rescheduled_event(client_id, appointment_id, later, start),
               booked.time + timedelta(seconds=5))
    deliver(n.engine, n.config, contact_event(client_id), moved, booked)
    starts = {row.appointment_start for row in rows_for(n.engine, client_id)}
    assert starts == {later}


def test_contact_details_arriving_after_the_booking_send_the_confirmation_at_once(
        notifications: Notifications):
    n = notifications
    client_id, appointment_id = new_id("client"), new_id("appt")
    deliver(n.engine, n.config,
            booked_event(client_id, appointment_id, n.clock.now + timedelta(days=3)))
    send_all_due(n)
    waiting = {row.reason for row in rows_for(n.engine, client_id) if row.kind == "booked"}
    assert waiting == {"waiting_for_contact"}
    deliver(n.engine, n.config, contact_event(client_id))
    send_all_due(n)  # the same moment: not at the next minute's retry
    assert len(mail_to(n, f"ann.{client_id}@example.com")) == 1


def test_a_message_whose_contact_never_comes_is_skipped_after_the_grace(
        notifications: Notifications):
    n = notifications
    client_id = new_id("client")
    deliver(n.engine, n.config,
            booked_event(client_id, new_id("appt"), n.clock.now + timedelta(days=3)))
    n.clock.move_to(n.clock.now + n.config.contact_grace + timedelta(seconds=1))
    send_all_due(n)
    booked = {row.state for row in rows_for(n.engine, client_id) if row.kind == "booked"}
    assert booked == {"skipped"}


def test_an_older_contact_does_not_overwrite_a_newer_one(notifications: Notifications):
    n = notifications
    client_id = new_id("client")
    deliver(n.engine, n.config, contact_event(client_id, 2, email="new@example.com"),
            contact_event(client_id, 1, email="old@example.com"),
            booked_event(client_id, new_id("appt"), n.clock.now + timedelta(days=3)))
    send_all_due(n)
    assert len(mail_to(n, "new@example.com")) == 1 and mail_to(n, "old@example.com") == []


def test_a_time_zone_that_arrives_later_retimes_whole_day_reminders(
        notifications: Notifications):
    n = notifications
    client_id, appointment_id = new_id("client"), new_id("appt")
    start = (n.clock.now + timedelta(days=5)).replace(microsecond=0)
    deliver(n.engine, n.config, booked_event(client_id, appointment_id, start),
            contact_event(client_id, time_zone="Asia/Tokyo"))
    (reminder,) = [r for r in rows_for(n.engine, client_id)
                   if r.kind == "reminder" and r.lead_minutes == 48 * 60 and r.channel == "sms"]
    assert start - reminder.due_at == timedelta(hours=48)  # Tokyo keeps no summer time


def test_quiet_hours_hold_a_text_until_the_morning(notifications: Notifications):
    n = notifications
    from dataclasses import replace
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from services.notifications.domain.timing import QuietHours
    from services.notifications.workers.sender import MessageSender

    zone = ZoneInfo("America/New_York")
    night = datetime.combine(n.clock.now.astimezone(zone).date() + timedelta(days=1),
                             time(23, 0), tzinfo=zone)
    n.clock.move_to(night)
    quiet = replace(n.config, quiet_hours=QuietHours(time(21, 0), time(8, 0)))
    sender = MessageSender(n.engine, quiet)
    client_id = new_id("client")
    deliver(n.engine, quiet, contact_event(client_id),
            booked_event(client_id, new_id("appt"), night + timedelta(days=2)))
    sender.run_round()
    held = {row.channel: row for row in rows_for(n.engine, client_id) if row.kind == "booked"}
    assert held["sms"].state == "scheduled" and held["sms"].reason == "quiet_hours"
    assert held["sms"].due_at.astimezone(zone).time() == time(8, 0)
    n.clock.move_to(held["sms"].due_at)
    sender.run_round()
    wait_for(lambda: texts_to(n, "+15551230001"), timeout=5)
