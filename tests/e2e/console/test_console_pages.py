"""Each role's main task through the console's pages, in Chromium, against the real stack.

Every page visited is checked by axe-core (no serious or critical violation) and
photographed for docs/console. Setup that is not the role's task under test (a rejected
claim for billing, a parked message for ops) goes through the services' APIs directly.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from kafka import KafkaProducer
from playwright.sync_api import expect

from deploy import demo
from services.claims.handlers import SUBSCRIPTIONS as CLAIMS_SUBSCRIPTIONS
from tests.e2e.browser import serious_violations
from tests.e2e.console.conftest import (
    ConsoleStack,
    Staff,
    open_tab,
    screenshot,
    sign_in,
)
from tests.e2e.support import ON_BEHALF, REJECTED_MEMBER_ID, live_until
from tests.support.http import auth
from tests.support.waiting import wait_for

SOAP = {"subjective": "Low back pain 6/10.", "objective": "Paraspinal hypertonicity.",
        "assessment": "Tolerated well.", "plan": "Continue 2x/week."}


def name() -> str:
    """A last name nobody else in the run has."""
    return "".join(chr(ord("a") + int(d, 16)) for d in uuid.uuid4().hex[:8]).capitalize()


def check(staff: Staff, picture: str | None = None) -> None:
    """The page passes axe-core; keep its picture."""
    assert serious_violations(staff.page) == []
    if picture:
        screenshot(staff.page, picture)


def call(console: ConsoleStack, role: str, method: str, target: str, path: str,
         body: object = None, expect_status: int = 200,
         params: dict[str, str] | None = None) -> dict:
    """One API call as ``role`` (setup outside the role's task under test)."""
    answer = requests.request(method, console.stack.url(target) + path, json=body,
                              params=params, headers=auth(role), timeout=15)
    assert answer.status_code == expect_status, answer.text[:500]
    return answer.json()


def test_the_sign_in_page_is_accessible_and_a_wrong_password_is_explained(
        console_stack: ConsoleStack, tab: Staff):
    page = tab.page
    page.goto(f"{console_stack.url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check(tab, "sign-in")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The username or password is wrong.")


def test_front_desk_registers_screens_refers_and_books_a_client(
        console_stack: ConsoleStack, tab: Staff):
    page, last_name = tab.page, name()
    sign_in(console_stack, tab, "frontdesk")
    check(tab, "home-front-desk")
    page.get_by_role("navigation").get_by_role("link", name="Clients", exact=True).click()
    page.get_by_role("link", name="Register a new client").click()
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Birth date").fill("1979-05-06")
    page.get_by_label("Street and number").fill("12 Pine St")
    page.get_by_label("City").fill("New York")
    page.get_by_label("State (two letters)").fill("NY")
    page.get_by_label("ZIP code").fill("1000")  # wrong: the service's message shows by it
    page.get_by_label("Payer id", exact=True).fill(demo.ACME.payer_id)
    page.get_by_label("Payer name", exact=True).fill(demo.ACME.name)
    page.get_by_label("Member id", exact=True).fill("ACM555001")
    page.get_by_label("Secondary payer id").fill("87726")
    page.get_by_label("Secondary payer name").fill("UHC")
    page.get_by_label("Secondary member id").fill("U99")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#address-postal_code-error")).to_contain_text("Use a ZIP code")
    expect(page.get_by_label("ZIP code")).to_have_attribute("aria-invalid", "true")
    check(tab, "register-client-with-errors")
    page.get_by_label("ZIP code").fill("10001")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_have_text("The client is registered.")
    expect(page.locator("#secondary-coverage")).to_have_text("UHC (87726), member U99")

    page.get_by_role("link", name="Record the health questionnaire").click()
    page.get_by_label("Injury 1: kind").select_option("wound")
    page.get_by_label("Injury 1: where").select_option("left_leg")
    check(tab, "questionnaire")
    page.get_by_role("button", name="Record and screen").click()
    expect(page.locator("#screening-outcome")).to_have_text("Cleared, with precautions")
    expect(page.locator("#screening-reasons")).to_contain_text("wound")

    page.get_by_role("link", name="Enter a referral").click()
    page.get_by_label("Words or part of a code").fill("low back pain")
    page.get_by_role("button", name="Search ICD-10-CM").click()
    expect(page.locator("#diagnosis-results")).to_contain_text("M54.50")
    page.get_by_label("Physician's last name").fill("Osei")
    page.get_by_label("Physician's first name").fill("Helen")
    page.get_by_label("Physician's credential").fill("MD")
    page.get_by_label("Physician's NPI").fill("1234567890")
    page.get_by_label("Diagnosis codes, principal first").fill("M54.50, M62.830")
    page.get_by_label("lower back").check()
    today = demo.clinic_today()
    page.get_by_label("Valid until (last day)").fill((today + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator("#physician_npi-error")).to_contain_text("not a valid NPI")
    check(tab, "referral")
    page.get_by_label("Physician's NPI").fill(demo.REFERRING_PHYSICIAN["physician_npi"])
    page.get_by_label("lower back").check()
    page.get_by_label("neck", exact=True).check()
    # Two diagnoses and two regions: the claim needs to know which region each one covers.
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator("#diagnosis_regions-error")).to_be_visible()
    page.get_by_label("Diagnosis 1 covers").select_option(["lower_back"])
    page.get_by_label("Diagnosis 2 covers").select_option(["neck"])
    check(tab, "referral-diagnosis-regions")
    page.get_by_role("button", name="Record the referral").click()
    expect(page.get_by_role("status")).to_have_text("The referral is recorded.")
    expect(page.get_by_role("table", name="Physician referrals")).to_contain_text(
        "M54.50 (lower back); M62.830 (neck)")

    client_url = page.url.split("?")[0]

    def bookable() -> bool:
        page.goto(client_url)
        return page.locator("#bookable").count() == 1

    wait_for(bookable, 45, 0.5, "scheduling to learn the client is bookable")
    check(tab, "client")
    page.get_by_role("link", name="Book a visit or a series").click()
    page.get_by_label("Day").fill((today + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show open times").click()
    check(tab, "book")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("status")).to_have_text("The visit is booked.")
    expect(page.get_by_role("button", name=re.compile("^Cancel"))).to_have_count(1)

    page.get_by_role("navigation").get_by_role("link", name="Calendar").click()
    page.get_by_label("Day").fill((today + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".flag").first).to_have_text("precautions")
    check(tab, "calendar")


def _booked_visit(console: ConsoleStack, member_id: str,
                  therapist_id: str | None = None) -> tuple[str, str]:
    """A client with a booked visit (set up through the APIs; with ``therapist_id`` if
    given), the stack's clock moved to when it has started so that it can be recorded;
    (client, visit)."""
    body = {"first_name": "Ivo", "last_name": name(), "birth_date": "1970-01-02", "sex": "M",
            "address": {"line1": "1 Elm St", "line2": None, "city": "New York", "state": "NY",
                        "postal_code": "10001"}, "phone": None, "email": None,
            "coverage": {"payer_id": demo.ACME.payer_id, "payer_name": demo.ACME.name,
                         "member_id": member_id, "group_number": None,
                         "relationship_to_subscriber": "self", "subscriber": None}}
    client_id = call(console, "front_desk", "POST", "screening", "/clients", body,
                     201)["client_id"]
    call(console, "front_desk", "POST", "screening", f"/clients/{client_id}/screenings", {}, 201)
    today = demo.clinic_today()
    call(console, "front_desk", "POST", "screening", f"/clients/{client_id}/referrals", {
        **demo.REFERRING_PHYSICIAN, "diagnoses": ["M54.50"], "codes": ["97140", "97124"],
        "techniques": ["myofascial_release", "swedish"], "body_regions": ["lower_back"],
        "visits_per_week": 2, "weeks": 4, "authorized_visits": 8,
        "start_on": today.isoformat(), "end_on": (today + timedelta(days=60)).isoformat()}, 201)
    wait_for(lambda: call(console, "front_desk", "GET", "scheduling",
                          f"/clients/{client_id}/eligibility")["bookable"], 45, 0.3,
             "the client to be bookable")
    service = console.clinic.services["Medical massage 60 min"]
    start = (today + timedelta(days=1)).isoformat() + "T00:00:00-05:00"
    end = (today + timedelta(days=8)).isoformat() + "T00:00:00-05:00"
    slot = call(console, "front_desk", "GET", "scheduling", "/availability",
                params={"service": service, "from": start, "to": end})["slots"]
    slot = next(s for s in slot if therapist_id in (None, s["therapist_id"]))
    visit = call(console, "front_desk", "POST", "scheduling", "/appointments", {
        "client_id": client_id, "service_id": service, "therapist_id": slot["therapist_id"],
        "room_id": slot["room_id"], "start": slot["start"]}, 201)
    live_until(console.stack.env, visit["start"])
    return client_id, visit["id"]


def _intake_sent(console: ConsoleStack, link: str, last_name: str) -> None:
    """The client fills in the intake at the link (the intake page's own API)."""
    screening = console.stack.url("screening")
    consent = requests.get(f"{screening}/intake/api/form", timeout=15).json()["consent"]
    answer = requests.post(f"{screening}/intake/api/submissions", timeout=15, json={
        "invitation": link.split("#invitation=")[1],
        "client": {"first_name": "Maria", "last_name": last_name, "birth_date": "1985-04-12",
                   "sex": "F", "address": {"line1": "5 Oak Ave", "line2": None,
                                           "city": "New York", "state": "NY",
                                           "postal_code": "10001"},
                   "phone": None, "email": f"maria.{last_name.lower()}@example.org",
                   "coverage": None},
        "secondary_coverage": None,
        "questionnaire": {"conditions": [], "medications": [], "injuries": [],
                          "platelet_count": None, "notes": ""},
        "consent": {"version": consent["version"], "signature": f"Maria {last_name}",
                    "agreed": True}})
    assert answer.status_code == 201, answer.text


def test_front_desk_confirms_an_online_intake_and_works_the_waitlist_and_messages(
        console_stack: ConsoleStack, tab: Staff):
    page, last_name = tab.page, name()
    sign_in(console_stack, tab, "frontdesk")
    page.get_by_role("navigation").get_by_role("link", name="Intakes").click()
    page.get_by_label("Client's email (optional)").fill("maria@example.org")
    page.get_by_role("button", name="Create an intake link").click()
    link = page.get_by_label("Intake link").input_value()
    assert "/intake/#invitation=" in link
    _intake_sent(console_stack, link, last_name)
    page.reload()  # the form was posted: show the list afresh
    page.get_by_role("navigation").get_by_role("link", name="Intakes").click()
    row = page.locator("#pending-intakes tr", has_text=last_name)
    expect(row).to_contain_text("Cleared for massage")
    check(tab, "front-desk-intakes")
    row.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.get_by_role("status")).to_have_text("The questionnaire is recorded.")
    expect(page.locator("#screening-outcome")).to_have_text("Cleared for massage")

    # A bookable client waits for a time with the first open therapist; the front desk
    # offers one on the phone and the client accepts.
    client_id, _ = _booked_visit(console_stack, f"M{uuid.uuid4().hex[:8].upper()}")
    page.goto(f"{console_stack.url}/front-desk/clients/{client_id}")
    page.get_by_role("link", name="Put on the waitlist").click()
    expect(page.get_by_label("Client id")).to_have_value(client_id)
    page.get_by_role("button", name="Put on the waitlist").click()
    expect(page.get_by_role("status")).to_have_text("The client is on the waitlist.")
    row = page.locator("#waitlist tbody tr", has_text="Ivo")
    expect(row).to_contain_text("waiting")
    service = console_stack.clinic.services["Medical massage 60 min"]
    today = demo.clinic_today()
    start = (today + timedelta(days=2)).isoformat() + "T00:00:00-05:00"
    end = (today + timedelta(days=9)).isoformat() + "T00:00:00-05:00"
    slot = call(console_stack, "front_desk", "GET", "scheduling", "/availability",
                params={"service": service, "from": start, "to": end})["slots"][-1]
    local = datetime.fromisoformat(slot["start"]).astimezone(ZoneInfo(demo.TIME_ZONE))
    row.locator("select[name=therapist_id]").select_option(slot["therapist_id"])
    row.locator("input[name=start]").fill(local.strftime("%Y-%m-%dT%H:%M"))
    row.get_by_role("button", name="Offer").click()
    expect(page.get_by_role("status")).to_have_text("The slot is offered to the client.")
    row = page.locator("#waitlist tbody tr", has_text="Ivo")
    expect(row.locator(".waitlist-state")).to_contain_text(local.strftime("%d %b %H:%M"))
    check(tab, "front-desk-waitlist")
    row.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.get_by_role("status")).to_have_text("The offer is accepted: the visit is booked.")
    expect(page.locator("#waitlist")).not_to_contain_text("Ivo")

    page.goto(f"{console_stack.url}/front-desk/clients/{client_id}")
    page.get_by_label("Visit reminders by text message").uncheck()
    page.get_by_role("button", name="Save message choices").click()
    expect(page.get_by_role("status")).to_have_text("The client's message choices are saved.")
    expect(page.get_by_label("Visit reminders by text message")).not_to_be_checked()
    page.get_by_role("navigation").get_by_role("link", name="Messages").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages to clients")
    expect(page.locator("#delivery-trouble")).to_contain_text("bounced")
    check(tab, "front-desk-messages")


def test_a_therapist_completes_her_own_visit_seeing_the_units_as_minutes_are_entered(
        console_stack: ConsoleStack, tab: Staff):
    # The stack's clock has reached Dana's visit (tests/e2e/support.py live_until): she
    # records it herself, with no one's override.
    dana = console_stack.clinic.therapists["Dana Whitfield"]
    _, visit_id = _booked_visit(console_stack, f"M{uuid.uuid4().hex[:8].upper()}", dana)
    page = tab.page
    sign_in(console_stack, tab, "dana.whitfield")
    page.get_by_role("navigation").get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your visits")
    check(tab, "therapist-today")
    page.goto(f"{console_stack.url}/therapist/visits/{visit_id}")
    expect(page.locator("#precautions")).to_contain_text("No restrictions.")
    expect(page.get_by_label("Admin: why you record this visit")).to_have_count(0)
    page.get_by_label("Technique", exact=True).first.select_option("myofascial_release")
    page.get_by_label("Minutes").first.fill("23")
    page.get_by_label("lower back").first.check()
    # console.js asks the console for the units as minutes are typed.
    expect(page.locator("#units-preview")).to_contain_text("CPT 97140: 23 min → 2 units")
    page.get_by_label("Technique", exact=True).nth(1).select_option("swedish")
    page.get_by_label("Minutes").nth(1).fill("30")
    page.get_by_label("lower back").nth(1).check()
    expect(page.locator("#units-preview")).to_contain_text("bills 4 units for 53 minutes")
    for part, text in SOAP.items():
        page.locator(f"#{part}").fill(text)
    check(tab, "therapist-completion")
    page.get_by_role("button", name="Record the session").click()
    expect(page.locator("#recorded-codes")).to_contain_text("97140")
    check(tab, "therapist-session-recorded")


def test_billing_corrects_the_member_id_of_a_rejected_claim_and_resubmits_it(
        console_stack: ConsoleStack, tab: Staff):
    client_id, visit_id = _booked_visit(console_stack, REJECTED_MEMBER_ID)
    call(console_stack, "admin", "POST", "scheduling", f"/appointments/{visit_id}/complete", {
        "techniques": [{"technique": "swedish", "minutes": 30, "body_regions": ["lower_back"]}],
        "soap_note": SOAP, **ON_BEHALF}, 201)

    def rejected() -> dict | None:
        claims = call(console_stack, "billing", "GET", "claims", "/claims",
                      params={"client_id": client_id})["claims"]
        return next((c for c in claims if c["status"] == "rejected"), None)

    claim = wait_for(rejected, 90, 0.5, "the claim to be rejected")
    page = tab.page
    sign_in(console_stack, tab, "billing")
    page.get_by_role("navigation").get_by_role("link", name="Billing", exact=True).first.click()
    expect(page.locator("#work-queue")).to_contain_text(claim["claim_id"])
    expect(page.locator("#aging-chart")).to_be_visible()
    check(tab, "billing-work-queue")
    page.get_by_role("link", name=claim["claim_id"]).first.click()
    expect(page.locator("#claim-status")).to_have_text("rejected")
    expect(page.locator("pre.x12")).to_contain_text(REJECTED_MEMBER_ID)
    check(tab, "billing-claim")
    page.get_by_label("Corrected member id").fill("ACM9087001")
    page.get_by_role("button", name="Correct and resubmit").click()
    expect(page.get_by_role("status")).to_contain_text(f"in place of {claim['claim_id']}")
    replacement = page.url.split("/claims/")[1].split("?")[0]
    assert replacement != claim["claim_id"]

    def accepted() -> bool:
        page.goto(f"{console_stack.url}/billing/claims/{replacement}")
        return page.locator("#claim-status").inner_text() in (
            "accepted", "paid", "partially paid", "patient balance", "closed")

    wait_for(accepted, 90, 1, "the replacement claim to be accepted")
    expect(page.locator("pre.x12")).not_to_contain_text(REJECTED_MEMBER_ID)

    pdf = page.request.get(console_stack.url + (page.locator("#cms1500-link").get_attribute(
        "href") or ""))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.goto(f"{console_stack.url}/billing/queue")
    page.get_by_role("link", name="Payers and fee schedules").click()
    expect(page.locator("#payers")).to_contain_text(demo.ACME.name)
    expect(page.locator("#fees")).to_contain_text("97140")
    check(tab, "billing-payers-and-fees")
    page.locator("#payers").get_by_role("link", name=f"Change {demo.ACME.name}").click()
    expect(page.get_by_label("Payer name")).to_have_value(demo.ACME.name)
    page.get_by_label("Timely filing (days)").fill("0")
    page.get_by_role("button", name="Save the payer").click()
    expect(page.locator("#payer-timely_filing_days-error")).to_be_visible()
    check(tab, "billing-payer-form-with-errors")
    page.get_by_label("Timely filing (days)").fill("180")
    page.get_by_role("button", name="Save the payer").click()
    expect(page.get_by_role("status")).to_have_text("The payer is saved.")
    expect(page.locator("#payers")).to_contain_text("180 days")


def test_ops_replays_a_dead_letter_and_the_replay_is_audited(
        console_stack: ConsoleStack, tab: Staff):
    # A message no consumer can read, on a topic the claims service consumes.
    topic = CLAIMS_SUBSCRIPTIONS[0].event_type.topic
    marker = uuid.uuid4().hex
    producer = KafkaProducer(bootstrap_servers=console_stack.stack.bootstrap_servers)
    producer.send(topic, key=marker.encode(), value=f"not an event {marker}".encode()).get(30)
    producer.close()
    page = tab.page
    sign_in(console_stack, tab, "ops")
    page.get_by_role("navigation").get_by_role("link", name="Operations").click()
    expect(page.locator("#topics")).to_contain_text(topic)
    expect(page.locator("#lag-chart")).to_be_visible()
    check(tab, "ops-board")
    group = console_stack.stack.env["MEDMASSAGE_CONSUMER_GROUP_PREFIX"] + "claims"

    def parked() -> bool:
        page.goto(f"{console_stack.url}/ops/dead-letters")
        return page.locator("#dead-letters tr", has_text=group).count() > 0

    wait_for(parked, 60, 1, "the message to be dead-lettered")
    row = page.locator("#dead-letters tr", has_text=group).last
    expect(row).to_contain_text("not an event")  # malformed: it is no CloudEvent
    check(tab, "ops-dead-letters")
    row.get_by_role("button", name=re.compile("^Replay")).click()
    expect(page.get_by_role("status")).to_contain_text(f"Replayed {topic}.dlq")

    admin = open_tab(tab.page.context.browser)
    sign_in(console_stack, admin, "admin", console_stack.admin_password)
    admin.page.goto(f"{console_stack.url}/admin/audit")
    expect(admin.page.locator("table")).to_contain_text("dead letter replayed")
    expect(admin.page.locator("table")).to_contain_text(f"{topic}.dlq")
    check(admin, "admin-audit")
    admin.page.goto(f"{console_stack.url}/admin/accounts")
    check(admin, "admin-accounts")
    admin.page.context.close()
    assert admin.problems == []


def test_the_main_pages_fit_a_tablet_without_sideways_scrolling(
        console_stack: ConsoleStack, tab: Staff):
    tablet = open_tab(tab.page.context.browser, width=768, height=1024)
    sign_in(console_stack, tablet, "admin", console_stack.admin_password)
    for path in ("/home", "/front-desk/clients", "/front-desk/intakes/", "/front-desk/waitlist/",
                 "/messages/", "/billing/queue", "/billing/setup", "/ops/", "/admin/accounts"):
        tablet.page.goto(f"{console_stack.url}{path}")
        overflow = tablet.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a tablet"
    screenshot(tablet.page, "tablet-accounts")
    tablet.page.context.close()
    assert tablet.problems == []
