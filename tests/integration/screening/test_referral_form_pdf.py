"""The referral form as a PDF: blank for anyone, with the client's part for the front desk."""

from __future__ import annotations

import io

import pypdf

from tests.integration.screening.builders import FRONT_DESK, a_coverage, register
from tests.support.http import auth


def text_of(pdf: bytes) -> list[str]:
    """Each page's text as pypdf extracts it."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_the_blank_referral_form_pdf_is_public_and_has_every_field(http):
    response = http.get("/referral-form.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    form, *reference_pages = text_of(response.data)
    reference = " ".join(reference_pages)
    for label in ("Patient name", "Date of birth", "Insurance member ID", "NPI", "Luhn",
                  "ICD-10-CM", "1 (principal)", "97124 - Massage",
                  "97140 - Manual therapy techniques", "Myofascial release", "Lower back",
                  "Visits per week", "Visits authorized", "Payer authorization number",
                  "Start date", "End date", "Physician signature"):  # fmt: skip
        assert label in form, label
    assert "M54.50" in reference and "Low back pain" in reference


def test_the_front_desks_pdf_carries_the_clients_name_birth_date_and_member_id(http):
    client = register(http, first_name="Zoë", last_name="Łódź-Peña",
                      coverage=a_coverage(member_id="W55501234"))  # fmt: skip

    response = http.get(f"/clients/{client['client_id']}/referral-form.pdf",
                        headers=FRONT_DESK)  # fmt: skip

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    form = text_of(response.data)[0]
    assert "Zoë Lódz-Peña" in form  # Latin-1 kept (ë, ó, ñ), the rest transliterated (Ł)
    assert client["birth_date"] in form
    assert "W55501234" in form


def test_the_blank_form_names_no_client(http):
    form = text_of(http.get("/referral-form.pdf").data)[0]

    assert "W123456789" not in form and "Lopez" not in form


def test_the_prefilled_pdf_is_for_the_front_desk_only_and_of_a_known_client(http):
    client = register(http)
    path = f"/clients/{client['client_id']}/referral-form.pdf"

    assert http.get(path).status_code == 401
    assert http.get(path, headers=auth("therapist")).status_code == 403
    missing = http.get("/clients/cl_nobody/referral-form.pdf", headers=FRONT_DESK)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
