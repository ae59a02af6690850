"""The screening service's rules, pure Python: no Flask, SQL, Kafka or marshmallow here."""

from services.screening.domain.clearance import Clearance
from services.screening.domain.clients import client_identity_key, name_search_key
from services.screening.domain.diagnoses import Diagnosis, common_diagnoses
from services.screening.domain.errors import (
    ClearanceNotNeeded,
    InvalidClearance,
    InvalidQuestionnaire,
    InvalidReferral,
    ReferralClosed,
    RulesFileError,
    ScreeningError,
)
from services.screening.domain.evaluation import apply_clearance, evaluate
from services.screening.domain.medications import Drug, MedicationList, load_medications
from services.screening.domain.outcome import (
    OUTCOMES,
    Reason,
    ScreeningOutcome,
    is_current,
    may_be_booked,
    precaution_breaches,
)
from services.screening.domain.questionnaire import INJURY_KINDS, Injury, Questionnaire
from services.screening.domain.referral import (
    REFERRAL_STATUSES,
    Referral,
    record_referral,
    referrals_due_to_expire,
    validate_referral,
)
from services.screening.domain.rules import Rule, ScreeningRules, load_rules, parse_rules

__all__ = [
    "INJURY_KINDS",
    "OUTCOMES",
    "REFERRAL_STATUSES",
    "Clearance",
    "ClearanceNotNeeded",
    "Diagnosis",
    "Drug",
    "Injury",
    "InvalidClearance",
    "InvalidQuestionnaire",
    "InvalidReferral",
    "MedicationList",
    "Questionnaire",
    "Reason",
    "Referral",
    "ReferralClosed",
    "Rule",
    "RulesFileError",
    "ScreeningError",
    "ScreeningOutcome",
    "ScreeningRules",
    "apply_clearance",
    "client_identity_key",
    "common_diagnoses",
    "evaluate",
    "is_current",
    "load_medications",
    "load_rules",
    "may_be_booked",
    "name_search_key",
    "parse_rules",
    "precaution_breaches",
    "record_referral",
    "referrals_due_to_expire",
    "validate_referral",
]
