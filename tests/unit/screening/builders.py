"""Builders for screening tests: sensible defaults, override only what a test is about."""

import json
from datetime import date
from typing import Any

from services.screening.domain import (
    Clearance,
    Injury,
    Questionnaire,
    Referral,
    ScreeningOutcome,
    evaluate,
    load_rules,
    record_referral,
)
from services.screening.domain.rules import DEFAULT_RULES_PATH

RULES = load_rules()
SCREENED_ON = date(2026, 3, 2)
VALID_NPI = "1234567893"


def a_questionnaire(**answers: Any) -> Questionnaire:
    """A questionnaire with nothing to report unless told otherwise."""
    return Questionnaire(**answers)


def an_injury(kind: str = "wound", body_region: str = "left_leg", healed: bool = False) -> Injury:
    """An unhealed wound on the left leg unless told otherwise."""
    return Injury(kind, body_region, healed)


def a_screening(**answers: Any) -> ScreeningOutcome:
    """The shipped rules' verdict on a questionnaire with those answers."""
    return evaluate(a_questionnaire(**answers), RULES, SCREENED_ON)


def a_clearance(**fields: Any) -> Clearance:
    """A clearance by a physician with a valid NPI, adding no restriction of its own."""
    defaults: dict[str, Any] = {
        "physician_name": "Dr. Ada Okafor",
        "physician_npi": VALID_NPI,
        "cleared_on": date(2026, 3, 9),
    }
    return Clearance(**{**defaults, **fields})


def a_prescription(**fields: Any) -> dict[str, Any]:
    """The fields of a valid referral: low back pain, 2x/week for 4 weeks, one region."""
    defaults: dict[str, Any] = {
        "physician_last_name": "Okafor",
        "physician_first_name": "Ada",
        "physician_credential": "MD",
        "physician_npi": VALID_NPI,
        "diagnoses": ["M54.50", "M62.830"],
        "codes": ["97124", "97140"],
        "techniques": ["myofascial_release"],
        "body_regions": ["lower_back"],
        "visits_per_week": 2,
        "weeks": 4,
        "authorized_visits": 8,
        "start_on": date(2026, 3, 2),
        "end_on": date(2026, 3, 31),
        "authorization_number": None,
    }
    return {**defaults, **fields}


def a_referral(referral_id: str = "ref-1", **fields: Any) -> Referral:
    """A recorded referral built from a_prescription()."""
    return record_referral(
        referral_id=referral_id, client_id="client-1", **a_prescription(**fields)
    )


def shipped_rules_data() -> dict[str, Any]:
    """A fresh copy of the shipped rules file's JSON, for tests that edit it."""
    return json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def a_rule_entry(**fields: Any) -> dict[str, Any]:
    """A rules-file entry: a wound rule unless told otherwise."""
    defaults: dict[str, Any] = {
        "code": "test_rule",
        "text": "A rule under test",
        "when": {"unhealed_injuries": ["wound"]},
        "outcome": "cleared_with_precautions",
        "precautions": {"avoid_injured_regions": True},
    }
    return {**defaults, **fields}
