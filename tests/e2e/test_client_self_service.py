"""A new client's whole journey in a real headless Chromium: online intake, staff confirm,
then self-service sign-in, booking, moving and cancelling; axe-core on every new page.

Screening and scheduling run for real over HTTP (SQLite files). Events travel as the
consumers would apply them: each one queued in screening's outbox is handed to
scheduling's own handler (as tests/e2e/test_booking_widget.py does), and the sign-in
email is the ``scheduling.client.sign_in_link`` event notifications would mail.
Chromium missing is a failure, not a skip.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, select
from werkzeug.serving import make_server

from services.scheduling.app import create_app as scheduling_app
from services.scheduling.app import migrate as migrate_scheduling
from services.scheduling.config import SchedulingConfig
from services.scheduling.handlers import SUBSCRIPTIONS
from services.screening.app import create_app as screening_app
from services.screening.app import migrate as migrate_screening
from services.screening.config import IntakeSettings, ScreeningConfig
from shared.config import KafkaSettings, Settings
from shared.events import EVENTS, Event, decode
from shared.events.contracts.scheduling import CLIENT_SIGN_IN_LINK
from shared.outbox import outbox
from shared.uow import unit_of_work
from tests.e2e.browser import focus_is_visible, no_serious_violations
from tests.support.http import auth

CLINIC_ZONE = ZoneInfo("America/New_York")
ADMIN, FRONT_DESK = auth("admin"), auth("front_desk")
NPI = "1234567893"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HANDLERS = {s.event_type.topic: s.handler for s in SUBSCRIPTIONS}
# Refused requests the journey provokes on purpose (a bad answer, a signed-out page).
EXPECTED = tuple(f"Failed to load resource: the server responded with a status of {status}"
                 for status in (400, 401))


@dataclass
class Running:
    url: str
    engine: Engine


def serve(app: Flask) -> tuple[str, Callable[[], None]]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.server_port}", stop


@dataclass
class Clinic:
    screening: Running
    scheduling: Running
    service_id: str


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """Screening (intake open, documents in a temporary folder) and scheduling, served."""
    folder = tmp_path_factory.mktemp("journey")
    no_broker = KafkaSettings(bootstrap_servers="127.0.0.1:1")
    screening_config = ScreeningConfig.from_settings(Settings(
        service="screening", database_url=f"sqlite:///{folder / 'screening.db'}",
        kafka=no_broker))
    screening_config = dataclasses.replace(
        screening_config, intake=IntakeSettings(documents_dir=folder / "documents"))
    migrate_screening(screening_config)
    screening = screening_app(screening_config)
    screening_url, stop_screening = serve(screening)
    scheduling_config = SchedulingConfig(
        Settings(service="scheduling", database_url=f"sqlite:///{folder / 'scheduling.db'}",
                 kafka=no_broker),
        intake_url=f"{screening_url}/intake/")
    migrate_scheduling(scheduling_config)
    scheduling = scheduling_app(scheduling_config)
    scheduling_url, stop_scheduling = serve(scheduling)

    def put(path: str, body: dict, method: str = "POST") -> dict:
        response = requests.request(method, scheduling_url + path, json=body, headers=ADMIN,
                                    timeout=10)
        assert response.ok, response.text
        return response.json()

    put("/settings", {"time_zone": "America/New_York", "buffer_minutes": 15,
                      "minimum_notice_minutes": 60, "booking_horizon_days": 60,
                      "cancellation_window_hours": 24, "no_show_fee": "40.00",
                      "late_cancellation_fee": "20.00"}, "PUT")
    put("/therapists", {"name": "Ana Ruiz", "npi": NPI, "credentials": "LMT",
                        "weekly_hours": [{"weekday": d, "start": "08:00", "end": "20:00"}
                                         for d in range(7)]})
    put("/rooms", {"name": "Room A"})
    service = put("/services", {"name": "Medical massage 60 min", "duration_minutes": 60})
    yield Clinic(Running(screening_url, screening.extensions["medmassage"].engine),
                 Running(scheduling_url, scheduling.extensions["medmassage"].engine),
                 service["id"])
    stop_scheduling()
    stop_screening()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(timezone_id="Europe/Berlin", locale="en-US",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(8000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.text.startswith(EXPECTED) else None)
    yield page
    context.close()
    assert problems == []  # no script error, no policy violation


def outbox_events(engine: Engine) -> list[Event]:
    with engine.connect() as connection:
        rows = connection.execute(select(outbox.c.payload).order_by(outbox.c.id)).scalars()
        return [decode(row.encode()) for row in rows]


def relay_screening_to_scheduling(clinic: Clinic, seen: set[str]) -> None:
    """Apply screening's new events to scheduling as its consumer does."""
    for event in outbox_events(clinic.screening.engine):
        if event.id in seen or event.type not in HANDLERS:
            continue
        seen.add(event.id)
        with unit_of_work(clinic.scheduling.engine, "scheduling",
                          correlation_id=event.id) as uow:
            HANDLERS[event.type](uow, event, EVENTS.load_payload(event))


def fill_intake(page: Page) -> None:
    page.get_by_label("First name *", exact=True).fill("Rosa")
    page.get_by_label("Last name *", exact=True).fill("Delgado")
    page.get_by_label("Date of birth *", exact=True).fill("1975-06-01")
    page.get_by_label("Sex (as your insurer has it) *", exact=True).select_option("F")
    page.get_by_label("Email *", exact=True).fill("rosa@example.org")
    page.get_by_label("Mobile phone", exact=True).fill("518 555 0142")
    page.get_by_label("Street address *", exact=True).fill("4 Pine St")
    page.get_by_label("City *", exact=True).fill("Albany")
    page.get_by_label("State (2 letters) *", exact=True).fill("NY")
    page.get_by_label("ZIP code *", exact=True).fill("12207")
    primary = page.locator("#primary")
    primary.get_by_label("Insurance company *", exact=True).fill("Aetna")
    primary.get_by_label("Payer ID (on your card, e.g. 60054) *", exact=True).fill("60054")
    primary.get_by_label("Member ID *", exact=True).fill("W5550142")
    page.get_by_label("I also have a second insurance", exact=True).check()
    secondary = page.locator("#secondary")
    secondary.get_by_label("Insurance company *", exact=True).fill("UnitedHealthcare")
    secondary.get_by_label("Payer ID (on your card, e.g. 60054) *", exact=True).fill("87726")
    secondary.get_by_label("Member ID *", exact=True).fill("U0142")
    page.get_by_label("Which medicines do you take?", exact=True).fill("Lisinopril 10 mg")
    page.get_by_role("button", name="Add one").click()
    page.get_by_label("What *", exact=True).select_option("wound")
    page.get_by_label("Where *", exact=True).select_option("left_leg")
    page.get_by_label("It has healed", exact=True).check()
    page.get_by_label("I have read and agree to the consent above *", exact=True).check()
    page.get_by_label("Type your full name as your signature *", exact=True).fill("Rosa Delgado")


def confirm_the_intake(clinic: Clinic) -> str:
    """The front desk confirms the pending intake and records the physician's referral."""
    pending = requests.get(f"{clinic.screening.url}/intake-submissions", headers=FRONT_DESK,
                           timeout=10).json()["submissions"]
    [rosa] = [s for s in pending if s["last_name"] == "Delgado"]
    assert rosa["signature"] == "Rosa Delgado" and rosa["signed_from"] == "127.0.0.1"
    assert rosa["secondary_coverage"]["payer_id"] == "87726"
    assert len(rosa["documents"]) == 1
    confirmed = requests.post(
        f"{clinic.screening.url}/intake-submissions/{rosa['submission_id']}/confirm",
        headers=FRONT_DESK, timeout=10)
    assert confirmed.status_code == 201 and confirmed.json()["outcome"] == "cleared"
    today = datetime.now(CLINIC_ZONE).date()
    referral = requests.post(f"{clinic.screening.url}/clients/{rosa['client_id']}/referrals",
                             headers=FRONT_DESK, timeout=10, json={
        "physician_name": "Dr. Ada Okafor", "physician_npi": NPI, "diagnoses": ["M54.50"],
        "codes": ["97124"], "techniques": ["swedish"], "body_regions": ["lower_back"],
        "visits_per_week": 2, "weeks": 4, "authorized_visits": 8,
        "authorization_number": None, "start_on": today.isoformat(),
        "end_on": (today + timedelta(days=45)).isoformat()})
    assert referral.status_code == 201, referral.text
    return rosa["client_id"]


def choose_day(page: Page, field: str, days_ahead: int) -> None:
    day = datetime.now(CLINIC_ZONE).date() + timedelta(days=days_ahead)
    page.get_by_label(field, exact=True).fill(day.isoformat())
    page.get_by_label(field, exact=True).dispatch_event("change")


def test_a_new_client_goes_from_intake_to_booking_moving_and_cancelling(
    page: Page, clinic: Clinic
):
    relayed: set[str] = set()
    # -- intake, from the widget's link -------------------------------------------------------
    page.goto(f"{clinic.scheduling.url}/widget/account.html")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    no_serious_violations(page)
    page.get_by_role("link", name="Fill in the new client intake").click()
    expect(page.get_by_role("heading", name="New client intake")).to_be_visible()
    # A question straight from the rules table.
    expect(page.get_by_label("Severe osteoporosis?", exact=True)).to_be_visible()
    no_serious_violations(page)
    fill_intake(page)
    page.get_by_label("ZIP code *", exact=True).fill("1220")  # a bad answer first
    page.get_by_role("button", name="Send my intake").click()
    expect(page.locator("#error-summary")).to_be_focused()
    zip_code = page.get_by_label("ZIP code *", exact=True)
    expect(zip_code).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#postal_code-error")).to_have_text("Use a ZIP code: 12345 or 12345-6789.")
    no_serious_violations(page)
    page.get_by_role("link", name=re.compile("^ZIP code: Use a ZIP code")).click()
    expect(zip_code).to_be_focused()
    focus_is_visible(page)
    page.keyboard.type("7")
    page.get_by_role("button", name="Send my intake").click()
    expect(page.locator("#result")).to_be_focused()
    expect(page.locator("#result-heading")).to_have_text(
        "Thank you, your answers are with the clinic")
    page.get_by_label("Referral or clearance (PDF, PNG or JPEG, up to 1 MB)").set_input_files(
        files=[{"name": "referral.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#uploaded li")).to_have_text("Received: referral.pdf")
    no_serious_violations(page)

    # -- the front desk confirms; scheduling learns of it ------------------------------------
    confirm_the_intake(clinic)
    relay_screening_to_scheduling(clinic, relayed)

    # -- the client signs in with the emailed link ----------------------------------------
    page.goto(f"{clinic.scheduling.url}/widget/account.html")
    email = page.get_by_label("Your email address", exact=True)
    expect(email).to_be_visible()
    email.focus()
    focus_is_visible(page)
    page.keyboard.type("Rosa@Example.org")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("a sign-in link is on its way")
    [mail] = [e for e in outbox_events(clinic.scheduling.engine)
              if e.type == CLIENT_SIGN_IN_LINK.topic]
    page.goto(mail.data["link"])
    expect(page.locator("#upcoming")).to_have_text("No upcoming visits.")
    assert "sign-in" not in page.url
    no_serious_violations(page)

    # -- books a visit three days ahead ---------------------------------------------------
    choose_day(page, "Day", 3)
    first = page.locator("#book-slots button").first
    expect(first).to_be_visible()
    first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Book this time")).to_be_enabled()
    page.get_by_role("button", name="Book this time").click()
    expect(page.locator("#status")).to_contain_text("You're booked")
    visit = page.locator("#upcoming .visit")
    expect(visit).to_have_count(1)
    expect(visit).to_contain_text("Free to cancel or move until")
    no_serious_violations(page)

    # -- downloads it for the calendar ----------------------------------------------------
    with page.expect_download() as download:
        visit.get_by_role("button", name="Add to calendar").click()
    assert b"BEGIN:VEVENT" in Path(download.value.path()).read_bytes()

    # -- moves it to another day ----------------------------------------------------------
    visit.get_by_role("button", name="Move").click()
    expect(page.locator("#change")).to_be_focused()
    choose_day(page, "New day", 4)
    page.locator("#move-slots button").nth(2).click()
    page.get_by_role("button", name="Move to the chosen time").click()
    expect(page.locator("#status")).to_contain_text("Your visit is moved to")
    fourth = datetime.now(CLINIC_ZONE).date() + timedelta(days=4)
    expect(page.locator("#upcoming .visit")).to_contain_text(f"{fourth:%B} {fourth.day}")
    no_serious_violations(page)

    # -- and cancels it --------------------------------------------------------------------
    page.locator("#upcoming .visit").get_by_role("button", name="Cancel").click()
    expect(page.locator("#change-terms")).to_have_text("This is free of charge.")
    page.get_by_role("button", name="Cancel this visit").click()
    expect(page.locator("#status")).to_have_text("Your visit is cancelled.")
    expect(page.locator("#upcoming")).to_have_text("No upcoming visits.")
    expect(page.locator("#past .visit")).to_contain_text("Cancelled")
    no_serious_violations(page)

    # -- then books the whole plan of care in one step ----------------------------------
    choose_day(page, "Day", 5)
    page.locator("#book-slots button").first.click()
    page.get_by_role("button", name="Plan all my visits from this time").click()
    expect(page.locator("#plan")).to_be_focused()
    expect(page.locator("#plan-frequency")).to_have_text(
        "Your physician prescribed 2x/week for 4 weeks. 8 of 8 dates can be booked.")
    no_serious_violations(page)
    page.get_by_role("button", name="Book the 8 available dates").click()
    expect(page.locator("#status")).to_have_text("8 visits are booked.")
    expect(page.locator("#upcoming .visit")).to_have_count(8)
