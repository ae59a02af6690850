"""Bounces, delivery reports, STOP, unsubscribe links, preferences, provider and server faults,
waitlist offers and referral notices: recorded and readable through the staff API."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import requests

from deploy.kafka.local import free_port
from services.notifications.domain.links import provider_signature
from services.notifications.workers.sender import MessageSender
from tests.integration.notifications.conftest import UNDELIVERABLE, Notifications
from tests.integration.notifications.support import (
    booked_event,
    contact_event,
    deliver,
    exhausted_event,
    expiring_event,
    new_id,
    offer_closed_event,
    offered_event,
    rows_for,
)
from tests.integration.notifications.test_reminders import mail_to, send_all_due, texts_to
from tests.support.http import auth
from tests.support.waiting import wait_for


def book(n: Notifications, **contact: str) -> str:
    client_id = new_id("client")
    deliver(n.engine, n.config, contact_event(client_id, **contact),
            booked_event(client_id, new_id("appt"), n.clock.now + timedelta(days=3)))
    return client_id


def states(n: Notifications, client_id: str, kind: str = "booked") -> dict[str, tuple]:  # type: ignore[type-arg]
    return {row.channel: (row.state, row.reason) for row in rows_for(n.engine, client_id)
            if row.kind == kind}


def test_a_refused_recipient_is_recorded_bounced_and_staff_can_find_it(
        notifications: Notifications):
    n = notifications
    client_id = book(n, email="bounce-me@example.com")
    send_all_due(n)
    state, reason = states(n, client_id)["email"]
    assert state == "bounced" and reason.startswith("SMTP 550")
    answer = n.http.get(f"/messages?state=bounced&client_id={client_id}",
                        headers=auth("front_desk"))
    assert answer.status_code == 200
    (message,) = answer.get_json()["messages"]
    assert message["recipient"] == "bounce-me@example.com" and message["kind"] == "booked"
    assert n.http.get("/messages").status_code == 401
    assert n.http.get("/messages", headers=auth("therapist")).status_code == 403
    bad = n.http.get("/messages?state=lost&limit=0", headers=auth("front_desk"))
    assert bad.status_code == 400 and set(bad.get_json()["errors"]) == {"state", "limit"}


def test_the_providers_delivery_reports_are_recorded(notifications: Notifications):
    n = notifications
    delivered, lost = book(n), book(n, phone=UNDELIVERABLE)
    send_all_due(n)
    wait_for(lambda: states(n, delivered)["sms"][0] == "delivered", timeout=10)
    wait_for(lambda: states(n, lost)["sms"][0] == "failed", timeout=10)
    assert "unreachable" in states(n, lost)["sms"][1]


def test_a_delivery_report_without_the_providers_signature_changes_nothing(
        notifications: Notifications):
    n = notifications
    client_id = book(n)
    send_all_due(n)
    (row,) = [r for r in rows_for(n.engine, client_id) if r.kind == "booked" and r.channel == "sms"]
    body = f'{{"id": "{row.provider_id}", "reference": "{row.message_id}", "status": "failed"}}'
    forged = requests.post(f"{n.config.public_url}/sms/status", data=body, timeout=5,
                           headers={"Content-Type": "application/json",
                                    "X-Sandbox-Signature": "0" * 64})
    assert forged.status_code == 400
    wait_for(lambda: states(n, client_id)["sms"][0] == "delivered", timeout=10)


def test_stop_from_the_phone_opts_it_out_of_sms_but_not_email(notifications: Notifications):
    n = notifications
    phone = "+15551230202"
    requests.post(f"{n.sms.url}/v1/_inbound", json={"from": phone, "body": "STOP"}, timeout=5)
    client_id = book(n, phone=phone)
    send_all_due(n)
    assert states(n, client_id) == {"email": ("sent", None), "sms": ("skipped", "opted_out")}
    assert texts_to(n, phone) == []
    listed = n.http.get(f"/opt-outs?address=%2B{phone[1:]}", headers=auth("front_desk"))
    assert [(o["channel"], o["how"]) for o in listed.get_json()["opt_outs"]] == [("sms", "stop")]
    (skipped,) = [r for r in rows_for(n.engine, client_id) if r.kind == "booked"
                  and r.channel == "sms"]
    one = n.http.get(f"/messages/{skipped.message_id}", headers=auth("front_desk")).get_json()
    assert (one["state"], one["reason"]) == ("skipped", "opted_out")
    assert n.http.get("/messages/nope", headers=auth("front_desk")).status_code == 404
    signed = b'{"from": "+15551230202", "body": "START"}'
    answer = requests.post(f"{n.config.public_url}/sms/inbound", data=signed, timeout=5, headers={
        "Content-Type": "application/json",
        "X-Sandbox-Signature": provider_signature(n.config.sms_callback_secret, signed)})
    assert answer.json() == {"intent": "start"}


def test_the_unsubscribe_link_works_without_a_login_and_stops_email(
        notifications: Notifications):
    n = notifications
    client_id = book(n)
    send_all_due(n)
    (mail,) = mail_to(n, f"ann.{client_id}@example.com")
    link = re.search(r"<(.+)>", str(mail.message["List-Unsubscribe"])).group(1)  # type: ignore[union-attr]
    assert link in mail.message.get_body(("plain",)).get_content()
    page = requests.get(link, timeout=5)
    assert page.status_code == 200 and "<form" in page.text and "<button" in page.text
    one_click = requests.post(link, data="List-Unsubscribe=One-Click", timeout=5,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert one_click.status_code == 200 and "Unsubscribed" in one_click.text
    assert requests.post(link.replace("/unsubscribe/", "/unsubscribe/x"), timeout=5
                         ).status_code == 400
    deliver(n.engine, n.config,
            booked_event(client_id, new_id("appt"), n.clock.now + timedelta(days=4)))
    send_all_due(n)
    assert len(mail_to(n, f"ann.{client_id}@example.com")) == 1
    newest = [row for row in rows_for(n.engine, client_id) if row.kind == "booked"
              and row.channel == "email" and row.state == "skipped"]
    assert [row.reason for row in newest] == ["opted_out"]


def test_preferences_choose_the_channel_of_each_kind_of_message(notifications: Notifications):
    n = notifications
    client_id = new_id("client")
    url = f"/clients/{client_id}/preferences"
    assert n.http.get(url, headers=auth("front_desk")).get_json()["reminders"] == ["email", "sms"]
    chosen = n.http.put(url, json={"appointment_changes": ["sms"]}, headers=auth("front_desk"))
    assert chosen.status_code == 200 and chosen.get_json()["appointment_changes"] == ["sms"]
    bad = n.http.put(url, json={"reminders": ["pigeon"]}, headers=auth("front_desk"))
    assert bad.status_code == 400 and "reminders" in bad.get_json()["errors"]
    assert n.http.put(url, json={}, headers=auth("front_desk")).status_code == 400
    assert n.http.put(url, json={"waitlist": []}, headers=auth("billing")).status_code == 403
    deliver(n.engine, n.config, contact_event(client_id),
            booked_event(client_id, new_id("appt"), n.clock.now + timedelta(days=3)))
    send_all_due(n)
    chosen_states = states(n, client_id)
    assert chosen_states["email"] == ("skipped", "preference")
    assert chosen_states["sms"][0] in ("sent", "delivered")


def test_an_sms_provider_that_fails_for_a_while_still_texts_once(notifications: Notifications):
    n = notifications
    phone = "+15551230303"
    requests.post(f"{n.sms.url}/v1/_faults", json={"mode": "503", "count": 2}, timeout=5)
    book(n, phone=phone)
    send_all_due(n)
    assert len(texts_to(n, phone)) == 1
    # Slower than the adapter waits: the provider takes it anyway, the retry is recognised.
    other = "+15551230304"
    requests.post(f"{n.sms.url}/v1/_faults", json={"mode": "slow", "seconds": 1.5}, timeout=5)
    book(n, phone=other)
    send_all_due(n)
    assert len(texts_to(n, other)) == 1


def test_a_mail_server_that_is_down_leaves_the_email_for_a_later_try(
        notifications: Notifications):
    n = notifications
    down = replace(n.config, smtp_port=free_port())
    client_id = book(n)
    MessageSender(n.engine, down).run_round()
    state, reason = states(n, client_id)["email"]
    assert state == "scheduled" and "ConnectionRefused" in reason
    n.clock.move_to(n.clock.now + timedelta(seconds=2))
    send_all_due(n)
    assert states(n, client_id)["email"][0] == "sent"


def test_a_waitlist_offer_says_how_long_the_slot_is_held(notifications: Notifications):
    n = notifications
    client_id = new_id("client")
    start = n.clock.now + timedelta(days=2)
    deliver(n.engine, n.config, contact_event(client_id),
            offered_event(client_id, start, n.clock.now + timedelta(hours=2)))
    send_all_due(n)
    (mail,) = mail_to(n, f"ann.{client_id}@example.com")
    assert "We hold it for you until" in mail.message.get_body(("plain",)).get_content()


def test_an_offer_closed_before_it_was_sent_is_not_sent(notifications: Notifications):
    n = notifications
    client_id = new_id("client")
    offered = offered_event(client_id, n.clock.now + timedelta(days=2),
                            n.clock.now + timedelta(hours=2))
    deliver(n.engine, n.config, offered, offer_closed_event(offered, "withdrawn"),
            contact_event(client_id))
    send_all_due(n)
    assert mail_to(n, f"ann.{client_id}@example.com") == []
    assert {(row.state, row.reason) for row in rows_for(n.engine, client_id)} == {
        ("cancelled", "withdrawn")}


def test_referral_notices_go_to_the_client_and_a_renewal_request_to_the_clinic(
        notifications: Notifications):
    n = notifications
    client_id, referral_id = new_id("client"), new_id("referral")
    deliver(n.engine, n.config, contact_event(client_id),
            expiring_event(client_id, referral_id, date.today() + timedelta(days=10)),
            exhausted_event(client_id, referral_id, 1))
    send_all_due(n)
    subjects = sorted(m.message["Subject"] for m in mail_to(n, f"ann.{client_id}@example.com"))
    assert subjects == ["Your prescription for Riverside Clinic ends soon",
                        "Your prescription for Riverside Clinic is almost used"]
    to_clinic = [m for m in mail_to(n, n.config.clinic_email) if referral_id in m.message.get_body(
        ("plain",)).get_content()]
    assert len(to_clinic) == 2
    assert all(m.message["List-Unsubscribe"] is None for m in to_clinic)
