"""Builders for the claims rules: valid defaults, override what a test is about."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from services.claims.domain.claim import ClaimInputs
from services.claims.domain.records import (
    Address,
    Client,
    CodingEdit,
    Coverage,
    FeeScheduleEntry,
    Payer,
    Person,
    Referral,
    Session,
    SessionCode,
)

VISIT_DAY = date(2024, 3, 4)
BILLING_NPI = "1245319599"
REFERRING_NPI = "1234567893"
RENDERING_NPI = "1679576722"


def a_person(**overrides: Any) -> Person:
    """An adult in Springfield."""
    defaults: dict[str, Any] = {
        "first_name": "Jane",
        "last_name": "Doe",
        "birth_date": date(1980, 5, 17),
        "sex": "F",
        "address": Address("12 Elm St", "Springfield", "IL", "62701"),
    }
    return Person(**(defaults | overrides))


def a_client(**coverage_overrides: Any) -> Client:
    """A client who is her own subscriber at Acme Health."""
    coverage = Coverage(
        payer_id="ACME01",
        payer_name="Acme Health",
        member_id="MEM123456",
        relationship_to_subscriber="self",
        group_number="GRP-77",
    )
    return Client("client-1", a_person(), replace(coverage, **coverage_overrides))


def a_referral(**overrides: Any) -> Referral:
    """Low back pain and muscle spasm, 8 visits through spring."""
    defaults: dict[str, Any] = {
        "referral_id": "referral-1",
        "client_id": "client-1",
        "physician_name": "Anna Smith",
        "physician_npi": REFERRING_NPI,
        "diagnoses": ("M54.50", "M62.830"),
        "codes": ("97124", "97140"),
        "body_regions": ("lower_back", "neck"),
        "authorized_visits": 8,
        "start_on": date(2024, 2, 1),
        "end_on": date(2024, 5, 31),
    }
    return Referral(**(defaults | overrides))


def a_payer(**overrides: Any) -> Payer:
    """Acme Health: CMS units, no GP, a year to file."""
    return replace(Payer("ACME01", "Acme Health"), **overrides)


def a_code(code: str, minutes: int, units: int, *regions: str) -> SessionCode:
    """One code of a session, on the given body regions (lower back by default)."""
    return SessionCode(code, minutes, units, frozenset(regions or ("lower_back",)))


def a_session(*codes: SessionCode, **overrides: Any) -> Session:
    """A 30-minute manual therapy session, counted the CMS way."""
    defaults: dict[str, Any] = {
        "session_id": "session-1",
        "client_id": "client-1",
        "referral_id": "referral-1",
        "date_of_service": VISIT_DAY,
        "place_of_service": "11",
        "counting_method": "cms",
        "rendering_name": "Sam Lee",
        "rendering_npi": RENDERING_NPI,
        "codes": codes or (a_code("97140", 30, 2),),
    }
    return Session(**(defaults | overrides))


def fee(code: str, charge: str, allowed: str, **overrides: Any) -> FeeScheduleEntry:
    """Acme's per-unit prices for ``code`` since 2024."""
    entry = FeeScheduleEntry("ACME01", code, date(2024, 1, 1), Decimal(charge), Decimal(allowed))
    return replace(entry, **overrides)


DEFAULT_EDIT = CodingEdit("97140", "97124", True, "XS", date(2015, 1, 1))
DEFAULT_FEES = (fee("97140", "45.00", "31.17"), fee("97124", "40.00", "28.55"))


def inputs(**overrides: Any) -> ClaimInputs:
    """Everything a ready claim needs."""
    defaults: dict[str, Any] = {
        "session": a_session(),
        "client": a_client(),
        "referral": a_referral(),
        "payer": a_payer(),
        "fees": DEFAULT_FEES,
        "edits": (DEFAULT_EDIT,),
        "billing_npi": BILLING_NPI,
        "visits_used": 0,
        "today": date(2024, 3, 5),
    }
    return ClaimInputs(**(defaults | overrides))
