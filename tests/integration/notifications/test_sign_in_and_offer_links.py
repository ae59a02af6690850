"""Links that are credentials: the client's sign-in link and a waitlist offer's answer link
reach the client (real SMTP server, sandbox SMS provider), and are not kept after."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from services.notifications.domain.timing import QuietHours
from services.notifications.workers.sender import MessageSender
from tests.integration.notifications.conftest import Notifications
from tests.integration.notifications.support import (
    again,
    contact_event,
    deliver,
    intake_submitted_event,
    new_id,
    offered_event,
    rows_for,
    sign_in_link_event,
)
from tests.support.http import auth

STAFF = auth("front_desk", "frontdesk-1")
NEW_YORK = ZoneInfo("America/New_York")
LINK = "http://127.0.0.1:8002/widget/account.html#sign-in=s3cr3t-l1nk-0123456789"


def mail_to(n: Notifications, address: str) -> list:  # type: ignore[type-arg]
    return [m for m in n.smtp.mailbox.received() if address in m.rcpt_tos]


def texts_to(n: Notifications, phone: str) -> list[dict]:  # type: ignore[type-arg]
    return [t for t in requests.get(f"{n.sms.url}/v1/messages", timeout=5).json()["messages"]
            if t["to"] == phone]


def body_of(received) -> str:  # type: ignore[no-untyped-def]
    return received.message.get_content()


def test_a_sign_in_link_asked_for_at_night_is_emailed_at_once_and_only_by_email(
        notifications: Notifications, caplog: pytest.LogCaptureFixture):
    n = notifications
    night = datetime.combine(n.clock.now.astimezone(NEW_YORK).date() + timedelta(days=1),
                             time(23, 30), tzinfo=NEW_YORK)
    n.clock.move_to(night)
    quiet = replace(n.config, quiet_hours=QuietHours(time(21, 0), time(8, 0)))
    client_id, phone = new_id("client"), "+15551230042"
    # Asked for twice (two events), the same event delivered twice: two emails, no text.
    first = sign_in_link_event(client_id, LINK, night + timedelta(minutes=15))
    second = sign_in_link_event(client_id, LINK + "x", night + timedelta(minutes=15))
    deliver(n.engine, quiet, contact_event(client_id, phone=phone), first, first, second)
    with caplog.at_level("DEBUG"):
        while MessageSender(n.engine, quiet).run_round():
            pass
    [one, two] = mail_to(n, f"ann.{client_id}@example.com")
    assert LINK in body_of(one) and LINK + "x" in body_of(two)
    assert "11:45 PM" in body_of(one)  # until when, in the client's zone
    assert "unsubscribe" not in body_of(one).lower()
    assert not texts_to(n, phone)
    ours = [r.getMessage() + str(r.__dict__) for r in caplog.records
            if r.name.startswith(("services.", "shared."))]  # not the test's own SMTP server
    assert ours and not [line for line in ours if "s3cr3t" in line]  # the link is never logged
    for row in rows_for(n.engine, client_id):
        assert row.state == "sent" and "s3cr3t" not in row.details  # nor kept once sent
        assert n.http.get(f"/messages/{row.message_id}", headers=STAFF).status_code == 200


def test_a_sign_in_link_that_expired_before_it_could_go_is_not_sent(
        notifications: Notifications):
    n = notifications
    client_id = new_id("client")
    deliver(n.engine, n.config, sign_in_link_event(client_id, LINK,
                                                    n.clock.now + timedelta(minutes=15)))
    n.clock.move_to(n.clock.now + timedelta(minutes=16))  # the contact never came in time
    deliver(n.engine, n.config, contact_event(client_id))
    n.send_due()
    [row] = rows_for(n.engine, client_id)
    assert (row.state, row.reason) == ("skipped", "too_late")
    assert "s3cr3t" not in row.details
    assert not mail_to(n, f"ann.{client_id}@example.com")


def test_an_unsubscribed_client_still_gets_the_sign_in_link_they_asked_for(
        notifications: Notifications):
    n = notifications
    client_id = new_id("client")
    address = f"ann.{client_id}@example.com"
    deliver(n.engine, n.config, contact_event(client_id))
    response = n.http.put(f"/clients/{client_id}/preferences", headers=STAFF,
                          json={"reminders": [], "appointment_changes": [], "waitlist": [],
                                "referral": []})
    assert response.status_code == 200, response.json
    deliver(n.engine, n.config, sign_in_link_event(client_id, LINK,
                                                   n.clock.now + timedelta(minutes=15)))
    n.send_due()
    [mail] = mail_to(n, address)
    assert LINK in body_of(mail)


def test_a_waitlist_offer_gives_its_answer_link_by_email_and_text(notifications: Notifications):
    n = notifications
    client_id, phone = new_id("client"), "+15551230043"
    link = "http://127.0.0.1:8002/widget/#offer=0ff3r-t0k3n-0123456789"
    start = (n.clock.now + timedelta(days=2)).replace(microsecond=0)
    deliver(n.engine, n.config, contact_event(client_id, phone=phone),
            offered_event(client_id, start, n.clock.now + timedelta(hours=1), link))
    n.send_due()
    [mail] = mail_to(n, f"ann.{client_id}@example.com")
    assert link in body_of(mail)
    [text] = texts_to(n, phone)
    assert link in text["body"]
    assert all("0ff3r" not in row.details for row in rows_for(n.engine, client_id))


def test_the_front_desk_hears_once_of_an_intake_waiting_for_them(notifications: Notifications):
    n = notifications
    client_id, submission_id = new_id("client"), new_id("in")
    submitted = intake_submitted_event(client_id, submission_id)
    deliver(n.engine, n.config, submitted, again(submitted))
    n.send_due()
    [mail] = mail_to(n, n.config.clinic_email)
    assert submission_id in body_of(mail) and client_id in body_of(mail)
    [row] = rows_for(n.engine, client_id)
    assert json.loads(row.details) == {"submission_id": submission_id}
