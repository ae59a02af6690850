"""The screening service logs ids, never who the client is or what they suffer from."""

from __future__ import annotations

import logging

from shared.logs import JsonFormatter
from tests.integration.screening.builders import (
    FRONT_DESK,
    a_clearance,
    refer,
    register,
    screen,
)


def test_a_whole_intake_logs_no_name_birth_date_member_id_diagnosis_or_note(sqlite_http, caplog):
    caplog.set_level(logging.DEBUG)

    client = register(sqlite_http)
    screen(sqlite_http, client["client_id"], conditions=["dvt_current"], notes="left calf hurts")
    sqlite_http.post(f"/clients/{client['client_id']}/clearances", json=a_clearance(),
                     headers=FRONT_DESK)
    refer(sqlite_http, client["client_id"], diagnoses=["M62.830"])

    formatter = JsonFormatter("screening")
    lines = "\n".join(formatter.format(record) for record in caplog.records)
    assert client["client_id"] in lines
    for secret in ("Maria", "Lopez", "1980-04-12", "W123456789", "M62.830", "calf",
                   "dvt_current"):
        assert secret not in lines
