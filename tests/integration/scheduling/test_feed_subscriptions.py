"""Therapists' calendar subscriptions: a secret URL that works without a token, rotates,
revokes, and is rate-limited like every public view."""

from __future__ import annotations

import sqlalchemy as sa

from services.scheduling.app import create_app
from services.scheduling.config import SchedulingConfig
from services.scheduling.store.feeds import feeds
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    OTHER_THERAPIST,
    THERAPIST,
    book,
    eligible_client,
    local,
    settings_for,
)


def subscribe(http, therapist_id: str, headers=FRONT_DESK) -> str:  # type: ignore[no-untyped-def]
    response = http.post(f"/therapists/{therapist_id}/feed", headers=headers)
    assert response.status_code == 201, response.json
    assert response.headers["Cache-Control"] == "no-store"
    return response.json["feed_url"].removeprefix("http://localhost")


def test_a_calendar_app_reads_the_feed_by_its_secret_url_without_a_token(http, clinic, engine):
    client_id = eligible_client(engine)
    book(http, clinic, client_id, local(2026, 3, 3, 10))
    path = subscribe(http, clinic.therapist_id)
    response = http.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True).replace("\r\n ", "")
    assert "DTSTART:20260303T150000Z" in text
    assert "X-WR-TIMEZONE:America/New_York" in text
    assert f"client {client_id[:8]}" in text
    assert "no-store" in response.headers["Cache-Control"]


def test_only_a_hash_of_the_secret_is_stored(http, clinic, engine):
    path = subscribe(http, clinic.therapist_id)
    secret = path.removeprefix("/feeds/").removesuffix(".ics")
    with engine.connect() as connection:
        [row] = connection.execute(sa.select(feeds)).all()
    assert secret not in row.secret_hash


def test_rotating_the_secret_stops_the_old_url_and_revoking_stops_any(http, clinic):
    old = subscribe(http, clinic.therapist_id)
    new = subscribe(http, clinic.therapist_id)
    assert http.get(old).status_code == 404
    assert http.get(new).status_code == 200
    assert http.delete(f"/therapists/{clinic.therapist_id}/feed",
                       headers=FRONT_DESK).status_code == 204
    assert http.get(new).status_code == 404
    assert http.delete(f"/therapists/{clinic.therapist_id}/feed",
                       headers=FRONT_DESK).status_code == 404
    assert http.get("/feeds/not-a-secret.ics").status_code == 404


def test_a_therapist_manages_only_their_own_subscription(http, clinic):
    assert subscribe(http, clinic.therapist_id, THERAPIST)
    refused = http.post(f"/therapists/{clinic.therapist_id}/feed", headers=OTHER_THERAPIST)
    assert refused.status_code == 404
    assert http.delete(f"/therapists/{clinic.therapist_id}/feed",
                       headers=OTHER_THERAPIST).status_code == 404
    keyed = http.post(f"/therapists/{clinic.therapist_id}/feed",
                      headers=FRONT_DESK | {"Idempotency-Key": "k1"})
    assert keyed.status_code == 400  # its stored answer would keep the URL


def test_the_secret_url_is_rate_limited_per_address(http, clinic, scheduling_db, clock,
                                                    monkeypatch):
    path = subscribe(http, clinic.therapist_id)
    monkeypatch.setenv("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE", "3")
    limited = create_app(SchedulingConfig(settings_for(scheduling_db), clock=clock)).test_client()
    statuses = [limited.get(path).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
