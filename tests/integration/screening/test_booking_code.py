"""The front desk hands a client a booking code for the website widget."""

from __future__ import annotations

from shared.config import DEV_JWT_SECRET
from shared.web.auth import verify_token
from tests.integration.screening.builders import register
from tests.support.http import auth


def test_a_registered_client_gets_a_booking_code_for_only_themselves(sqlite_http):
    client = register(sqlite_http)
    response = sqlite_http.post(f"/clients/{client['client_id']}/booking-code",
                                headers=auth("front_desk"))
    assert response.status_code == 201
    claims = verify_token(DEV_JWT_SECRET, response.get_json()["booking_code"])
    assert claims["sub"] == client["client_id"]
    assert claims["scope"] == "booking"
    assert "roles" not in claims


def test_a_booking_code_cannot_be_used_as_a_staff_token(sqlite_http):
    client = register(sqlite_http)
    code = sqlite_http.post(f"/clients/{client['client_id']}/booking-code",
                            headers=auth("front_desk")).get_json()["booking_code"]
    response = sqlite_http.get(f"/clients/{client['client_id']}",
                               headers={"Authorization": f"Bearer {code}"})
    assert response.status_code == 403


def test_no_booking_code_for_an_unknown_client_or_a_therapist(sqlite_http):
    assert sqlite_http.post("/clients/cl_nobody/booking-code",
                            headers=auth("front_desk")).status_code == 404
    client = register(sqlite_http)
    assert sqlite_http.post(f"/clients/{client['client_id']}/booking-code",
                            headers=auth("therapist")).status_code == 403
