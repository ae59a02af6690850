"""The front desk's new pages against the real screening, scheduling and notifications apps,
served over HTTP as the console calls them: secondary coverage, the structured referral with
its diagnosis-to-region map, online intakes, the waitlist, and a client's message choices."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import requests

from services.scheduling.app import create_app as scheduling_app
from services.scheduling.app import migrate as migrate_scheduling
from services.scheduling.config import SchedulingConfig
from shared.events.contracts.screening import REFERRAL_WINDOW, SCREENING_COMPLETED
from tests.integration.scheduling.clinic import (
    Clinic,
    Clock,
    a_referral,
    a_screening,
    deliver,
    eligible_client,
    local,
    set_up_clinic,
    settings_for,
)
from tests.support.console import Console, build_console, post_form, serving, sign_in
from tests.support.http import auth
from tests.support.services import service_app

MONDAY_MORNING = local(2026, 3, 2, 8)
VALID_NPI = "1234567893"


@dataclass
class FrontDesk:
    """The console signed in as the front desk, and the services it calls."""

    console: Console
    browser: object
    urls: dict[str, str]
    clinic: Clinic
    scheduling_engine: object


@pytest.fixture
def front_desk(tmp_path) -> Iterator[FrontDesk]:  # type: ignore[no-untyped-def]
    screening = service_app("screening", f"sqlite:///{tmp_path / 'screening.db'}")
    notifications = service_app("notifications", f"sqlite:///{tmp_path / 'notifications.db'}")
    # Scheduling on a clock the test sets, so the waitlist's offer lands on a working day.
    config = SchedulingConfig(settings_for(f"sqlite:///{tmp_path / 'scheduling.db'}"),
                              clock=Clock(MONDAY_MORNING))
    migrate_scheduling(config)
    scheduling = scheduling_app(config)
    clinic = set_up_clinic(scheduling.test_client())
    with ExitStack() as running:
        urls = {name: running.enter_context(serving(app)) for name, app in
                (("screening", screening), ("scheduling", scheduling),
                 ("notifications", notifications))}
        console = build_console(f"sqlite:///{tmp_path / 'console.db'}",
                                screening_url=urls["screening"],
                                scheduling_url=urls["scheduling"],
                                claims_url="http://127.0.0.1:9",
                                notifications_url=urls["notifications"])
        console.add_account("fay", "front_desk")
        browser = console.client()
        sign_in(browser, "fay")
        yield FrontDesk(console, browser, urls, clinic,
                      scheduling.extensions["medmassage"].engine)


def register(desk: FrontDesk, **fields: str) -> str:
    """Register a client through the console's form; the new client's id."""
    form = {"first_name": "Nora", "last_name": "Quill", "birth_date": "1979-05-06", "sex": "F",
            "address.line1": "12 Pine St", "address.city": "Albany", "address.state": "NY",
            "address.postal_code": "12207", "coverage.payer_id": "ACME01",
            "coverage.payer_name": "Acme Health", "coverage.member_id": "ACM555001",
            "coverage.relationship_to_subscriber": "self",
            "secondary_coverage.relationship_to_subscriber": "self"} | fields
    answer = post_form(desk.browser, "/front-desk/clients/new", form)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return answer.headers["Location"].split("/clients/")[1].split("?")[0]


def api(desk: FrontDesk, service: str, path: str) -> dict:
    answer = requests.get(desk.urls[service] + path, headers=auth("front_desk"), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_client_registered_with_a_secondary_payer_shows_both_coverages(front_desk: FrontDesk):
    client_id = register(front_desk, **{"secondary_coverage.payer_id": "87726",
                                        "secondary_coverage.payer_name": "UHC",
                                        "secondary_coverage.member_id": "U99"})
    stored = api(front_desk, "screening", f"/clients/{client_id}")
    assert stored["secondary_coverage"]["member_id"] == "U99"
    page = front_desk.browser.get(f"/front-desk/clients/{client_id}").get_data(as_text=True)
    assert re.search(r'id="secondary-coverage">UHC \(87726\), member U99', page)


def test_a_secondary_payer_without_a_primary_is_refused_next_to_the_field(front_desk: FrontDesk):
    answer = post_form(front_desk.browser, "/front-desk/clients/new", {
        "first_name": "Nora", "last_name": "Quill", "birth_date": "1979-05-06", "sex": "F",
        "address.line1": "12 Pine St", "address.city": "Albany", "address.state": "NY",
        "address.postal_code": "12207", "secondary_coverage.payer_id": "87726",
        "secondary_coverage.payer_name": "UHC", "secondary_coverage.member_id": "U99",
        "secondary_coverage.relationship_to_subscriber": "self"},
        page="/front-desk/clients/new")
    assert answer.status_code in (400, 422)
    page = answer.get_data(as_text=True)
    assert 'id="secondary_coverage-error"' in page and 'role="alert"' in page


def _referral_form(**fields: object) -> dict:
    today = date.today()
    return {"physician_last_name": "Osei", "physician_first_name": "Helen",
            "physician_credential": "MD", "physician_npi": VALID_NPI,
            "diagnoses": "M54.50, M62.830", "codes": ["97124", "97140"],
            "techniques": ["swedish"], "body_regions": ["lower_back", "neck"],
            "visits_per_week": "2", "weeks": "4", "authorized_visits": "8",
            "start_on": today.isoformat(), "end_on": (today + timedelta(days=60)).isoformat()
            } | fields


def test_a_referral_names_its_physician_in_parts_and_maps_each_diagnosis_to_its_regions(
        front_desk: FrontDesk):
    client_id = register(front_desk)
    path = f"/front-desk/clients/{client_id}/referral"
    unmapped = post_form(front_desk.browser, path, _referral_form())
    assert unmapped.status_code == 422
    assert 'id="diagnosis_regions-error"' in unmapped.get_data(as_text=True)

    answer = post_form(front_desk.browser, path, _referral_form(**{
        "diagnosis_regions.0": ["lower_back"], "diagnosis_regions.1": ["neck"]}))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    [referral] = api(front_desk, "screening", f"/clients/{client_id}/referrals")["referrals"]
    assert (referral["physician_last_name"], referral["physician_first_name"],
            referral["physician_credential"]) == ("Osei", "Helen", "MD")
    assert referral["diagnosis_regions"] == [
        {"diagnosis": "M54.50", "body_regions": ["lower_back"]},
        {"diagnosis": "M62.830", "body_regions": ["neck"]}]
    page = front_desk.browser.get(f"/front-desk/clients/{client_id}").get_data(as_text=True)
    assert "M54.50 (lower back); M62.830 (neck)" in page


def test_an_intake_link_is_shown_once_and_a_pending_intake_is_confirmed(front_desk: FrontDesk):
    invited = post_form(front_desk.browser, "/front-desk/intakes/invitations",
                        {"email": "new@example.org"}, page="/front-desk/intakes/")
    link = re.search(r'id="invitation-link" type="text" readonly value="([^"]+)"',
                     invited.get_data(as_text=True))
    assert link and "/intake/#invitation=" in link.group(1)

    screening = front_desk.urls["screening"]
    consent = requests.get(f"{screening}/intake/api/form", timeout=10).json()["consent"]
    sent = requests.post(f"{screening}/intake/api/submissions", timeout=10, json={
        "invitation": link.group(1).split("#invitation=")[1],
        "client": {"first_name": "Maria", "last_name": "Lopez", "birth_date": "1985-04-12",
                   "sex": "F", "address": {"line1": "5 Oak Ave", "line2": None,
                                           "city": "Albany", "state": "NY",
                                           "postal_code": "12207"},
                   "phone": "+15185550100", "email": "maria@example.org", "coverage": None},
        "secondary_coverage": None,
        "questionnaire": {"conditions": [], "medications": [], "injuries": [],
                          "platelet_count": None, "notes": ""},
        "consent": {"version": consent["version"], "signature": "Maria Lopez", "agreed": True}})
    assert sent.status_code == 201, sent.text
    listed = front_desk.browser.get("/front-desk/intakes/").get_data(as_text=True)
    assert "Maria Lopez" in listed and "Cleared for massage" in listed

    submission = sent.json()["submission_id"]
    confirmed = post_form(front_desk.browser, f"/front-desk/intakes/{submission}/confirm", {},
                          page="/front-desk/intakes/")
    assert confirmed.status_code == 302
    client_id = confirmed.headers["Location"].split("/clients/")[1].split("?")[0]
    [screening_record] = api(front_desk, "screening",
                             f"/clients/{client_id}/screenings")["screenings"]
    assert screening_record["outcome"] == "cleared"
    assert "No intake is waiting." in front_desk.browser.get(
        "/front-desk/intakes/").get_data(as_text=True)


def _join(desk: FrontDesk, client_id: str) -> None:
    answer = post_form(desk.browser, "/front-desk/waitlist/", {
        "client_id": client_id, "service_id": desk.clinic.service_id,
        "therapist_id": desk.clinic.therapist_id, "weekday": "3",
        "window_start": "13:00", "window_end": "17:00"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]


def _entries(desk: FrontDesk) -> list[dict]:
    return api(desk, "scheduling", "/waitlist")["entries"]


def test_the_waitlist_is_added_to_reordered_offered_accepted_on_the_phone_and_removed(
        front_desk: FrontDesk):
    first = eligible_client(front_desk.scheduling_engine)
    second = eligible_client(front_desk.scheduling_engine)
    _join(front_desk, first)
    _join(front_desk, second)
    twice = post_form(front_desk.browser, "/front-desk/waitlist/", {
        "client_id": first, "service_id": front_desk.clinic.service_id},
        page="/front-desk/waitlist/")
    assert twice.status_code == 409 and 'role="alert"' in twice.get_data(as_text=True)
    [one, two] = _entries(front_desk)
    assert [one["client_id"], two["client_id"]] == [first, second]

    moved = post_form(front_desk.browser, f"/front-desk/waitlist/{two['id']}/position",
                      {"position": "1"}, page="/front-desk/waitlist/")
    assert moved.status_code == 302
    assert [e["client_id"] for e in _entries(front_desk)] == [second, first]

    offered = post_form(front_desk.browser, f"/front-desk/waitlist/{one['id']}/offer",
                        {"therapist_id": front_desk.clinic.therapist_id,
                         "start": "2026-03-05T14:00"}, page="/front-desk/waitlist/")
    assert offered.status_code == 302, offered.get_data(as_text=True)[:2000]
    page = front_desk.browser.get("/front-desk/waitlist/").get_data(as_text=True)
    assert "offered: Thu 05 Mar 14:00 with Ana Ruiz" in page
    offer_id = next(e for e in _entries(front_desk) if e["id"] == one["id"])["offer"]["id"]
    accepted = post_form(front_desk.browser, f"/front-desk/waitlist/offers/{offer_id}/accept",
                         {}, page="/front-desk/waitlist/")
    assert accepted.status_code == 302
    assert [e["client_id"] for e in _entries(front_desk)] == [second]

    removed = post_form(front_desk.browser, f"/front-desk/waitlist/{two['id']}/remove", {},
                        page="/front-desk/waitlist/")
    assert removed.status_code == 302 and _entries(front_desk) == []
    assert "Nobody is waiting." in front_desk.browser.get(
        "/front-desk/waitlist/").get_data(as_text=True)


def test_a_clients_message_choices_are_shown_and_saved_and_the_message_log_opens(
        front_desk: FrontDesk):
    client_id = register(front_desk)
    page = front_desk.browser.get(f"/front-desk/clients/{client_id}").get_data(as_text=True)
    assert 'name="reminders.sms" value="yes" checked' in page
    saved = post_form(front_desk.browser, f"/messages/preferences/{client_id}",
                      {"reminders.email": "yes", "appointment_changes.email": "yes",
                       "appointment_changes.sms": "yes"},
                      page=f"/front-desk/clients/{client_id}")
    assert saved.status_code == 302
    chosen = api(front_desk, "notifications", f"/clients/{client_id}/preferences")
    assert chosen["reminders"] == ["email"] and chosen["waitlist"] == []
    assert sorted(chosen["appointment_changes"]) == ["email", "sms"]
    log = front_desk.browser.get(f"/messages/?client_id={client_id}&state=bounced")
    assert log.status_code == 200 and "No message matches." in log.get_data(as_text=True)


def test_the_therapists_day_and_visit_name_the_client_not_an_id(front_desk: FrontDesk):
    client_id = register(front_desk, first_name="Ines", last_name="Marsh")
    deliver(front_desk.scheduling_engine, SCREENING_COMPLETED, a_screening(client_id))
    deliver(front_desk.scheduling_engine, REFERRAL_WINDOW, a_referral(client_id))
    booked = requests.post(front_desk.urls["scheduling"] + "/appointments", timeout=10,
                           headers=auth("front_desk"), json={
                               "client_id": client_id, "service_id": front_desk.clinic.service_id,
                               "therapist_id": front_desk.clinic.therapist_id,
                               "start": local(2026, 3, 2, 10).isoformat()})
    assert booked.status_code == 201, booked.text
    front_desk.console.add_account("tess", "therapist")
    therapist = front_desk.console.client()
    sign_in(therapist, "tess")

    day = therapist.get("/therapist/today?day=2026-03-02").get_data(as_text=True)
    visit = therapist.get(f"/therapist/visits/{booked.json()['id']}").get_data(as_text=True)

    assert "<td>Ines Marsh</td>" in day and client_id[:8] not in day
    assert "Visit with Ines Marsh at 10:00" in visit
    assert "Confirm the client: Ines Marsh, born 1979-05-06." in visit
