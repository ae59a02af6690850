"""The physician's referral (prescription) that medical massage is booked and billed against."""

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.screening.domain.errors import InvalidReferral, ReferralClosed
from shared.identifiers import is_valid_icd10_cm, is_valid_npi, normalise_icd10_cm
from shared.vocabulary import BODY_REGIONS, TECHNIQUES, TIMED_CODES

OPEN_STATUSES: frozenset[str] = frozenset({"recorded", "amended"})
REFERRAL_STATUSES: frozenset[str] = OPEN_STATUSES | {"revoked", "expired"}


@dataclass(frozen=True)
class Referral:
    """What the physician prescribed, for which diagnoses, how often and for how long."""

    referral_id: str
    client_id: str
    physician_name: str
    physician_npi: str
    diagnoses: tuple[str, ...]  # ICD-10-CM, canonical form, principal first
    codes: frozenset[str]  # CPT 97124 / 97140
    techniques: frozenset[str]
    body_regions: frozenset[str]
    visits_per_week: int
    weeks: int
    authorized_visits: int
    start_on: date
    end_on: date  # the last day the referral covers
    authorization_number: str | None = None
    status: str = "recorded"

    def __post_init__(self) -> None:
        if self.status not in REFERRAL_STATUSES:
            raise ValueError(f"unknown referral status {self.status!r}")

    def is_open(self) -> bool:
        """Whether the referral is neither revoked nor expired."""
        return self.status in OPEN_STATUSES

    def is_active_on(self, day: date) -> bool:
        """Whether sessions on that day may be booked and billed against this referral."""
        return self.is_open() and self.start_on <= day <= self.end_on

    def amend(self, **changes: Any) -> "Referral":
        """The referral with the physician's changes, validated like a new one."""
        self._refuse_if_closed("amend")
        return record_referral(
            referral_id=self.referral_id,
            client_id=self.client_id,
            status="amended",
            **{**_prescription_of(self), **changes},
        )

    def revoke(self) -> "Referral":
        """The referral withdrawn by the physician or the clinic."""
        self._refuse_if_closed("revoke")
        return dataclasses.replace(self, status="revoked")

    def expire(self) -> "Referral":
        """The referral once its end date has passed."""
        self._refuse_if_closed("expire")
        return dataclasses.replace(self, status="expired")

    def _refuse_if_closed(self, action: str) -> None:
        if not self.is_open():
            raise ReferralClosed(f"Cannot {action} a {self.status} referral.")


def validate_referral(
    *,
    physician_name: str,
    physician_npi: str,
    diagnoses: Sequence[str],
    codes: Iterable[str],
    techniques: Iterable[str],
    body_regions: Iterable[str],
    visits_per_week: int,
    weeks: int,
    authorized_visits: int,
    start_on: date,
    end_on: date,
    authorization_number: str | None = None,
) -> dict[str, list[str]]:
    """Field name -> messages for every problem in a referral; empty when it is valid."""
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not physician_name.strip():
        problem("physician_name", "The referring physician's name is required.")
    if not is_valid_npi(physician_npi):
        problem("physician_npi", f"{physician_npi!r} is not a valid NPI (10 digits, Luhn check).")
    _check_diagnoses(diagnoses, problem)
    codes, techniques = set(codes), set(techniques)
    if not codes and not techniques:
        problem("codes", "Prescribe at least one code or technique.")
    for code in sorted(codes - TIMED_CODES):
        problem("codes", f"Unknown code {code!r}; expected one of {sorted(TIMED_CODES)}.")
    for technique in sorted(techniques - TECHNIQUES):
        problem("techniques", f"Unknown technique {technique!r}.")
    body_regions = set(body_regions)
    if not body_regions:
        problem("body_regions", "Name at least one body region.")
    for region in sorted(body_regions - BODY_REGIONS):
        problem("body_regions", f"Unknown body region {region!r}.")
    if not 1 <= visits_per_week <= 7:
        problem("visits_per_week", "Visits per week must be between 1 and 7.")
    if weeks < 1:
        problem("weeks", "The duration must be at least one week.")
    if authorized_visits < 1:
        problem("authorized_visits", "At least one visit must be authorized.")
    if end_on < start_on:
        problem("end_on", "The end date is before the start date.")
    if authorization_number is not None and not authorization_number.strip():
        problem("authorization_number", "Leave the authorization number out or fill it in.")
    return errors


def record_referral(
    *, referral_id: str, client_id: str, status: str = "recorded", **prescription: Any
) -> Referral:
    """A validated referral with its diagnoses in canonical form; raises InvalidReferral."""
    errors = validate_referral(**prescription)
    if errors:
        raise InvalidReferral(errors)
    return Referral(
        referral_id=referral_id,
        client_id=client_id,
        status=status,
        **{
            **prescription,
            "diagnoses": tuple(normalise_icd10_cm(code) for code in prescription["diagnoses"]),
            "codes": frozenset(prescription["codes"]),
            "techniques": frozenset(prescription["techniques"]),
            "body_regions": frozenset(prescription["body_regions"]),
        },
    )


def referrals_due_to_expire(referrals: Iterable[Referral], today: date) -> list[Referral]:
    """Open referrals whose end date has passed: each is expired (and announced) once."""
    return [referral for referral in referrals if referral.is_open() and referral.end_on < today]


def _check_diagnoses(diagnoses: Sequence[str], problem: Callable[[str, str], None]) -> None:
    if not diagnoses:
        problem("diagnoses", "At least one diagnosis is required, the principal one first.")
    seen = set()
    for code in diagnoses:
        if not is_valid_icd10_cm(code):
            problem("diagnoses", f"{code!r} is not an ICD-10-CM code.")
            continue
        canonical = normalise_icd10_cm(code)
        if canonical in seen:
            problem("diagnoses", f"{canonical} is listed twice.")
        seen.add(canonical)


def _prescription_of(referral: Referral) -> dict[str, Any]:
    fields = dataclasses.asdict(referral)
    for not_prescribed in ("referral_id", "client_id", "status"):
        del fields[not_prescribed]
    return fields
