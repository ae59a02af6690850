"""Read an 835 Health Care Claim Payment/Advice (005010X221A1) into typed remittances.

docs/DOMAIN.md §Acknowledgements. One ``Remittance`` per transaction set (ST..SE; a group may
hold several). The envelope (ISA/GS/ST/SE/GE/IEA), the payment header (BPR, TRN, loops 1000A
payer and 1000B payee) and the PLB provider adjustments must all be readable, or the money
cannot be accounted for and ``RemittanceSyntaxError`` refuses the file. A claim payment (loop
2100 with its 2110 service lines) is read on its own: when one of its segments is malformed it
comes back as an ``UnreadableClaim`` with the reason and its segments, and the other claims
are still read, so the poster can hold that claim for a person.

Amounts are ``Decimal`` exactly as sent (at most two decimals); reversals (CLP02 = 22) carry
negative amounts, as the guide's section on reversals and corrections prescribes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from services.claims.x12.syntax import Segment, Segments, X12SyntaxError, element, split_segments

IMPLEMENTATION_GUIDE = "005010X221A1"
TRANSACTION_SET = "835"
PAYMENT_FUNCTIONAL_GROUP = "HP"  # GS01: Health Care Claim Payment/Advice
ZERO = Decimal("0")
MAX_ADJUSTMENTS_PER_CAS = 6  # CAS02-CAS19: six reason/amount/quantity triplets
MAX_ADJUSTMENTS_PER_PLB = 6  # PLB03-PLB14: six reason:reference/amount pairs

# The longest value the 835 guide allows for the elements kept when posting: a longer one is
# not an 835 value, and is refused as unreadable rather than cut.
MAX_CONTROL_NUMBER = 9  # ISA13, ST02
MAX_TRACE_NUMBER = 50  # TRN02
MAX_NAME = 60  # N102
MAX_IDENTIFIER = 80  # N104, REF*2U, PLB01
MAX_CLAIM_ID = 38  # CLP01 (our CLM01)
MAX_PAYER_CLAIM_NUMBER = 50  # CLP07
MAX_REMARK_CODE = 30  # LQ02, MOA03-MOA07
MAX_PROVIDER_REASON = 2  # PLB03-1
MAX_REFERENCE = 50  # PLB03-2

_MONEY = re.compile(r"-?(\d+(\.\d{1,2})?|\.\d{1,2})")
_REASON_CODE = re.compile(r"[A-Z0-9]{1,5}")  # CAS02, CAS05...: a CARC
_QUANTITY = re.compile(r"-?(\d+(\.\d+)?|\.\d+)")
# Appended to a segment so its first elements read by position: "" where it stops short.
_ABSENT: Segment = ("",) * 8
_AMOUNTS: dict[str, Decimal] = {}  # amounts read so far, by their text (``_money``)
_AMOUNTS_KEPT = 10_000
# Segments a claim payment may carry (loop 2100, then 2110 after each SVC).
_CLAIM_SEGMENTS = frozenset({"CAS", "NM1", "MIA", "MOA", "REF", "DTM", "PER", "AMT", "QTY"})
_SERVICE_SEGMENTS = frozenset({"DTM", "CAS", "REF", "AMT", "QTY", "LQ"})
# Loop 2000 header-number segments between claim payments.
_HEADER_NUMBER_SEGMENTS = frozenset({"LX", "TS3", "TS2"})

_Code = TypeVar("_Code", bound=StrEnum)
_Value = TypeVar("_Value")


class RemittanceSyntaxError(X12SyntaxError):
    """The 835's envelope, payment header or provider adjustments cannot be read."""


class CreditDebit(StrEnum):
    """BPR03: whether the payment goes to the payee (credit) or is taken from it (debit)."""

    CREDIT = "C"
    DEBIT = "D"


class PaymentMethod(StrEnum):
    """BPR04: how the money moves."""

    ACH = "ACH"  # automated clearing house (EFT)
    BOP = "BOP"  # financial institution option
    CHK = "CHK"  # check
    FWT = "FWT"  # federal reserve funds/wire transfer
    NON = "NON"  # no payment (e.g. a zero-pay or all-denied remittance)


class ClaimPaymentStatus(StrEnum):
    """CLP02: how the payer processed the claim."""

    PRIMARY = "1"
    SECONDARY = "2"
    TERTIARY = "3"
    DENIED = "4"
    PRIMARY_FORWARDED = "19"  # processed as primary, forwarded to additional payer(s)
    SECONDARY_FORWARDED = "20"
    TERTIARY_FORWARDED = "21"
    REVERSAL = "22"  # reversal of a previous payment
    NOT_OUR_CLAIM = "23"  # not our claim, forwarded to additional payer(s)
    PREDETERMINATION = "25"  # predetermination pricing only, no payment


class AdjustmentGroup(StrEnum):
    """CAS01: who the adjusted amount falls on."""

    CONTRACTUAL = "CO"  # contractual obligation: the provider writes it off
    OTHER = "OA"  # other adjustments
    PAYER_INITIATED = "PI"  # payer initiated reduction
    PATIENT = "PR"  # patient responsibility
    CORRECTION = "CR"  # corrections and reversals: 4010 only, still read from older payers


# The reader's values have slots (no __dict__): a large 835 makes tens of thousands of them,
# and each is made in about half the time, is smaller and is one object less to collect.
@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triplet: group, CARC reason, amount and (optionally) units adjusted."""

    group: AdjustmentGroup
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Remark:
    """LQ (or MOA): a remark code; qualifier HE = RARC, RX = NCPDP reject reason."""

    qualifier: str
    code: str


@dataclass(frozen=True, slots=True)
class Procedure:
    """SVC01/SVC06 composite: qualifier (HC = CPT/HCPCS), code and up to four modifiers."""

    qualifier: str
    code: str
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServicePayment:
    """Loop 2110: what the payer did with one service line."""

    procedure: Procedure  # SVC01, as adjudicated
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    revenue_code: str | None  # SVC04 (NUBC), institutional only
    units_paid: Decimal  # SVC05; one when absent
    original_procedure: Procedure | None  # SVC06: the code we billed, when the payer changed it
    original_units: Decimal | None  # SVC07: the units we billed, when they differ
    service_date: date | None  # DTM*472 (or DTM*150, the period start)
    adjustments: tuple[Adjustment, ...]  # CAS
    line_control_number: str | None  # REF*6R: echoes the 837's REF*6R
    allowed: Decimal | None  # AMT*B6
    remarks: tuple[Remark, ...]  # LQ

    @property
    def billed_procedure(self) -> Procedure:
        """The procedure as we billed it: SVC06 when present, else SVC01."""
        return self.original_procedure or self.procedure

    @property
    def billed_units(self) -> Decimal:
        """The units as we billed them: SVC07 when present, else SVC05."""
        return self.original_units if self.original_units is not None else self.units_paid


@dataclass(frozen=True, slots=True)
class Patient:
    """NM1*QC: the patient as the payer names them."""

    last_name: str
    first_name: str | None
    member_id: str | None


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """Loop 2100 (CLP) with its service lines: the payer's decision on one claim."""

    claim_id: str  # CLP01: our CLM01 as echoed (possibly cut to 20 characters)
    status: ClaimPaymentStatus  # CLP02
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal  # CLP05; zero when absent
    filing_indicator: str | None  # CLP06
    payer_claim_control_number: str | None  # CLP07
    patient: Patient | None  # NM1*QC
    adjustments: tuple[Adjustment, ...]  # claim-level CAS
    remarks: tuple[Remark, ...]  # MOA03-MOA07
    services: tuple[ServicePayment, ...]


@dataclass(frozen=True, slots=True)
class UnreadableClaim:
    """A claim payment with a malformed segment: held for a person with the reason."""

    claim_id: str | None  # CLP01 when it could be read
    reason: str
    paid: Decimal | None  # CLP04 when it could be read (the remittance still balances with it)
    segments: tuple[str, ...]  # the loop's segments as text, for the person


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One PLB reason/amount pair: money added to or taken from the whole payment."""

    provider_id: str  # PLB01
    fiscal_period_end: date  # PLB02
    reason: str  # PLB03-1, e.g. WO overpayment recovery, L6 interest, FB forwarding balance
    reference: str | None  # PLB03-2
    amount: Decimal  # positive: taken from the payment; negative: added to it


@dataclass(frozen=True, slots=True)
class Payment:
    """BPR: the money this remittance accounts for."""

    handling_code: str  # BPR01: C payment with advice, I advice only, H notification only...
    amount: Decimal  # BPR02
    credit_debit: CreditDebit  # BPR03
    method: PaymentMethod  # BPR04
    date: date  # BPR16: effective (EFT) or issue (check) date

    @property
    def signed_amount(self) -> Decimal:
        """BPR02 as money to the payee: negative when it is a debit."""
        return self.amount if self.credit_debit is CreditDebit.CREDIT else -self.amount


@dataclass(frozen=True, slots=True)
class Remittance:
    """One 835 transaction set: a payment, the claims it pays and provider adjustments."""

    interchange_control_number: str  # ISA13
    group_control_number: str  # GS06
    transaction_control_number: str  # ST02
    payment: Payment
    trace_number: str  # TRN02: check or EFT trace number
    payer_name: str  # N1*PR
    payer_id: str | None  # N1*PR N104, else REF*2U
    payee_name: str  # N1*PE
    payee_npi: str | None  # N1*PE N104 when N103 = XX
    claims: tuple[ClaimPayment | UnreadableClaim, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...]


def parse_835(text: str) -> tuple[Remittance, ...]:
    """Read every 835 transaction set of an interchange, in file order."""
    interchange = split_segments(text)
    reader = _Interchange(interchange)
    for elements in interchange.segments:
        reader.take(elements)
    return reader.finish()


class _Malformed(ValueError):
    """A segment inside one claim payment cannot be read."""


@dataclass
class _Interchange:
    syntax: Segments  # the delimiters the ISA declared
    control_number: str = ""
    group: str | None = None  # GS06 of the open functional group
    transactions_in_group: int = 0
    groups: int = 0
    transaction: list[Segment] | None = None
    remittances: list[Remittance] = field(default_factory=list)
    closed: bool = False

    def take(self, elements: Segment) -> None:
        tag = elements[0]
        if self.closed:
            raise RemittanceSyntaxError(f"{tag} after IEA")
        if self.transaction is not None:
            self.transaction.append(elements)
            if tag == "SE":
                self._close_transaction()
        elif tag == "ISA":
            self.control_number = element(elements, 13).strip()
            _expect(
                0 < len(self.control_number) <= MAX_CONTROL_NUMBER,
                f"ISA13 {self.control_number!r} is not an interchange control number",
            )
        elif tag == "GS":
            self._open_group(elements)
        elif tag == "ST" and self.group is not None:
            self.transaction = [elements]
        elif tag == "GE" and self.group is not None:
            self._close_group(elements)
        elif tag == "IEA":
            _expect(
                element(elements, 2) == self.control_number,
                f"IEA02 {element(elements, 2)!r} does not match ISA13 {self.control_number!r}",
            )
            _expect(
                element(elements, 1) == str(self.groups),
                f"IEA01 counts {element(elements, 1)} groups, there are {self.groups}",
            )
            self.closed = True
        else:
            raise RemittanceSyntaxError(f"{tag} outside a functional group or transaction set")

    def finish(self) -> tuple[Remittance, ...]:
        _expect(self.transaction is None, "the file ends inside a transaction set (no SE)")
        _expect(self.group is None, "the file ends inside a functional group (no GE)")
        _expect(self.closed, "the file ends without IEA")
        return tuple(self.remittances)

    def _open_group(self, gs: Segment) -> None:
        _expect(self.group is None, "GS inside another functional group")
        _expect(
            element(gs, 1) == PAYMENT_FUNCTIONAL_GROUP,
            f"GS01 is {element(gs, 1)!r}, not HP (claim payment/advice)",
        )
        _expect(
            element(gs, 8) == IMPLEMENTATION_GUIDE,
            f"GS08 is {element(gs, 8)!r}: only 835 version {IMPLEMENTATION_GUIDE} is read",
        )
        self.group = element(gs, 6)
        self.transactions_in_group = 0

    def _close_group(self, ge: Segment) -> None:
        _expect(
            element(ge, 2) == self.group,
            f"GE02 {element(ge, 2)!r} does not match GS06 {self.group!r}",
        )
        _expect(
            element(ge, 1) == str(self.transactions_in_group),
            f"GE01 counts {element(ge, 1)} transaction sets, group {self.group} has "
            f"{self.transactions_in_group}",
        )
        self.group = None
        self.groups += 1

    def _close_transaction(self) -> None:
        segments, self.transaction = self.transaction or [], None
        self.transactions_in_group += 1
        self.remittances.append(
            _transaction(segments, self.control_number, self.group or "", self.syntax)
        )


def _transaction(
    segments: list[Segment], interchange: str, group: str, syntax: Segments
) -> Remittance:
    st, se = segments[0], segments[-1]
    control = element(st, 2)
    _expect(
        0 < len(control) <= MAX_CONTROL_NUMBER,
        f"ST02 {control!r} is not a transaction set control number",
    )
    _expect(
        element(st, 1) == TRANSACTION_SET,
        f"ST01 is {element(st, 1)!r}: this reader reads 835 transaction sets only",
    )
    _expect(
        element(st, 3) in ("", IMPLEMENTATION_GUIDE),
        f"ST03 is {element(st, 3)!r}, not {IMPLEMENTATION_GUIDE}",
    )
    _expect(element(se, 2) == control, f"SE02 {element(se, 2)!r} does not match ST02 {control!r}")
    _expect(
        element(se, 1) == str(len(segments)),
        f"SE01 counts {element(se, 1)} segments, transaction {control} has {len(segments)}",
    )
    body = segments[1:-1]
    first_detail = next((i for i, s in enumerate(body) if s[0] in ("LX", "CLP", "PLB")), len(body))
    header = _Header.read(body[:first_detail])
    claims, provider_adjustments = _details(body[first_detail:], syntax)
    return Remittance(
        interchange_control_number=interchange,
        group_control_number=group,
        transaction_control_number=control,
        payment=header.payment,
        trace_number=header.trace_number,
        payer_name=header.payer_name,
        payer_id=header.payer_id,
        payee_name=header.payee_name,
        payee_npi=header.payee_npi,
        claims=claims,
        provider_adjustments=provider_adjustments,
    )


@dataclass(frozen=True, slots=True)
class _Header:
    payment: Payment
    trace_number: str
    payer_name: str
    payer_id: str | None
    payee_name: str
    payee_npi: str | None

    @classmethod
    def read(cls, segments: list[Segment]) -> _Header:
        by_tag = {s[0]: s for s in reversed(segments)}  # first occurrence of each tag wins
        _expect("BPR" in by_tag, "no BPR: the remittance does not say what it pays")
        _expect("TRN" in by_tag, "no TRN: the remittance has no check or EFT trace number")
        parties = dict(_parties(segments))
        _expect("PR" in parties, "no N1*PR: the remittance does not name its payer")
        _expect("PE" in parties, "no N1*PE: the remittance does not name its payee")
        payer, payer_refs = parties["PR"]
        payee, _ = parties["PE"]
        trn = by_tag["TRN"]
        _expect(element(trn, 2) != "", "TRN02 (trace number) is empty")
        header = cls(
            payment=_outside_claims(_payment, by_tag["BPR"]),
            trace_number=element(trn, 2),
            payer_name=element(payer, 2),
            payer_id=element(payer, 4) or payer_refs.get("2U"),
            payee_name=element(payee, 2),
            payee_npi=element(payee, 4) if element(payee, 3) == "XX" else None,
        )
        for value, longest, what in (
            (header.trace_number, MAX_TRACE_NUMBER, "TRN02 trace number"),
            (header.payer_name, MAX_NAME, "N1*PR payer name"),
            (header.payer_id or "", MAX_IDENTIFIER, "the payer's id"),
            (header.payee_name, MAX_NAME, "N1*PE payee name"),
            (header.payee_npi or "", MAX_IDENTIFIER, "the payee's id"),
        ):
            _expect(len(value) <= longest, f"{what} is longer than {longest} characters")
        return header


def _parties(segments: list[Segment]) -> Iterator[tuple[str, tuple[Segment, dict[str, str]]]]:
    # Loops 1000A/1000B: N1 then N3, N4, REF, PER, RDM; REF*2U carries the payer's id.
    n1: Segment | None = None
    refs: dict[str, str] = {}
    for elements in segments:
        if elements[0] == "N1":
            if n1 is not None:
                yield element(n1, 1), (n1, refs)
            n1, refs = elements, {}
        elif elements[0] == "REF" and n1 is not None:
            refs.setdefault(element(elements, 1), element(elements, 2))
    if n1 is not None:
        yield element(n1, 1), (n1, refs)


def _payment(bpr: Segment) -> Payment:
    return Payment(
        handling_code=_at_most(_required(bpr, 1, "BPR01 transaction handling code"), 2, "BPR01"),
        amount=_money(element(bpr, 2), "BPR02"),
        credit_debit=_code(CreditDebit, element(bpr, 3), "BPR03 credit/debit flag"),
        method=_code(PaymentMethod, element(bpr, 4), "BPR04 payment method"),
        date=_date(element(bpr, 16), "BPR16 payment date"),
    )


def _details(
    segments: list[Segment], syntax: Segments
) -> tuple[tuple[ClaimPayment | UnreadableClaim, ...], tuple[ProviderAdjustment, ...]]:
    claims: list[ClaimPayment | UnreadableClaim] = []
    provider_adjustments: list[ProviderAdjustment] = []
    loop: list[Segment] | None = None
    for elements in segments:
        tag = elements[0]
        if tag == "CLP" or tag in _HEADER_NUMBER_SEGMENTS or tag == "PLB":
            if loop is not None:
                claims.append(_claim(loop, syntax))
            loop = [elements] if tag == "CLP" else None
            if tag == "PLB":
                provider_adjustments.extend(
                    _outside_claims(_provider_adjustments, elements, syntax.component_separator)
                )
        elif loop is not None:
            loop.append(elements)
        else:
            raise RemittanceSyntaxError(f"{tag} outside a claim payment")
    if loop is not None:
        claims.append(_claim(loop, syntax))
    return tuple(claims), tuple(provider_adjustments)


def _provider_adjustments(plb: Segment, separator: str) -> list[ProviderAdjustment]:
    _malformed_unless(
        len(plb) <= 3 + 2 * MAX_ADJUSTMENTS_PER_PLB,
        f"PLB has more than {MAX_ADJUSTMENTS_PER_PLB} adjustments",
    )
    provider = _at_most(
        _required(plb, 1, "PLB01 provider identifier"), MAX_IDENTIFIER, "PLB01 provider identifier"
    )
    period_end = _date(element(plb, 2), "PLB02 fiscal period date")
    adjustments = []
    for position in range(3, len(plb), 2):
        identifier = element(plb, position)
        amount = element(plb, position + 1)
        if not identifier and not amount:
            continue
        reason, _, reference = identifier.partition(separator)
        _malformed_unless(reason != "", f"PLB{position:02d} has an amount but no reason code")
        _at_most(reason, MAX_PROVIDER_REASON, f"PLB{position:02d} reason code")
        _at_most(reference, MAX_REFERENCE, f"PLB{position:02d} reference")
        adjustments.append(
            ProviderAdjustment(
                provider_id=provider,
                fiscal_period_end=period_end,
                reason=reason,
                reference=reference or None,
                amount=_money(amount, f"PLB{position + 1:02d}"),
            )
        )
    _malformed_unless(bool(adjustments), "PLB carries no adjustment")
    return adjustments


def _claim(segments: list[Segment], syntax: Segments) -> ClaimPayment | UnreadableClaim:
    try:
        return _ClaimReader(syntax.component_separator).read(segments)
    except _Malformed as error:
        clp = segments[0]
        return UnreadableClaim(
            claim_id=element(clp, 1) or None,
            reason=str(error),
            paid=_money_or_none(element(clp, 4)),
            segments=tuple(syntax.text(s) for s in segments),
        )


@dataclass
class _ServiceDraft:
    svc: Segment
    separator: str
    service_date: date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    line_control_number: str | None = None
    allowed: Decimal | None = None
    remarks: list[Remark] = field(default_factory=list)

    def take(self, elements: Segment) -> None:
        tag = elements[0]
        qualifier = elements[1] if len(elements) > 1 else ""
        if tag not in _SERVICE_SEGMENTS:
            raise _Malformed(f"{tag} does not belong in a service line (2110)")
        if tag == "CAS":
            self.adjustments.extend(_adjustments(elements))
        elif tag == "DTM" and qualifier in ("472", "150"):
            self.service_date = _date(element(elements, 2), f"DTM*{qualifier}")
        elif tag == "REF" and qualifier == "6R":
            self.line_control_number = _required(elements, 2, "REF*6R line control number")
        elif tag == "AMT" and qualifier == "B6":
            self.allowed = _money(element(elements, 2), "AMT*B6 allowed amount")
        elif tag == "LQ":
            code = _at_most(_required(elements, 2, "LQ02 remark code"), MAX_REMARK_CODE, "LQ02")
            self.remarks.append(Remark(qualifier, code))

    def finish(self) -> ServicePayment:
        svc = self.svc + _ABSENT  # SVC01-SVC07 by position, "" when absent (as element())
        original = svc[6]
        original_units = svc[7]
        return ServicePayment(
            procedure=_procedure(svc[1], self.separator, "SVC01"),
            charge=_money(svc[2], "SVC02 line charge"),
            paid=_money(svc[3], "SVC03 line payment"),
            revenue_code=svc[4] or None,
            # SVC05: "if not present, the value is assumed to be one" (835 guide, loop 2110).
            units_paid=_quantity(svc[5] or "1", "SVC05 units paid"),
            original_procedure=_procedure(original, self.separator, "SVC06") if original else None,
            original_units=_quantity(original_units, "SVC07") if original_units else None,
            service_date=self.service_date,
            adjustments=tuple(self.adjustments),
            line_control_number=self.line_control_number,
            allowed=self.allowed,
            remarks=tuple(self.remarks),
        )


@dataclass
class _ClaimReader:
    separator: str
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)
    patient: Patient | None = None
    services: list[ServicePayment] = field(default_factory=list)

    def read(self, segments: list[Segment]) -> ClaimPayment:
        line: _ServiceDraft | None = None
        for elements in segments[1:]:
            tag = elements[0]
            if tag == "SVC":
                if line is not None:
                    self.services.append(line.finish())
                line = _ServiceDraft(elements, self.separator)
            elif line is not None:
                line.take(elements)
            else:
                self._take(elements)
        if line is not None:
            self.services.append(line.finish())
        clp = segments[0] + _ABSENT  # CLP01-CLP07 by position, "" when absent
        return ClaimPayment(
            claim_id=_at_most(_required(clp, 1, "CLP01 claim id"), MAX_CLAIM_ID, "CLP01 claim id"),
            status=_code(ClaimPaymentStatus, clp[2], "CLP02 claim status"),
            charge=_money(clp[3], "CLP03 claim charge"),
            paid=_money(clp[4], "CLP04 claim payment"),
            patient_responsibility=_money(clp[5] or "0", "CLP05 patient responsibility"),
            filing_indicator=clp[6] or None,
            payer_claim_control_number=(
                _at_most(clp[7], MAX_PAYER_CLAIM_NUMBER, "CLP07") or None
            ),
            patient=self.patient,
            adjustments=tuple(self.adjustments),
            remarks=tuple(self.remarks),
            services=tuple(self.services),
        )

    def _take(self, elements: Segment) -> None:
        tag = elements[0]
        if tag not in _CLAIM_SEGMENTS:
            raise _Malformed(f"{tag} does not belong in a claim payment (2100)")
        if tag == "CAS":
            self.adjustments.extend(_adjustments(elements))
        elif tag == "NM1" and element(elements, 1) == "QC":
            self.patient = Patient(
                last_name=_required(elements, 3, "NM103 patient last name"),
                first_name=element(elements, 4) or None,
                member_id=element(elements, 9) or None,
            )
        elif tag == "MOA":
            # MOA03-MOA07: claim-level remark codes (RARC) for outpatient/professional claims.
            self.remarks.extend(
                Remark("HE", _at_most(code, MAX_REMARK_CODE, "MOA remark code"))
                for code in elements[3:8]
                if code
            )


def _adjustments(cas: Segment) -> list[Adjustment]:
    if len(cas) > 2 + 3 * MAX_ADJUSTMENTS_PER_CAS:
        raise _Malformed(f"CAS has more than {MAX_ADJUSTMENTS_PER_CAS} adjustments")
    group = _code(AdjustmentGroup, element(cas, 1), "CAS01 adjustment group")
    adjustments = []
    padded = [*cas, "", ""]  # a triplet may stop after its reason or amount
    for position in range(2, len(cas), 3):
        reason, amount, quantity = padded[position : position + 3]
        if not (reason or amount or quantity):
            continue
        if not reason:
            raise _Malformed(f"CAS{position + 1:02d} has an amount but no reason code")
        if not amount:
            raise _Malformed(f"CAS{position:02d} reason {reason} has no amount")
        if _REASON_CODE.fullmatch(reason) is None:
            raise _Malformed(
                f"CAS{position:02d} reason code {reason!r} is not a claim adjustment reason code"
            )
        adjustments.append(
            Adjustment(
                group=group,
                reason=reason,
                amount=_money(amount, f"CAS{position + 1:02d}"),
                quantity=_quantity(quantity, f"CAS{position + 2:02d}") if quantity else None,
            )
        )
    _malformed_unless(bool(adjustments), "CAS carries no adjustment")
    return adjustments


def _procedure(composite: str, separator: str, where: str) -> Procedure:
    components = composite.split(separator)
    qualifier = components[0]
    code = components[1] if len(components) > 1 else ""
    if not (qualifier and code):
        raise _Malformed(f"{where} has no procedure code: {composite!r}")
    return Procedure(qualifier, code, tuple(m for m in components[2:6] if m))


# The checks below build their message only when they fail: posting reads tens of thousands
# of elements an 835, and formatting a message for each would cost more than reading it.


def _required(elements: Segment, position: int, what: str) -> str:
    value = element(elements, position)
    if not value:
        raise _Malformed(f"{what} is empty")
    return value


def _at_most(value: str, longest: int, what: str) -> str:
    if len(value) > longest:
        raise _Malformed(f"{what} is longer than {longest} characters")
    return value


def _money(value: str, what: str) -> Decimal:
    # An 835 repeats the same few amounts (fee schedule charges, allowed amounts): each is
    # checked and made a Decimal once. A Decimal is immutable, so sharing one is safe.
    amount = _AMOUNTS.get(value)
    if amount is None:
        if _MONEY.fullmatch(value) is None:
            raise _Malformed(f"{what} is not an amount: {value!r}")
        amount = Decimal(value)
        if len(_AMOUNTS) < _AMOUNTS_KEPT:
            _AMOUNTS[value] = amount
    return amount


def _money_or_none(value: str) -> Decimal | None:
    return Decimal(value) if _MONEY.fullmatch(value) else None


def _quantity(value: str, what: str) -> Decimal:
    if _QUANTITY.fullmatch(value) is None:
        raise _Malformed(f"{what} is not a number: {value!r}")
    return Decimal(value)


def _date(value: str, what: str) -> date:
    if len(value) == 8 and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise _Malformed(f"{what} is not a CCYYMMDD date: {value!r}")


def _code(kind: type[_Code], value: str, what: str) -> _Code:
    member = kind._value2member_map_.get(value)  # a dict look-up: kind(value) is ten times slower
    if member is None:
        raise _Malformed(f"{what} {value!r} is not a known code")
    return member  # type: ignore[return-value]


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise RemittanceSyntaxError(message)


def _malformed_unless(condition: bool, message: str) -> None:
    if not condition:
        raise _Malformed(message)


def _outside_claims(read: Callable[..., _Value], *args: object) -> _Value:
    # Outside a claim payment a malformed element leaves the money unaccounted for.
    try:
        return read(*args)
    except _Malformed as error:
        raise RemittanceSyntaxError(str(error)) from None
