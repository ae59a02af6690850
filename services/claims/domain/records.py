"""What the claims rules work on: projections of other services' facts and the clinic's setup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.billing.units import CMS


@dataclass(frozen=True)
class Address:
    """A postal address as screening recorded it."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str | None = None


@dataclass(frozen=True)
class Person:
    """A patient or subscriber: name, birth date, sex and address."""

    first_name: str
    last_name: str
    birth_date: date
    sex: str
    address: Address


@dataclass(frozen=True)
class Coverage:
    """The client's insurance: which payer, which member, and who the subscriber is."""

    payer_id: str
    payer_name: str
    member_id: str
    relationship_to_subscriber: str  # self, spouse, child, other
    group_number: str | None = None
    subscriber: Person | None = None  # only when the client is not the subscriber


@dataclass(frozen=True)
class Client:
    """The claims projection of a client (newest version seen)."""

    client_id: str
    person: Person
    coverage: Coverage | None


@dataclass(frozen=True)
class Referral:
    """The claims projection of a physician's referral."""

    referral_id: str
    client_id: str
    physician_name: str
    physician_npi: str
    diagnoses: tuple[str, ...]  # principal first
    authorized_visits: int
    start_on: date
    end_on: date
    authorization_number: str | None = None
    closed_on: date | None = None  # revoked or expired on
    # The structured name NM1*DN is rendered from; None on referrals recorded before it.
    physician_last_name: str | None = None
    physician_first_name: str | None = None
    codes: tuple[str, ...] = ()  # the prescribed codes a claim may bill
    body_regions: tuple[str, ...] = ()  # the prescribed regions
    # Which regions each diagnosis covers; empty: every diagnosis covers every region.
    diagnosis_regions: tuple[tuple[str, frozenset[str]], ...] = ()

    def covers(self, day: date) -> bool:
        """Whether the referral was in force on ``day``.

        Closing (revocation, expiry) ends coverage after the day it happened: a session
        given earlier that day was given under the referral.
        """
        if not self.start_on <= day <= self.end_on:
            return False
        return self.closed_on is None or day <= self.closed_on


@dataclass(frozen=True)
class Payer:
    """A payer the clinic bills, and its billing rules (clinic data, not code)."""

    payer_id: str
    name: str
    counting_method: str = CMS  # how the payer counts 15-minute units (docs/DOMAIN.md §Units)
    gp_required: bool = False
    timely_filing_days: int = 365
    claim_filing_indicator: str = "CI"
    # Which distinct-procedure modifier the payer takes for a separate region, XS or 59;
    # None: the one the edit row names.
    distinct_modifier: str | None = None
    rendering_taxonomy_required: bool = False  # PRV*PE in 2310B


@dataclass(frozen=True)
class FeeScheduleEntry:
    """Per-unit prices of one code at one payer from ``effective_from`` (to ``effective_to``)."""

    payer_id: str
    code: str
    effective_from: date
    charge_per_unit: Decimal  # the clinic's usual-and-customary charge
    allowed_per_unit: Decimal  # what the payer's fee schedule allows
    effective_to: date | None = None

    def in_effect_on(self, day: date) -> bool:
        """Whether this price applies to a service on ``day``."""
        return _in_effect(self.effective_from, self.effective_to, day)


@dataclass(frozen=True)
class CodingEdit:
    """A procedure-to-procedure edit: column-2 code billed with column-1 needs a modifier."""

    column1: str
    column2: str
    modifier_allowed: bool
    modifier: str  # 59 or XS, put on the column-2 code
    effective_from: date
    effective_to: date | None = None
    payer_id: str | None = None  # None: every payer without an edit of its own for the pair

    def in_effect_on(self, day: date) -> bool:
        """Whether the edit applies to a service on ``day``."""
        return _in_effect(self.effective_from, self.effective_to, day)


def _in_effect(start: date, end: date | None, day: date) -> bool:
    return start <= day and (end is None or day <= end)


@dataclass(frozen=True)
class SessionCode:
    """One timed code of a completed session: minutes, units, and the regions treated."""

    code: str
    minutes: int
    units: int  # as scheduling counted them; claims recounts (domain/units.py)
    body_regions: frozenset[str]
    techniques: tuple[str, ...] = ()  # as scheduling mapped them (v2); empty for v1


@dataclass(frozen=True)
class Session:
    """A completed session as scheduling reported it."""

    session_id: str
    client_id: str
    referral_id: str
    date_of_service: date
    place_of_service: str
    counting_method: str
    rendering_name: str
    rendering_npi: str
    codes: tuple[SessionCode, ...]
    rendering_taxonomy: str | None = None
    regions_outside_referral: tuple[str, ...] = ()  # v2: treated without a prescription
    outside_referral_reason: str | None = None


@dataclass(frozen=True)
class Reason:
    """Why a claim needs review or was rejected: a stable code and words for a person."""

    code: str
    text: str
