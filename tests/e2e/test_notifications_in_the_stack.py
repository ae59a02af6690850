"""The stack as ``make run`` starts it: a booking made through scheduling reaches the client
by email (read back from the SMTP sink's page) and by SMS (from the sandbox provider), once."""

from __future__ import annotations

import uuid

import requests

from tests.e2e.test_clinic_flow import (  # noqa: F401 - the module's clinic fixture
    Clinic,
    book,
    clinic,
    refer,
    register,
    screen,
    wait_until_bookable,
)
from tests.support.http import auth
from tests.support.waiting import wait_for

PHONE = "+12025550143"


def test_a_booking_reaches_the_client_by_email_and_sms_once(clinic: Clinic):  # noqa: F811
    stack = clinic.stack
    email = f"ann.{uuid.uuid4().hex[:8]}@example.com"
    # Screening publishes the client's contact details (screening.client.contact) for
    # notifications with the registration.
    client_id = register(clinic, contact={"email": email, "phone": PHONE,
                                          "time_zone": "America/New_York"})
    assert screen(clinic, client_id, {}) == "cleared"
    refer(clinic, client_id)
    wait_until_bookable(clinic, client_id)
    appointment = book(clinic, client_id)

    def mail() -> list[dict]:  # type: ignore[type-arg]
        sent = requests.get(f"{stack.url('mail')}/messages", timeout=5).json()["messages"]
        return [m for m in sent if email in m["to"]]

    (confirmation,) = wait_for(mail, timeout=60, interval=0.5, what="the confirmation email")
    assert confirmation["subject"].endswith("is booked")
    assert confirmation["list_unsubscribe"].startswith(f"<{stack.url('notifications')}/")
    texts = requests.get(f"{stack.url('sms')}/v1/messages", timeout=5).json()["messages"]
    assert len([t for t in texts if t["to"] == PHONE]) == 1
    logged = requests.get(f"{stack.url('notifications')}/messages",
                          params={"appointment_id": appointment["id"], "kind": "booked"},
                          headers=auth("front_desk"), timeout=5).json()["messages"]
    assert {m["channel"] for m in logged} == {"email", "sms"}
    page = requests.get(f"{stack.url('mail')}/", timeout=5)
    assert page.status_code == 200 and confirmation["subject"] in page.text
