"""Referrals recorded before screening_0003 (one-line physician name, no diagnosis map)
still read, announce and amend, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import insert

from services.screening.app import MIGRATIONS, create_app
from services.screening.config import ScreeningConfig
from services.screening.store.tables import clients, referrals
from shared.config import Settings
from shared.db import make_engine
from shared.events.contracts.screening import REFERRAL_AMENDED
from shared.migrations import alembic_config, migrate
from tests.integration.screening.builders import FRONT_DESK, a_referral, payload_of, queued_events

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_a_referral_recorded_before_names_in_parts_reads_and_amends(database_url):
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine, MIGRATIONS), "screening_0002")
    # Only the columns 0002 has: Core inserts name no others.
    with engine.begin() as connection:
        connection.execute(insert(clients).values(
            client_id="cl_old", identity_key="lopez|maria|1980-04-12|", version=1,
            first_name="Maria", last_name="Lopez", last_name_key="lopez",
            birth_date=date(1980, 4, 12), sex="F",
            address={"line1": "1 Elm St", "line2": None, "city": "Albany", "state": "NY",
                     "postal_code": "12207"},
            phone=None, email=None, coverage=None, created_at=NOW, updated_at=NOW))
        connection.execute(insert(referrals).values(
            referral_id="rf_old", client_id="cl_old", version=1, status="recorded",
            physician_name="Dr. Ada Okafor", physician_npi="1234567893", diagnoses=["M54.50"],
            codes=["97124"], techniques=[], body_regions=["lower_back"], visits_per_week=2,
            weeks=4, authorized_visits=8, authorization_number=None, start_on=date(2026, 3, 2),
            end_on=date(2026, 3, 31), closed_on=None, revoke_reason=None, correlation_id=None,
            recorded_at=NOW, updated_at=NOW))
    migrate(engine, MIGRATIONS)
    app = create_app(ScreeningConfig.from_settings(Settings(service="screening",
                                                            database_url=database_url)))
    http = app.test_client()
    path = "/clients/cl_old/referrals/rf_old"

    before = http.get(path, headers=FRONT_DESK).json
    amended = http.put(path, json={**a_referral(authorized_visits=12),
                                   "physician_last_name": None, "physician_first_name": None,
                                   "physician_credential": None,
                                   "physician_name": "Dr. Ada Okafor"}, headers=FRONT_DESK)

    assert (before["physician_name"], before["physician_last_name"],
            before["diagnosis_regions"]) == ("Dr. Ada Okafor", None, [])
    assert amended.status_code == 200, amended.json
    physician = payload_of(queued_events(app, REFERRAL_AMENDED)[0])["physician"]
    assert (physician["last_name"], physician["first_name"], physician["name"]) == (
        "Okafor", "Ada", "Dr. Ada Okafor")
    assert amended.json["diagnosis_regions"] == [
        {"diagnosis": "M54.50", "body_regions": ["lower_back"]},
        {"diagnosis": "M62.830", "body_regions": ["lower_back"]}]
