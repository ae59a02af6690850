"""The whole client journey (issue #14 item 7) in headless Chromium against the real stack:
every service its own process, events through real Kafka, mail through the stack's SMTP
sink (read back from its page's JSON), texts through the sandbox SMS provider.

A new client sends their intake in screening's page -> the front desk confirms the pending
screening and records the referral (API) -> the client signs in with the link emailed to
them and books in the self-service page -> the booking confirmation, and two days before
the visit (the stack's clinic clock moved there) the reminder, reach the SMTP server
-> they move the visit -> the time they freed is offered to another client on the waitlist,
who takes it through the link in their email (also texted) on the widget's offer page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from deploy import demo
from deploy.kafka import Broker
from deploy.stack import Stack
from tests.e2e.browser import focus_is_visible, no_serious_violations
from tests.e2e.support import EVENTS_TIMEOUT, live_until, running_stack
from tests.e2e.test_client_self_service import choose_day, fill_intake
from tests.e2e.test_clinic_flow import Clinic, letters, refer, screen, wait_until_bookable
from tests.support.http import staff_token
from tests.support.waiting import wait_for

ROSA = "rosa@example.org"  # the new client (fill_intake's answers)
LEE_PHONE = "+15185550177"
SERVICE = "Medical massage 60 min"
# Refused requests a page makes on purpose are not errors of the page.
EXPECTED = tuple(f"Failed to load resource: the server responded with a status of {status}"
                 for status in (401, 404))


@pytest.fixture(scope="module")
def e2e_stack(kafka_broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack with a waitlist worker that looks every second (15 s in production)."""
    with running_stack(kafka_broker.bootstrap_servers, tmp_path_factory.mktemp("journey"),
                       env={"SCHEDULING_WAITLIST_INTERVAL_SECONDS": "1"}) as stack:
        yield stack


@pytest.fixture(scope="module")
def clinic(e2e_stack: Stack) -> Clinic:
    loaded = demo.load_demo_data({name: e2e_stack.url(name) for name in e2e_stack.ports},
                                 staff_token("e2e-admin", "admin"))
    return Clinic(e2e_stack, loaded.services)


def open_page(browser: Browser) -> tuple[Page, list[str]]:
    """A fresh context (another person's browser); script errors and CSP violations kept."""
    context = browser.new_context(timezone_id="Europe/Berlin", locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.text.startswith(EXPECTED) else None)
    return page, problems


def mail_to(stack: Stack, address: str, subject: str) -> list[dict[str, Any]]:
    """What the stack's SMTP sink received for ``address`` with ``subject`` in its subject."""
    sent = requests.get(f"{stack.url('mail')}/messages", timeout=5).json()["messages"]
    return [m for m in sent if address in m["to"] and subject in (m["subject"] or "")]


def wait_for_mail(stack: Stack, address: str, subject: str) -> dict[str, Any]:
    return wait_for(lambda: mail_to(stack, address, subject), EVENTS_TIMEOUT, 0.25,
                    f"{subject!r} to {address}")[-1]


def link_in(text: str, fragment: str) -> str:
    [link] = re.findall(rf"https?://\S+#{fragment}=[\w-]+", text)
    return link


def appointments_of(clinic: Clinic, client_id: str) -> list[dict[str, Any]]:
    return clinic.call("front_desk", "GET", "scheduling", "/appointments",
                       params={"client_id": client_id})


def send_intake(page: Page, clinic: Clinic) -> None:
    page.goto(f"{clinic.stack.url('screening')}/intake/")
    expect(page.get_by_role("heading", name="New client intake")).to_be_visible()
    fill_intake(page)
    page.get_by_role("button", name="Send my intake").click()
    expect(page.locator("#result-heading")).to_have_text(
        "Thank you, your answers are with the clinic")


def confirm_intake(clinic: Clinic) -> str:
    """The front desk confirms Rosa's pending screening and records her referral."""
    pending = wait_for(lambda: [s for s in clinic.call(
        "front_desk", "GET", "screening", "/intake-submissions")["submissions"]
        if s["last_name"] == "Delgado"], EVENTS_TIMEOUT, 0.25, "the pending intake")
    [rosa] = pending
    client_id = rosa["client_id"]
    # The secondary insurance from the page is on her record, where claims read it.
    record = clinic.call("front_desk", "GET", "screening", f"/clients/{client_id}")
    assert record["secondary_coverage"]["payer_id"] == "87726"
    confirmed = clinic.call("front_desk", "POST", "screening",
                            f"/intake-submissions/{rosa['submission_id']}/confirm", expect=201)
    assert confirmed["outcome"] == "cleared"
    refer(clinic, client_id)
    return client_id


def a_waiting_client(clinic: Clinic) -> tuple[str, str]:
    """Lee: registered, screened and referred by the front desk, on the waitlist for any
    hour with anyone. Returns (client id, email)."""
    email = f"lee.{letters().lower()}@example.org"
    body = {"first_name": "Lee", "last_name": letters(), "birth_date": "1968-09-02", "sex": "M",
            "address": {"line1": "9 Elm St", "line2": None, "city": "Albany", "state": "NY",
                        "postal_code": "12207"},
            "phone": LEE_PHONE, "email": email, "time_zone": demo.TIME_ZONE,
            "coverage": {"payer_id": demo.ACME.payer_id, "payer_name": demo.ACME.name,
                         "member_id": "L0077", "group_number": None,
                         "relationship_to_subscriber": "self", "subscriber": None}}
    client_id = clinic.call("front_desk", "POST", "screening", "/clients", body, 201)["client_id"]
    assert screen(clinic, client_id, {}) == "cleared"
    refer(clinic, client_id)
    wait_until_bookable(clinic, client_id)
    clinic.call("front_desk", "POST", "scheduling", "/waitlist",
                {"client_id": client_id, "service_id": clinic.hour_service}, expect=201)
    return client_id, email


def test_a_new_client_books_moves_and_the_freed_time_goes_to_the_waitlist(
        browser: Browser, clinic: Clinic):
    stack = clinic.stack
    scheduling = stack.url("scheduling")
    rosa_page, rosa_problems = open_page(browser)

    # -- intake in the page, confirmed by the front desk -----------------------------------
    send_intake(rosa_page, clinic)
    rosa_id = confirm_intake(clinic)
    wait_until_bookable(clinic, rosa_id)
    # The front desk heard of the intake waiting for them.
    wait_for_mail(stack, "frontdesk@clinic.example", "New client intake to confirm")

    # -- she signs in with the link notifications emailed her ------------------------------
    rosa_page.goto(f"{scheduling}/widget/account.html")
    rosa_page.get_by_label("Your email address", exact=True).fill(ROSA)
    rosa_page.keyboard.press("Enter")
    expect(rosa_page.locator("#status")).to_contain_text("a sign-in link is on its way")
    sign_in = wait_for_mail(stack, ROSA, "Your sign-in link")
    assert "unsubscribe" not in sign_in["body"].lower()
    rosa_page.goto(link_in(sign_in["body"], "sign-in"))
    expect(rosa_page.locator("#upcoming")).to_have_text("No upcoming visits.")

    # -- books an hour three days ahead; the confirmation reaches the SMTP server ----------
    rosa_page.get_by_label("Treatment", exact=True).select_option(value=clinic.hour_service)
    choose_day(rosa_page, "Day", 3)
    rosa_page.locator("#book-slots button").first.click()
    rosa_page.get_by_role("button", name="Book this time").click()
    expect(rosa_page.locator("#status")).to_contain_text("You're booked")
    [booked] = appointments_of(clinic, rosa_id)
    confirmation = wait_for_mail(stack, ROSA, "is booked")
    assert "Hi Rosa" in confirmation["body"]
    assert confirmation["list_unsubscribe"].startswith(f"<{stack.url('notifications')}/")

    # -- two days before the visit (the stack's clinic clock moved there), the 48-hour
    # reminder reaches the SMTP server, once ------------------------------------------------
    live_until(stack.env, datetime.fromisoformat(booked["start"]) - timedelta(hours=48))
    reminder = wait_for_mail(stack, ROSA, "Reminder: your appointment")
    assert "Hi Rosa" in reminder["body"]
    assert len(mail_to(stack, ROSA, "Reminder: your appointment")) == 1

    # -- someone else waits for any hour -----------------------------------------------------
    lee_id, lee_email = a_waiting_client(clinic)

    # -- she moves her visit a day later (self-service) ------------------------------------
    rosa_page.locator("#upcoming .visit").get_by_role("button", name="Move").click()
    choose_day(rosa_page, "New day", 4)
    rosa_page.locator("#move-slots button").nth(2).click()
    rosa_page.get_by_role("button", name="Move to the chosen time").click()
    expect(rosa_page.locator("#status")).to_contain_text("Your visit is moved to")
    wait_for_mail(stack, ROSA, "has moved")
    rosa_page.context.close()
    assert rosa_problems == []

    # -- the time she freed is offered to Lee, by email and text, with its link ------------
    offer = wait_for_mail(stack, lee_email, "A time opened up")
    link = link_in(offer["body"], "offer")
    assert link.startswith(f"{scheduling}/widget/offer.html#offer=")
    texts = requests.get(f"{stack.url('sms')}/v1/messages", timeout=5).json()["messages"]
    assert [t for t in texts if t["to"] == LEE_PHONE and link in t["body"]]

    # -- Lee opens it in his own browser and takes it with the keyboard --------------------
    lee_page, lee_problems = open_page(browser)
    lee_page.goto(link)
    expect(lee_page.get_by_role("heading", name="The time we hold for you")).to_be_visible()
    assert "#offer=" not in lee_page.url  # the secret leaves the address bar and history
    start = datetime.fromisoformat(booked["start"]).astimezone(ZoneInfo(demo.TIME_ZONE))
    expect(lee_page.locator("#offer-service")).to_have_text(SERVICE)
    expect(lee_page.locator("#offer-when")).to_contain_text(f"{start:%B} {start.day}")
    no_serious_violations(lee_page)
    accept = lee_page.get_by_role("button", name="Book this time")
    for _ in range(10):
        if lee_page.evaluate("document.activeElement.id") == "accept":
            break
        lee_page.keyboard.press("Tab")
    expect(accept).to_be_focused()
    focus_is_visible(lee_page)
    lee_page.keyboard.press("Enter")
    expect(lee_page.locator("#outcome")).to_be_focused()
    expect(lee_page.locator("#outcome-heading")).to_have_text("You are booked")
    no_serious_violations(lee_page)
    lee_page.context.close()
    assert lee_problems == []

    # -- booked through the normal path, at the time Rosa freed; Lee is told ----------------
    [taken] = appointments_of(clinic, lee_id)
    assert (taken["status"], taken["start"]) == ("booked", booked["start"])
    assert taken["therapist_id"] == booked["therapist_id"]
    wait_for_mail(stack, lee_email, "is booked")
    [moved] = appointments_of(clinic, rosa_id)
    assert moved["start"] != booked["start"] and moved["status"] == "booked"



def test_an_offer_link_that_is_not_valid_says_what_to_do(browser: Browser, clinic: Clinic):
    page, problems = open_page(browser)
    page.goto(f"{clinic.stack.url('scheduling')}/widget/#offer={'x' * 43}")
    # The widget's front page hands an offer link to the offer page.
    expect(page.locator("#status")).to_have_text(re.compile("This offer link is not valid"))
    assert page.url.endswith("/widget/offer.html")
    expect(page.locator("#offer")).to_be_hidden()
    no_serious_violations(page)
    page.context.close()
    assert problems == []
