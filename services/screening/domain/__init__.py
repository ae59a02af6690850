"""The screening service's rules, pure Python: no Flask, SQL, Kafka or marshmallow here."""

from services.screening.domain.clearance import Clearance
from services.screening.domain.clients import client_identity_key, name_search_key
from services.screening.domain.contact import e164_phone, is_time_zone
from services.screening.domain.coverage import billable_client
from services.screening.domain.diagnoses import Diagnosis, common_diagnoses, matching
from services.screening.domain.errors import (
    ClearanceNotNeeded,
    ClientNotFound,
    DuplicateClient,
    InvalidClearance,
    InvalidQuestionnaire,
    InvalidReferral,
    NotBillable,
    ReferralChanged,
    ReferralClosed,
    ReferralNotFound,
    RulesFileError,
    ScreeningNotFound,
)
from services.screening.domain.evaluation import apply_clearance, evaluate
from services.screening.domain.medications import Drug, MedicationList, load_medications
from services.screening.domain.outcome import Reason, ScreeningOutcome, is_current
from services.screening.domain.questionnaire import INJURY_KINDS, Injury, Questionnaire
from services.screening.domain.referral import (
    REFERRAL_STATUSES,
    Referral,
    billing_problems,
    record_referral,
    referrals_due_to_expire,
    validate_referral,
)
from services.screening.domain.rules import Rule, ScreeningRules, load_rules, parse_rules

__all__ = [
    "INJURY_KINDS",
    "REFERRAL_STATUSES",
    "Clearance",
    "ClearanceNotNeeded",
    "ClientNotFound",
    "Diagnosis",
    "Drug",
    "DuplicateClient",
    "Injury",
    "InvalidClearance",
    "InvalidQuestionnaire",
    "InvalidReferral",
    "MedicationList",
    "NotBillable",
    "Questionnaire",
    "Reason",
    "Referral",
    "ReferralChanged",
    "ReferralClosed",
    "ReferralNotFound",
    "Rule",
    "RulesFileError",
    "ScreeningNotFound",
    "ScreeningOutcome",
    "ScreeningRules",
    "apply_clearance",
    "billable_client",
    "billing_problems",
    "client_identity_key",
    "common_diagnoses",
    "e164_phone",
    "evaluate",
    "is_current",
    "is_time_zone",
    "load_medications",
    "load_rules",
    "matching",
    "name_search_key",
    "parse_rules",
    "record_referral",
    "referrals_due_to_expire",
    "validate_referral",
]
