"""The referral-expiry job: each referral past its end date is expired and announced once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from flask import Flask

from services.screening.workers.referral_expiry import ReferralExpiry
from shared.events.contracts.screening import REFERRAL_EXPIRED, REFERRAL_WINDOW
from tests.integration.screening.builders import (
    FRONT_DESK,
    a_coverage,
    payload_of,
    queued_events,
    refer,
    register,
)
from tests.support.waiting import wait_for

TODAY = date(2026, 4, 1)


def job(app: Flask, today: date = TODAY, interval: float = 3600) -> ReferralExpiry:
    """The expiry job on the app's database, with the clinic calendar saying ``today``."""
    return ReferralExpiry(app.extensions["medmassage"].engine, lambda: today, interval)


def test_a_referral_past_its_end_date_is_expired_and_announced_exactly_once(http, app):
    client = register(http)
    ended = refer(http, client["client_id"], correlation_id="corr-fax-9", end_on="2026-03-31")
    ends_today = refer(http, client["client_id"], end_on="2026-04-01")
    revoked = refer(http, client["client_id"], end_on="2026-03-15")
    http.post(f"/clients/{client['client_id']}/referrals/{revoked['referral_id']}/revoke",
              headers=FRONT_DESK)

    assert job(app).expire_due() == 1
    assert job(app).expire_due() == 0

    [event] = queued_events(app, REFERRAL_EXPIRED)
    assert (event.subject, event.correlation_id) == (client["client_id"], "corr-fax-9")
    assert payload_of(event) == {"referral_id": ended["referral_id"],
                                 "client_id": client["client_id"], "version": 2,
                                 "closed_on": TODAY}
    listed = {r["referral_id"]: r for r in http.get(
        f"/clients/{client['client_id']}/referrals", headers=FRONT_DESK).json["referrals"]}
    assert (listed[ended["referral_id"]]["status"], listed[ended["referral_id"]]["version"]) == (
        "expired", 2)
    assert listed[ends_today["referral_id"]]["status"] == "recorded"
    assert listed[revoked["referral_id"]]["status"] == "revoked"


def test_an_expiry_closes_the_referrals_window_for_booking_too(http, app):
    client = register(http)
    ended = refer(http, client["client_id"], correlation_id="corr-fax-9", end_on="2026-03-31")

    assert job(app).expire_due() == 1

    [_, closing] = queued_events(app, REFERRAL_WINDOW)
    assert (closing.subject, closing.correlation_id) == (client["client_id"], "corr-fax-9")
    assert payload_of(closing) == {
        "referral_id": ended["referral_id"], "client_id": client["client_id"], "version": 2,
        "status": "expired", "start_on": date(2026, 3, 2), "end_on": date(2026, 3, 31),
        "authorized_visits": 8, "closed_on": TODAY, "frequency": "2x/week for 4 weeks",
        "body_regions": ["lower_back"]}


def test_two_expiry_jobs_running_at_once_announce_each_referral_once(http, app):
    for number in range(8):
        client = register(http, coverage=a_coverage(member_id=f"M-{number}"))
        for _ in range(3):
            refer(http, client["client_id"], end_on="2026-03-20")

    with ThreadPoolExecutor(max_workers=3) as pool:
        counts = list(pool.map(lambda _: job(app).expire_due(), range(3)))

    assert sum(counts) == 24
    expired = [payload_of(e)["referral_id"] for e in queued_events(app, REFERRAL_EXPIRED)]
    assert len(expired) == len(set(expired)) == 24


def test_the_job_expires_on_start_then_waits_and_stops_when_asked(sqlite_http, sqlite_app):
    client = register(sqlite_http)
    refer(sqlite_http, client["client_id"], end_on="2026-03-31")
    expiry = job(sqlite_app, interval=3600)
    thread = threading.Thread(target=expiry.run, daemon=True)

    thread.start()
    wait_for(lambda: queued_events(sqlite_app, REFERRAL_EXPIRED), timeout=10,
             what="the referral expired on start")
    expiry.stop()
    thread.join(timeout=5)

    assert not thread.is_alive()
    assert len(queued_events(sqlite_app, REFERRAL_EXPIRED)) == 1
