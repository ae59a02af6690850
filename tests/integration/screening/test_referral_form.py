"""The printable referral form: blank for anyone, pre-filled (and escaped) for the front desk."""

from __future__ import annotations

from tests.integration.screening.builders import FRONT_DESK, a_coverage, register
from tests.support.http import auth


def test_the_blank_referral_form_is_public_printable_and_self_contained(sqlite_http):
    response = sqlite_http.get("/referral-form")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for field in ("physician_last_name", "physician_first_name", "physician_credential",
                  "physician_npi", "diagnosis_1", "diagnosis_1_body_regions", "codes",
                  "techniques", "body_regions",
                  "visits_per_week", "weeks", "authorized_visits", "authorization_number",
                  "start_on", "end_on", "patient_name", "birth_date", "member_id"):
        assert f'name="{field}"' in page
    assert "Luhn" in page and "Principal diagnosis first" in page and "M54.50" in page
    assert "@media print" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page


def test_the_front_desks_form_is_prefilled_with_the_clients_part_and_escaped(sqlite_http):
    client = register(sqlite_http, first_name='<script>alert("x")</script>',
                      coverage=a_coverage(member_id='W1" onfocus="steal()'))

    response = sqlite_http.get(f"/clients/{client['client_id']}/referral-form",
                               headers=FRONT_DESK)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Lopez" in page
    assert "<script>" not in page
    assert 'value="W1&#34; ONFOCUS=&#34;STEAL()"' in page  # member ids are kept upper-case
    assert 'value="1980-04-12"' in page


def test_the_prefilled_form_of_an_unknown_client_is_404(sqlite_http):
    response = sqlite_http.get("/clients/cl_nobody/referral-form", headers=FRONT_DESK)

    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_the_prefilled_form_is_for_the_front_desk_only(sqlite_http):
    client = register(sqlite_http)

    response = sqlite_http.get(f"/clients/{client['client_id']}/referral-form",
                               headers=auth("therapist"))

    assert response.status_code == 403
