"""The physician's referral (prescription) that medical massage is booked and billed against."""

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.screening.domain.diagnosis_regions import DiagnosisRegions, diagnosis_regions_of
from services.screening.domain.errors import InvalidReferral, NotBillable, ReferralClosed
from services.screening.domain.physician import (
    PhysicianName,
    composed,
    mentions,
    split_unambiguous,
)
from shared.identifiers import (
    icd10_cm_billing_problem,
    is_valid_icd10_cm,
    is_valid_npi,
    normalise_icd10_cm,
)
from shared.vocabulary import BODY_REGIONS, TECHNIQUES, TIMED_CODES
from shared.x12_text import AUTHORIZATION_NUMBER, as_identifier, has_x12_reading, identifier_problem

OPEN_STATUSES: frozenset[str] = frozenset({"recorded", "amended"})
_PHYSICIAN_NAMING = frozenset({"physician_name", "physician_last_name", "physician_first_name",
                               "physician_credential"})
REFERRAL_STATUSES: frozenset[str] = OPEN_STATUSES | {"revoked", "expired"}


@dataclass(frozen=True)
class Referral:
    """What the physician prescribed, for which diagnoses, how often and for how long."""

    referral_id: str
    client_id: str
    physician_name: str  # the display name: as written, or composed from the parts
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
    # None only on referrals recorded before names were kept in parts, until amended.
    physician_last_name: str | None = None
    physician_first_name: str | None = None
    physician_credential: str | None = None
    # (diagnosis, its regions) in diagnosis order; () only on referrals recorded before
    # the map existed, read by claims as "every diagnosis covers every region".
    diagnosis_regions: DiagnosisRegions = ()

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
        current = _prescription_of(self)
        if _PHYSICIAN_NAMING & changes.keys():  # a new name replaces every part of the old
            current = {key: value for key, value in current.items()
                       if key not in _PHYSICIAN_NAMING}
        return record_referral(
            referral_id=self.referral_id,
            client_id=self.client_id,
            status="amended",
            **{**current, **changes},
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
    physician_name: str | None = None,
    physician_last_name: str | None = None,
    physician_first_name: str | None = None,
    physician_credential: str | None = None,
    diagnosis_regions: Sequence[dict[str, Any]] | None = None,
) -> dict[str, list[str]]:
    """Field name -> messages for every malformed or missing part; empty when well-formed.

    What a claim could not carry although well-formed is ``billing_problems``' to say.
    """
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    _check_physician_name(physician_name, physician_last_name, physician_first_name, problem)
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
    for entry in diagnosis_regions or ():
        if not is_valid_icd10_cm(entry["diagnosis"]):
            problem("diagnosis_regions", f"{entry['diagnosis']!r} is not an ICD-10-CM code.")
        for region in sorted(set(entry["body_regions"]) - BODY_REGIONS):
            problem("diagnosis_regions", f"Unknown body region {region!r}.")
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


def billing_problems(**prescription: Any) -> dict[str, list[str]]:
    """Field name -> why a claim could not carry a well-formed referral; empty when it can.

    Diagnoses must be billable codes of the ICD-10-CM release the service ships
    (``shared.identifiers.ICD10_CM_RELEASE``; docs/DOMAIN.md §Referral says what that means
    for dates of service outside it); the physician's name must split into parts and
    have an X12 reading; the diagnosis-to-region map must be complete; the authorization
    number must fit REF*G1.
    """
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    physician = physician_of(prescription)
    if physician is None:
        problem("physician_name", (
            f"Cannot tell the last name from the first in {prescription['physician_name']!r}: "
            "give physician_last_name, physician_first_name and physician_credential."))
    else:
        for part, value in (("physician_last_name", physician.last_name),
                            ("physician_first_name", physician.first_name)):
            if not has_x12_reading(value):
                problem(part, "Has no letter an X12 claim can write (A-Z once accents are "
                              "dropped); use the spelling the NPI registry has.")
    for code in prescription["diagnoses"]:
        not_billable = icd10_cm_billing_problem(code)
        if not_billable:
            problem("diagnoses", not_billable)
    diagnoses = [normalise_icd10_cm(code) for code in prescription["diagnoses"]]
    diagnosis_regions_of(diagnoses, prescription["body_regions"],
                         prescription.get("diagnosis_regions"),
                         lambda message: problem("diagnosis_regions", message))
    number = prescription.get("authorization_number")
    wrong_number = number is not None and identifier_problem(number, AUTHORIZATION_NUMBER)
    if wrong_number:
        problem("authorization_number", wrong_number)
    return errors


def physician_of(prescription: dict[str, Any]) -> PhysicianName | None:
    """The physician's name in parts: as given, or split from the one-line name when it
    splits one way only; None when it does not."""
    last, first = prescription.get("physician_last_name"), prescription.get("physician_first_name")
    credential = prescription.get("physician_credential")
    if last and first:
        display = prescription.get("physician_name") or composed(last, first, credential)
        return PhysicianName(last.strip(), first.strip(), credential and credential.strip(),
                             display.strip())
    return split_unambiguous(prescription["physician_name"])


def record_referral(
    *, referral_id: str, client_id: str, status: str = "recorded", **prescription: Any
) -> Referral:
    """A validated referral with its diagnoses in canonical form.

    Raises InvalidReferral (malformed, 400) or NotBillable (a claim could not carry it, 422).
    """
    errors = validate_referral(**prescription)
    if errors:
        raise InvalidReferral(errors)
    refusals = billing_problems(**prescription)
    if refusals:
        raise NotBillable(refusals)
    physician = physician_of(prescription)
    assert physician is not None  # billing_problems refused it otherwise
    diagnoses = tuple(normalise_icd10_cm(code) for code in prescription["diagnoses"])
    number = prescription.get("authorization_number")
    return Referral(
        referral_id=referral_id,
        client_id=client_id,
        status=status,
        **{
            **prescription,
            "physician_name": physician.display,
            "physician_last_name": physician.last_name,
            "physician_first_name": physician.first_name,
            "physician_credential": physician.credential,
            "diagnoses": diagnoses,
            "codes": frozenset(prescription["codes"]),
            "techniques": frozenset(prescription["techniques"]),
            "body_regions": frozenset(prescription["body_regions"]),
            "authorization_number": as_identifier(number) if number is not None else None,
            "diagnosis_regions": diagnosis_regions_of(
                diagnoses, prescription["body_regions"],
                prescription.get("diagnosis_regions"), _never),
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


def _check_physician_name(
    name: str | None, last: str | None, first: str | None, problem: Callable[[str, str], None]
) -> None:
    if last or first:
        for field, part in (("physician_last_name", last), ("physician_first_name", first)):
            if not (part and part.strip()):
                problem(field, "Give the physician's last and first name together.")
        if last and first and name and not mentions(name, last, first):
            problem("physician_name", "The display name does not name the physician whose "
                                      "last and first name are given; leave it out.")
    elif not (name and name.strip()):
        problem("physician_name" if name is not None else "physician_last_name",
                "The referring physician's name is required: physician_last_name, "
                "physician_first_name and physician_credential.")


def _never(message: str) -> None:
    raise AssertionError(message)  # the map was checked by billing_problems already


def _prescription_of(referral: Referral) -> dict[str, Any]:
    fields = dataclasses.asdict(referral)
    for not_prescribed in ("referral_id", "client_id", "status"):
        del fields[not_prescribed]
    fields["diagnosis_regions"] = [
        {"diagnosis": diagnosis, "body_regions": list(regions)}
        for diagnosis, regions in referral.diagnosis_regions
    ] or None
    return fields
