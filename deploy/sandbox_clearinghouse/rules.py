"""What the sandbox payer decides, loaded from JSON so tests can choose.

Two kinds of rule live in one file:

- front-end rejections (the second 277CA: A3/A6/A7 instead of A2): `reject_member_ids`,
  `reject_payer_ids`, `reject_when_missing_prior_auth_for_payers`;
- adjudication of the accepted claims (the 835): `allowed` (fee schedule per payer, per
  CPT code, per unit), `deductible`, `coinsurance_percent`, `copay` (each keyed by member id
  or payer id, the member's entry winning), `deny` (denials by code, member or payer) and
  `provider_adjustments` (PLB per payer).

With no adjudication rules every accepted line is paid in full (allowed = charge).
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from deploy.sandbox_clearinghouse.submission import SubmittedClaim

CENT = Decimal("0.01")
REJECTION_KEYS = frozenset(
    {"reject_member_ids", "reject_payer_ids", "reject_when_missing_prior_auth_for_payers"}
)
ADJUDICATION_KEYS = frozenset(
    {"allowed", "deductible", "coinsurance_percent", "copay", "deny", "provider_adjustments"}
)
DENIAL_KEYS = frozenset(
    {"procedure_code", "member_id", "payer_id", "without_prior_authorization"}
    | {"group", "reason", "remark"}
)
ADJUSTMENT_GROUPS = frozenset({"CO", "OA", "PI", "PR"})
# PLB03-1 codes the 835 (005010X221A1) allows.
PROVIDER_ADJUSTMENT_REASONS = frozenset(
    {
        *("50", "51", "72", "90", "AH", "AM", "AP", "B2", "B3", "BD", "BN", "C5", "CR", "CS"),
        *("CT", "CV", "CW", "DM", "E3", "FB", "FC", "GO", "HM", "IP", "IR", "IS", "J1", "L3"),
        *("L6", "LE", "LS", "OA", "OB", "PI", "PL", "RA", "RE", "SL", "TL", "WO", "WU"),
    }
)
_CARC = re.compile(r"[A-Z0-9]{1,5}")
_RARC = re.compile(r"[A-Z]{1,2}[0-9]{1,4}")


@dataclass(frozen=True)
class Verdict:
    """The claim-level STC of a 277CA: category:status code:entity, action and free text."""

    category: str
    status_code: str
    entity: str
    message: str = ""

    @property
    def accepted(self) -> bool:
        """A1 received and A2 accepted into adjudication; every other category is a rejection."""
        return self.category in ("A1", "A2")

    @property
    def adjudicated(self) -> bool:
        """A2: the payer took the claim into adjudication and gave it a claim number."""
        return self.category == "A2"


RECEIVED = Verdict("A1", "20", "")  # first 277CA: received, no verdict yet
ACCEPTED = Verdict("A2", "20", "PR")  # 20: accepted for processing


@dataclass(frozen=True)
class Denial:
    """A denial rule: the conditions (all given must hold) and the CAS/LQ it writes.

    With a procedure code it denies the matching lines only ("pay one line, deny another");
    without one it denies the whole claim (CLP02 4).
    """

    reason: str  # CARC, e.g. 50 not medically necessary, 97 bundled, 197 precert absent
    group: str = "CO"
    remark: str = ""  # RARC for LQ*HE, e.g. N115, M15, M62
    procedure_code: str = ""
    member_id: str = ""
    payer_id: str = ""
    without_prior_authorization: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Denial":
        """One entry of `deny`, refusing unknown keys and codes that are not shaped right."""
        if not isinstance(data, Mapping):
            raise ValueError("each deny rule is an object")
        unknown = set(data) - DENIAL_KEYS
        if unknown:
            raise ValueError(f"unknown deny rule keys: {sorted(unknown)}")
        strings = {key: data[key] for key in data if key != "without_prior_authorization"}
        if not all(isinstance(value, str) for value in strings.values()):
            raise ValueError("deny rule values are strings (without_prior_authorization: bool)")
        without_auth = data.get("without_prior_authorization", False)
        if not isinstance(without_auth, bool):
            raise ValueError("without_prior_authorization is true or false")
        strings.setdefault("reason", "")
        denial = cls(without_prior_authorization=without_auth, **strings)
        if not _CARC.fullmatch(denial.reason):
            raise ValueError(f"deny rule needs a claim adjustment reason code: {data}")
        if denial.group not in ADJUSTMENT_GROUPS:
            raise ValueError(f"deny rule group must be one of {sorted(ADJUSTMENT_GROUPS)}")
        if denial.remark and not _RARC.fullmatch(denial.remark):
            raise ValueError(f"deny rule remark is a remittance advice remark code: {data}")
        if not (denial.procedure_code or denial.member_id or denial.payer_id or without_auth):
            raise ValueError(f"deny rule matches nothing in particular: {data}")
        return denial

    @property
    def whole_claim(self) -> bool:
        """True when the rule denies every line of the claim, not lines of one code."""
        return not self.procedure_code

    def matches(self, claim: SubmittedClaim, procedure_code: str = "") -> bool:
        """Whether the rule applies to `claim` (and, for a code rule, to a line of that code)."""
        return (
            (not self.procedure_code or self.procedure_code == procedure_code)
            and (not self.member_id or self.member_id == claim.member_id)
            and (not self.payer_id or self.payer_id == claim.payer_id)
            and (not self.without_prior_authorization or not claim.has_prior_authorization)
        )


@dataclass(frozen=True)
class ProviderAdjustment:
    """A PLB adjustment: reason (PLB03-1), reference (PLB03-2), amount (positive withholds)."""

    reason: str
    amount: Decimal
    reference: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "ProviderAdjustment":
        """One entry of `provider_adjustments[payer]`."""
        if not isinstance(data, Mapping):
            raise ValueError("each provider adjustment is an object")
        unknown = set(data) - {"reason", "reference", "amount"}
        if unknown:
            raise ValueError(f"unknown provider adjustment keys: {sorted(unknown)}")
        reason = data.get("reason")
        if reason not in PROVIDER_ADJUSTMENT_REASONS:
            raise ValueError(f"provider adjustment reason must be a PLB03-1 code: {reason!r}")
        reference = data.get("reference", "")
        if not isinstance(reference, str) or len(reference) > 50:
            raise ValueError("provider adjustment reference is a string of up to 50 characters")
        amount = _money(data.get("amount"), "provider adjustment amount", signed=True)
        return cls(reason, amount, reference)


@dataclass(frozen=True)
class AdjudicationRules:
    """How the sandbox payer prices and pays accepted claims."""

    allowed: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    deductible: Mapping[str, Decimal] = field(default_factory=dict)
    coinsurance_percent: Mapping[str, Decimal] = field(default_factory=dict)
    copay: Mapping[str, Decimal] = field(default_factory=dict)
    deny: tuple[Denial, ...] = ()
    provider_adjustments: Mapping[str, tuple[ProviderAdjustment, ...]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "AdjudicationRules":
        """Build from the adjudication keys of the rules JSON."""
        allowed = _object(data.get("allowed", {}), "allowed")
        schedule = {
            str(payer): {
                str(code): _money(fee, f"allowed[{payer}][{code}]")
                for code, fee in _object(fees, f"allowed[{payer}]").items()
            }
            for payer, fees in allowed.items()
        }
        coinsurance = _object(data.get("coinsurance_percent", {}), "coinsurance_percent")
        percents = {
            str(key): _percent(value, f"coinsurance_percent[{key}]")
            for key, value in coinsurance.items()
        }
        deny = data.get("deny", [])
        if not isinstance(deny, list):
            raise ValueError("deny is a list of rules")
        adjustments = _object(data.get("provider_adjustments", {}), "provider_adjustments")
        for payer, entries in adjustments.items():
            if not isinstance(entries, list):
                raise ValueError(f"provider_adjustments[{payer}] is a list")
        return cls(
            allowed=schedule,
            deductible=_amounts(data.get("deductible", {}), "deductible"),
            coinsurance_percent=percents,
            copay=_amounts(data.get("copay", {}), "copay"),
            deny=tuple(Denial.from_mapping(rule) for rule in deny),
            provider_adjustments={
                str(payer): tuple(ProviderAdjustment.from_mapping(entry) for entry in entries)
                for payer, entries in adjustments.items()
            },
        )

    def fee(self, payer_id: str, procedure_code: str) -> Decimal | None:
        """The allowed amount per unit, or None when the payer has no fee for the code."""
        return self.allowed.get(payer_id, {}).get(procedure_code)

    def for_member(self, table: Mapping[str, Decimal], claim: SubmittedClaim) -> Decimal:
        """The member's entry of `table`, else the payer's, else zero."""
        return table.get(claim.member_id, table.get(claim.payer_id, Decimal("0")))

    def claim_denial(self, claim: SubmittedClaim) -> Denial | None:
        """The first whole-claim denial rule that matches."""
        return next((d for d in self.deny if d.whole_claim and d.matches(claim)), None)

    def line_denial(self, claim: SubmittedClaim, procedure_code: str) -> Denial | None:
        """The first code denial rule that matches this line."""
        return next(
            (d for d in self.deny if not d.whole_claim and d.matches(claim, procedure_code)),
            None,
        )


@dataclass(frozen=True)
class RejectionRules:
    """Which claims bounce at the front end (277CA), and how the accepted ones are paid."""

    reject_member_ids: frozenset[str] = frozenset()
    reject_payer_ids: frozenset[str] = frozenset()
    reject_when_missing_prior_auth_for_payers: frozenset[str] = frozenset()
    adjudication: AdjudicationRules = field(default_factory=AdjudicationRules)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "RejectionRules":
        """Build rules from the JSON shape, refusing keys we do not know (typos hide rules)."""
        if not isinstance(data, Mapping):
            raise ValueError("rules are a JSON object")
        unknown = set(data) - REJECTION_KEYS - ADJUDICATION_KEYS
        if unknown:
            raise ValueError(f"unknown rule keys: {sorted(unknown)}")
        rejections = {}
        for key in REJECTION_KEYS & set(data):
            values = data[key]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValueError(f"{key} is a list of strings")
            rejections[key] = frozenset(values)
        adjudication = AdjudicationRules.from_mapping(
            {key: data[key] for key in ADJUDICATION_KEYS & set(data)}
        )
        return cls(adjudication=adjudication, **rejections)

    @classmethod
    def from_file(cls, path: str | Path) -> "RejectionRules":
        """Load rules from a JSON file."""
        return cls.from_mapping(json.loads(Path(path).read_text()))

    def judge(self, claim: SubmittedClaim) -> Verdict:
        """Return the front end's verdict on one claim; the first matching rule wins."""
        # Status code 21 = missing or invalid information; the entity says whose.
        if claim.payer_id in self.reject_payer_ids:
            return Verdict("A3", "21", "PR", "Payer id is not accepted by this clearinghouse")
        if claim.member_id in self.reject_member_ids:
            return Verdict("A7", "21", "IL", "Subscriber member id not found")
        if (
            claim.payer_id in self.reject_when_missing_prior_auth_for_payers
            and not claim.has_prior_authorization
        ):
            return Verdict("A6", "21", "PR", "Prior authorization number required by payer")
        if claim.lines and _line_total(claim) != _decimal(claim.charge):
            # 400: claim is out of balance; a payer cannot balance an 835 against it.
            return Verdict("A7", "400", "PR", "Claim charge does not equal the sum of its lines")
        return ACCEPTED


def _line_total(claim: SubmittedClaim) -> Decimal | None:
    total = Decimal("0")
    for line in claim.lines:
        charge = _decimal(line.charge)
        if charge is None:
            return None
        total += charge
    return total


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} is a JSON object")
    return value


def _amounts(value: Any, name: str) -> dict[str, Decimal]:
    table = _object(value, name)
    return {str(key): _money(amount, f"{name}[{key}]") for key, amount in table.items()}


def _money(value: Any, name: str, signed: bool = False) -> Decimal:
    """A dollar amount written as a string ("30.00") or a number, whole cents only."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f'{name}: an amount such as "30.00"')
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name}: not an amount: {value!r}") from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValueError(f"{name}: whole cents only: {value!r}")
    if amount < 0 and not signed:
        raise ValueError(f"{name}: not negative: {value!r}")
    return amount.quantize(CENT)


def _percent(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f'{name}: a percentage such as "20"')
    try:
        percent = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name}: not a percentage: {value!r}") from None
    if not percent.is_finite() or not 0 <= percent <= 100:
        raise ValueError(f"{name}: between 0 and 100: {value!r}")
    return percent
