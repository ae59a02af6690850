"""The booking widget in a real headless Chromium, against the scheduling service over HTTP.

The service runs for real on a free port (SQLite file); the clinic is set up through its
API and the clients' eligibility through the projection's own event handlers. The
browser's time zone is Tokyo while the clinic's is New York: the widget must show the
clinic's days and times. Chromium missing is a failure, not a skip.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Browser, FrameLocator, Page, expect
from sqlalchemy import Engine
from werkzeug.serving import make_server

from services.scheduling.app import create_app, migrate
from services.scheduling.config import SchedulingConfig
from shared.config import KafkaSettings, Settings
from shared.events.contracts.screening import SCREENING_COMPLETED
from tests.integration.scheduling.clinic import (
    ADMIN,
    FRONT_DESK,
    NPI,
    a_screening,
    deliver,
    eligible_client,
)

CLINIC_ZONE = ZoneInfo("America/New_York")
BROWSER_ZONE = "Asia/Tokyo"
REFUSED = tuple(f"Failed to load resource: the server responded with a status of {status}"
                for status in (401, 422))
SLOT = re.compile(r"^Book \w+ \d{1,2}:\d{2} [AP]M with Ana Ruiz$")


@dataclass
class Clinic:
    """The running service and what it was set up with."""

    url: str
    engine: Engine
    service_id: str
    service_name: str


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """The scheduling app served over HTTP: one therapist every day 08-20, one room, 2 services."""
    database = tmp_path_factory.mktemp("widget") / "scheduling.db"
    config = SchedulingConfig(Settings(service="scheduling", database_url=f"sqlite:///{database}",
                                       kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1")),
                              # The clinic's own site (clinic_site) runs on this host.
                              widget_frame_ancestors="http://127.0.0.1:*")
    migrate(config)
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"

    def post(path: str, body: dict) -> dict:
        response = requests.request("PUT" if path == "/settings" else "POST", url + path,
                                    json=body, headers=ADMIN, timeout=10)
        assert response.ok, response.text
        return response.json()

    post("/settings", {"time_zone": "America/New_York", "buffer_minutes": 15,
                       "minimum_notice_minutes": 60, "booking_horizon_days": 30,
                       "cancellation_window_hours": 24, "no_show_fee": "0.00",
                       "late_cancellation_fee": "0.00"})
    post("/therapists", {"name": "Ana Ruiz", "npi": NPI, "credentials": "LMT",
                         "weekly_hours": [{"weekday": d, "start": "08:00", "end": "20:00"}
                                          for d in range(7)]})
    post("/rooms", {"name": "Room A"})
    post("/services", {"name": "Medical massage 30 min", "duration_minutes": 30})
    service = post("/services", {"name": "Medical massage 60 min", "duration_minutes": 60})
    yield Clinic(url, app.extensions["medmassage"].engine, service["id"], service["name"])
    server.shutdown()
    thread.join(timeout=10)


def open_page(browser: Browser, **options: object) -> tuple[Page, list[str]]:
    """A fresh browser context in Tokyo; also returns the errors the page logs.

    Refused requests (401, 422) are expected and not counted; a policy violation or a
    script error is.
    """
    context = browser.new_context(timezone_id=BROWSER_ZONE, locale="en-US", **options)
    page = context.new_page()
    page.set_default_timeout(5000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.text.startswith(REFUSED) else None)
    return page, problems


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page, problems = open_page(browser)
    yield page
    page.context.close()
    assert problems == []


def issue_code(clinic: Clinic, client_id: str) -> dict:
    """What the front desk gets when it issues the client a booking code."""
    response = requests.post(f"{clinic.url}/clients/{client_id}/booking-code",
                             headers=FRONT_DESK, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def code_of(clinic: Clinic, client_id: str) -> str:
    """A new booking code of the client, as the front desk reads it out."""
    return issue_code(clinic, client_id)["booking_code"]


def eligible(clinic: Clinic) -> str:
    """A client cleared by screening with a referral running from 10 days ago for 60 days."""
    today = datetime.now(CLINIC_ZONE).date()
    return eligible_client(
        clinic.engine,
        screening={"screened_on": today - timedelta(days=10),
                   "expires_on": today + timedelta(days=355),
                   "recorded_at": datetime.now(UTC) - timedelta(days=10)},
        referral={"start_on": today - timedelta(days=10), "end_on": today + timedelta(days=60)},
    )


def tomorrow_in_clinic(widget: Page | FrameLocator) -> None:
    """Choose the clinic's tomorrow (today may have no time left) and wait for its slots."""
    days = widget.locator("#days button")
    expect(days).to_have_count(7)
    days.nth(1).click()
    expect(days.nth(1)).to_have_attribute("aria-pressed", "true")
    expect(widget.get_by_role("button", name=SLOT).first).to_be_visible()


def confirmed_appointment(page: Page, clinic: Clinic, client_id: str) -> dict:
    """The confirmation shown, checked against what the API holds for this client."""
    expect(page.locator("#result-heading")).to_have_text("You're booked")
    expect(page.locator("#result")).to_be_focused()
    reference = page.locator("#reference").inner_text()
    own = requests.get(f"{clinic.url}/widget/api/appointments/{reference}",
                       headers={"Authorization": f"Bearer {code_of(clinic, client_id)}"},
                       timeout=10)
    assert own.status_code == 200
    stored = requests.get(f"{clinic.url}/appointments/{reference}", headers=FRONT_DESK,
                          timeout=10).json()
    assert stored["client_id"] == client_id
    assert stored["service_id"] == clinic.service_id
    start = datetime.fromisoformat(own.json()["start"]).astimezone(CLINIC_ZONE)
    assert start.date() == datetime.now(CLINIC_ZONE).date() + timedelta(days=1)
    summary = page.locator("#result-body p").first
    expect(summary).to_contain_text(f"{clinic.service_name}, {start:%A}, {start:%B} {start.day}")
    expect(summary).to_contain_text(f"{start:%-I:%M}")
    expect(summary).to_contain_text("with Ana Ruiz.")
    return own.json()


def test_a_client_picks_a_time_and_books_it_with_their_code(page: Page, clinic: Clinic):
    client_id = eligible(clinic)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{clinic.url}/widget/?service={clinic.service_id}")
    expect(page.get_by_label("Treatment", exact=True)).to_have_value(clinic.service_id)
    expect(page.locator("#zone-note")).to_contain_text("America/New York")
    tomorrow_in_clinic(page)
    slot = page.get_by_role("button", name=SLOT).first
    chosen_time = slot.inner_text().split(" · ")[0]
    slot.click()
    code = page.get_by_label("Booking code")
    expect(code).to_be_focused()
    expect(page.locator("#chosen")).to_contain_text(chosen_time)
    code.fill(code_of(clinic, client_id))
    page.get_by_role("button", name="Book this time").click()
    booked = confirmed_appointment(page, clinic, client_id)
    assert booked["therapist_name"] == "Ana Ruiz"
    assert chosen_time in page.locator("#result-body").inner_text()
    assert [url for url in fetched if not url.startswith(clinic.url + "/")] == []  # no CDN
    assert any(url.endswith("/widget/widget.css") for url in fetched)


def test_a_client_without_a_referral_is_told_to_ask_their_physician(page: Page, clinic: Clinic):
    client_id = str(uuid.uuid4())
    deliver(clinic.engine, SCREENING_COMPLETED, a_screening(
        client_id, expires_on=datetime.now(CLINIC_ZONE).date() + timedelta(days=300)))
    page.goto(f"{clinic.url}/widget/")
    tomorrow_in_clinic(page)
    page.get_by_role("button", name=SLOT).first.click()
    page.get_by_label("Booking code").fill(code_of(clinic, client_id))
    page.get_by_role("button", name="Book this time").click()
    expect(page.locator("#result-heading")).to_have_text("We could not book this time")
    expect(page.locator("#result-body li")).to_have_text(re.compile(
        r"^A physician referral is needed for medical massage\. Please ask your physician"))
    listed = requests.get(f"{clinic.url}/appointments?client_id={client_id}",
                          headers=FRONT_DESK, timeout=10).json()
    assert listed == []


def test_a_wrong_booking_code_is_explained(page: Page, clinic: Clinic):
    page.goto(f"{clinic.url}/widget/")
    tomorrow_in_clinic(page)
    page.get_by_role("button", name=SLOT).first.click()
    page.get_by_label("Booking code").fill("not-my-code")
    page.get_by_role("button", name="Book this time").click()
    expect(page.locator("#result-body li")).to_have_text(re.compile(
        r"^That booking code was not recognised"))


def test_the_link_from_the_clinic_fills_in_the_code_and_leaves_the_address_bar(
    page: Page, clinic: Clinic
):
    client_id = eligible(clinic)
    issued = issue_code(clinic, client_id)
    assert issued["widget_link"] == f"{clinic.url}/widget/#code={issued['booking_code']}"
    page.goto(issued["widget_link"])
    expect(page.get_by_label("Booking code")).to_have_value(issued["booking_code"])
    assert "#" not in page.url and issued["booking_code"] not in page.url
    page.get_by_label("Treatment", exact=True).select_option(clinic.service_id)
    tomorrow_in_clinic(page)
    page.get_by_role("button", name=SLOT).first.click()
    page.get_by_role("button", name="Book this time").click()
    confirmed_appointment(page, clinic, client_id)


def test_a_revoked_code_tells_the_client_to_ask_the_front_desk(page: Page, clinic: Clinic):
    client_id = eligible(clinic)
    code = code_of(clinic, client_id)
    assert requests.delete(f"{clinic.url}/clients/{client_id}/booking-code", headers=FRONT_DESK,
                           timeout=10).status_code == 204
    page.goto(f"{clinic.url}/widget/")
    tomorrow_in_clinic(page)
    page.get_by_role("button", name=SLOT).first.click()
    page.get_by_label("Booking code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Book this time").click()
    expect(page.locator("#result-body li")).to_have_text(re.compile(
        r"^This booking code no longer works.*ask the front desk for a new one"))


def test_the_widget_works_on_a_phone_sized_screen(browser: Browser, clinic: Clinic):
    client_id = eligible(clinic)
    page, problems = open_page(browser, viewport={"width": 375, "height": 667}, is_mobile=True,
                               has_touch=True)
    page.goto(f"{clinic.url}/widget/?service={clinic.service_id}")
    tomorrow_in_clinic(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    slot = page.get_by_role("button", name=SLOT).first
    box = slot.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 375
    slot.tap()
    page.get_by_label("Booking code").fill(code_of(clinic, client_id))
    page.get_by_role("button", name="Book this time").tap()
    confirmed_appointment(page, clinic, client_id)
    page.context.close()
    assert problems == []


def tab_until(page: Page, is_there: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies the JS predicate ``is_there(element)``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(element => {is_there})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {is_there}")


def test_the_widget_is_usable_with_the_keyboard_alone(page: Page, clinic: Clinic):
    client_id = eligible(clinic)
    page.goto(f"{clinic.url}/widget/?service={clinic.service_id}")
    expect(page.locator("#days button")).to_have_count(7)
    tab_until(page, "element.classList.contains('day') && "
                    "element === document.querySelectorAll('#days button')[1]")
    page.keyboard.press("Enter")
    expect(page.locator("#days button").nth(1)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name=SLOT).first).to_be_visible()
    tab_until(page, "element.classList.contains('slot')")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Booking code")).to_be_focused()
    page.keyboard.type(code_of(clinic, client_id))
    page.keyboard.press("Enter")
    confirmed_appointment(page, clinic, client_id)


@pytest.fixture
def clinic_site(clinic: Clinic) -> Iterator[str]:
    """A clinic's own web page on another origin, embedding the widget with one script tag."""
    page = (f'<!doctype html><title>Our clinic</title><h1>Our clinic</h1>'
            f'<script src="{clinic.url}/widget/embed.js" data-service="{clinic.service_name}" '
            f'data-theme="dark"></script>').encode()

    def site(environ: dict, start_response: Callable) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page]

    server = make_server("127.0.0.1", 0, site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=10)


def test_one_script_tag_embeds_the_widget_in_a_clinics_own_site(page: Page, clinic: Clinic,
                                                                clinic_site: str):
    page.goto(clinic_site)
    widget = page.frame_locator("iframe[title='Book a medical massage']")
    expect(widget.get_by_label("Treatment", exact=True)).to_have_value(clinic.service_id)
    expect(widget.locator("html")).to_have_attribute("data-theme", "dark")
    tomorrow_in_clinic(widget)
