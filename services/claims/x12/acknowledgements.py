"""Read the clearinghouse's answers to an 837P: the 999 (syntax) and the 277CA (per claim).

Both readers only read: whether a 999 is about our interchange, and what a 277CA category
means for a claim, are decided in ``services/claims/domain/answers.py``
(docs/DOMAIN.md §Acknowledgements).
"""

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from services.claims.domain.claim_ids import echoes
from services.claims.x12.syntax import Segment, Segments, X12SyntaxError, element, split_segments


class AcknowledgementCode(StrEnum):
    """IK501 / AK901: what the receiver did with a transaction set or functional group."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    PARTIALLY_ACCEPTED = "P"
    REJECTED = "R"


# M, W and X are rejections for security reasons (authentication, assurance, decryption).
_REJECTED_FOR_SECURITY = frozenset({"M", "W", "X"})
_ACCEPTING = frozenset({AcknowledgementCode.ACCEPTED, AcknowledgementCode.ACCEPTED_WITH_ERRORS})

# 277CA (005010X214) STC01-1 claim status categories.
RECEIVED_CATEGORIES = frozenset({"A0", "A1"})  # forwarded / received: no verdict yet
ACCEPTED_CATEGORIES = frozenset({"A2", "A5"})  # accepted into adjudication / split on accepting
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})  # returned, not found, rejected
CLAIM_ACKNOWLEDGEMENT_GUIDE = "005010X214"


@dataclass(frozen=True)
class ElementError:
    """IK4: an element of a segment the receiver could not accept."""

    position: str  # IK401: element[:component[:repetition]] position in its segment
    reference_number: str | None  # IK402: data element dictionary number
    error_code: str  # IK403, e.g. 7 = invalid code value
    bad_value: str | None  # IK404


@dataclass(frozen=True)
class SegmentError:
    """IK3 with its IK4s: a segment in error and where it sits in the transaction."""

    segment_id: str  # IK301
    position: int  # IK302: position counted from ST = 1
    loop_id: str | None  # IK303
    error_code: str | None  # IK304, e.g. 8 = segment has data element errors
    element_errors: tuple[ElementError, ...] = ()


@dataclass(frozen=True)
class TransactionSetAcknowledgement:
    """AK2..IK5: the verdict on one transaction set (one of our 837s)."""

    transaction_set_id: str  # AK201, "837"
    control_number: str  # AK202: our ST02
    status: AcknowledgementCode  # IK501
    error_codes: tuple[str, ...]  # IK502-IK506
    segment_errors: tuple[SegmentError, ...]
    evidence: tuple[str, ...] = ()  # the AK2 and IK5 segments as received

    @property
    def accepted(self) -> bool:
        """IK5 A or E: the transaction set went through (E: with errors noted)."""
        return self.status in _ACCEPTING


@dataclass(frozen=True)
class FunctionalAcknowledgement:
    """A 999: the verdict on one functional group (our GS..GE) and each 837 inside it."""

    group_control_number: str  # AK102: our GS06
    status: AcknowledgementCode  # AK901: a summary only; each set's IK5 is its verdict
    transaction_sets: tuple[TransactionSetAcknowledgement, ...]
    transaction_sets_included: int  # AK902
    transaction_sets_received: int  # AK903
    transaction_sets_accepted: int  # AK904
    error_codes: tuple[str, ...]  # AK905-AK909
    functional_identifier: str = "HC"  # AK101: HC = health care claim (837)
    interchange_control_number: str = ""  # the 999's own ISA13
    evidence: tuple[str, ...] = ()  # the AK1 and AK9 segments as received

    @property
    def accepted(self) -> bool:
        """The group summary (AK9) is A or E. Decide per transaction set, not on this."""
        return self.status in _ACCEPTING

    def transaction(self, number: str) -> TransactionSetAcknowledgement | None:
        """The AK2 loop answering our ST02 ``number`` (compared as a number)."""
        answering = (
            t for t in self.transaction_sets if same_control_number(t.control_number, number)
        )
        return next(answering, None)


@dataclass(frozen=True)
class ClaimStatus:
    """One STC composite: category (A2...), claim status code (20...), entity, and STC12 text."""

    category: str
    code: str
    entity: str | None
    message: str | None


@dataclass(frozen=True)
class ClaimAcknowledgement:
    """277CA loop 2200D: the payer front end's verdict on one claim."""

    claim_id: str  # TRN02: our CLM01, as the payer read it (maybe cut to 20 characters)
    statuses: tuple[ClaimStatus, ...]
    billed_amount: Decimal | None  # STC04: the CLM02 the payer saw
    payer_claim_control_number: str | None  # REF*1K: what a replacement's REF*F8 quotes
    problem: str | None = None  # why this loop could not be read (the others still can)
    evidence: tuple[str, ...] = ()  # the loop's TRN, STC and REF*1K segments as received

    @property
    def accepted(self) -> bool:
        """Accepted into adjudication (A2/A5) and rejected by no status."""
        categories = {status.category for status in self.statuses}
        return bool(categories & ACCEPTED_CATEGORIES) and not categories & REJECTED_CATEGORIES

    @property
    def rejection_reasons(self) -> tuple[str, ...]:
        """The STC12 texts of the rejecting statuses."""
        return tuple(
            status.message
            for status in self.statuses
            if status.category in REJECTED_CATEGORIES and status.message
        )


@dataclass(frozen=True)
class ClaimAcknowledgementReport:
    """A 277CA: its control numbers, the batch it answers (our BHT03), a verdict per claim."""

    batch_reference: str | None  # 2200B TRN02: the BHT03 of our 837 (our ISA13)
    claims: tuple[ClaimAcknowledgement, ...]
    interchange_control_number: str = ""  # the 277CA's own ISA13
    group_control_number: str = ""  # its GS06
    transaction_control_number: str = ""  # its ST02
    unidentified_loops: int = 0  # 2000D loops without a TRN: no claim can be named

    def for_claim(self, claim_id: str) -> ClaimAcknowledgement | None:
        """The verdict on ``claim_id``, echoed whole or cut to 20 characters, any case."""
        return next((c for c in self.claims if echoes(claim_id, c.claim_id)), None)


def parse_999(text: str) -> FunctionalAcknowledgement:
    """Read a 999 acknowledging exactly one functional group (we send one per interchange)."""
    interchange = split_segments(text)
    if interchange.transaction_set_id() != "999":
        raise X12SyntaxError(f"not a 999: ST01 is {interchange.transaction_set_id()!r}")
    separator = interchange.component_separator
    groups: list[FunctionalAcknowledgement] = []
    ak1: Segment | None = None
    transaction_sets: list[TransactionSetAcknowledgement] = []
    current_set: Segment | None = None
    segment_errors: list[SegmentError] = []
    for elements in interchange.segments:
        tag = elements[0]
        if tag == "AK1":
            ak1 = elements
            transaction_sets = []
        elif tag == "AK2":
            current_set = elements
            segment_errors = []
        elif tag == "IK3":
            segment_errors.append(_segment_error(elements))
        elif tag == "IK4" and segment_errors:
            segment_errors[-1] = _with_element_error(segment_errors[-1], elements, separator)
        elif tag == "IK5" and current_set is not None:
            transaction_sets.append(
                TransactionSetAcknowledgement(
                    transaction_set_id=element(current_set, 1),
                    control_number=element(current_set, 2),
                    status=_acknowledgement_code(element(elements, 1)),
                    error_codes=_non_empty(elements[2:]),
                    segment_errors=tuple(segment_errors),
                    evidence=(interchange.text(current_set), interchange.text(elements)),
                )
            )
            current_set = None
        elif tag == "AK9" and ak1 is not None:
            groups.append(_group(interchange, ak1, elements, transaction_sets))
            ak1 = None
    if len(groups) != 1:
        raise X12SyntaxError(f"expected a 999 for one functional group, found {len(groups)}")
    return groups[0]


def _group(
    interchange: Segments,
    ak1: Segment,
    ak9: Segment,
    transaction_sets: list[TransactionSetAcknowledgement],
) -> FunctionalAcknowledgement:
    return FunctionalAcknowledgement(
        group_control_number=element(ak1, 2),
        status=_acknowledgement_code(element(ak9, 1)),
        transaction_sets=tuple(transaction_sets),
        transaction_sets_included=_count(ak9, 2),
        transaction_sets_received=_count(ak9, 3),
        transaction_sets_accepted=_count(ak9, 4),
        error_codes=_non_empty(ak9[5:]),
        functional_identifier=element(ak1, 1),
        interchange_control_number=_isa13(interchange),
        evidence=(interchange.text(ak1), interchange.text(ak9)),
    )


@dataclass
class _ClaimDraft:
    claim_id: str | None = None
    statuses: list[ClaimStatus] = field(default_factory=list)
    billed_amount: Decimal | None = None
    payer_claim_control_number: str | None = None
    in_service_lines: bool = False
    problem: str | None = None
    evidence: list[str] = field(default_factory=list)

    def finish(self, claim_id: str) -> ClaimAcknowledgement:
        return ClaimAcknowledgement(
            claim_id=claim_id,
            statuses=tuple(self.statuses),
            billed_amount=self.billed_amount,
            payer_claim_control_number=self.payer_claim_control_number,
            problem=self.problem,
            evidence=tuple(self.evidence),
        )


def parse_277ca(text: str) -> ClaimAcknowledgementReport:
    """Read a 277CA (005010X214) into one acknowledgement per claim (loop 2200D).

    Not a 277 (ST01), or a 277 of another guide (ST03): X12SyntaxError, nothing is read.
    A claim loop that cannot be read carries its ``problem``; the other claims still count.
    """
    interchange = split_segments(text)
    _check_277ca(interchange)
    batch_reference: str | None = None
    claims: list[ClaimAcknowledgement] = []
    unidentified = 0
    draft: _ClaimDraft | None = None
    level = ""
    for elements in interchange.segments:
        tag = elements[0]
        if tag in ("HL", "SE") and draft is not None:
            if draft.claim_id is None:
                unidentified += 1
            else:
                claims.append(draft.finish(draft.claim_id))
            draft = None
        if tag == "HL":
            level = element(elements, 3)
            draft = _ClaimDraft() if level == "PT" else None
        elif tag == "TRN" and level == "21":
            batch_reference = element(elements, 2)
        elif draft is not None:
            _read_claim_segment(draft, interchange, elements)
    return ClaimAcknowledgementReport(
        batch_reference=batch_reference,
        claims=tuple(claims),
        interchange_control_number=_isa13(interchange),
        group_control_number=next(
            (element(s, 6) for s in interchange.segments if s[0] == "GS"), ""
        ),
        transaction_control_number=next(
            (element(s, 2) for s in interchange.segments if s[0] == "ST"), ""
        ),
        unidentified_loops=unidentified,
    )


def _check_277ca(interchange: Segments) -> None:
    st = next((s for s in interchange.segments if s[0] == "ST"), None)
    if st is None or element(st, 1) != "277":
        raise X12SyntaxError(f"not a 277: ST01 is {element(st or [], 1)!r}")
    guide = element(st, 3)
    if guide and guide != CLAIM_ACKNOWLEDGEMENT_GUIDE:
        raise X12SyntaxError(f"a 277 of guide {guide!r}, not a 277CA")


def _read_claim_segment(draft: _ClaimDraft, interchange: Segments, elements: Segment) -> None:
    """One segment of a 2000D/2200D loop; what cannot be read marks only this claim."""
    tag = elements[0]
    if tag == "TRN" and draft.claim_id is None:
        draft.claim_id = element(elements, 2)
        draft.evidence.append(interchange.text(elements))
    elif tag == "SVC":
        # 2220D: line-level statuses only explain the claim-level STC we already have.
        draft.in_service_lines = True
    elif tag == "STC" and not draft.in_service_lines:
        draft.evidence.append(interchange.text(elements))
        try:
            draft.statuses.extend(_claim_statuses(elements, interchange.component_separator))
            draft.billed_amount = _amount(element(elements, 4)) or draft.billed_amount
        except X12SyntaxError as error:
            draft.problem = draft.problem or str(error)
    elif tag == "REF" and element(elements, 1) == "1K" and not draft.in_service_lines:
        draft.payer_claim_control_number = element(elements, 2) or None
        draft.evidence.append(interchange.text(elements))


def _claim_statuses(elements: Segment, separator: str) -> list[ClaimStatus]:
    # STC01, STC10 and STC11 each carry category:code:entity; STC12 is the free text.
    message = element(elements, 12) or None
    statuses = []
    for position in (1, 10, 11):
        value = element(elements, position)
        if not value and position != 1:
            continue
        components = value.split(separator)
        category = components[0]
        if len(category) != 2 or not category.isalnum():
            raise X12SyntaxError(f"STC{position:02d} has no status category: {value!r}")
        statuses.append(
            ClaimStatus(
                category=category,
                code=components[1] if len(components) > 1 else "",
                entity=components[2] if len(components) > 2 and components[2] else None,
                message=message,
            )
        )
    return statuses


def _segment_error(elements: Segment) -> SegmentError:
    return SegmentError(
        segment_id=element(elements, 1),
        position=_count(elements, 2),
        loop_id=element(elements, 3) or None,
        error_code=element(elements, 4) or None,
    )


def _with_element_error(error: SegmentError, elements: Segment, separator: str) -> SegmentError:
    element_error = ElementError(
        position=element(elements, 1).replace(separator, ":"),
        reference_number=element(elements, 2) or None,
        error_code=element(elements, 3),
        bad_value=element(elements, 4) or None,
    )
    return replace(error, element_errors=(*error.element_errors, element_error))


def _acknowledgement_code(code: str) -> AcknowledgementCode:
    if code in _REJECTED_FOR_SECURITY:
        return AcknowledgementCode.REJECTED
    try:
        return AcknowledgementCode(code)
    except ValueError:
        raise X12SyntaxError(f"unknown acknowledgement code {code!r}") from None


def _isa13(interchange: Segments) -> str:
    return element(interchange.segments[0], 13) if interchange.segments else ""


def same_control_number(theirs: str, ours: str) -> bool:
    """Control numbers compared as numbers (a receiver may drop leading zeros)."""
    if theirs.isdigit() and ours.isdigit():
        return int(theirs) == int(ours)
    return theirs == ours


def _non_empty(values: list[str]) -> tuple[str, ...]:
    return tuple(value for value in values if value)


def _count(elements: Segment, position: int) -> int:
    value = element(elements, position)
    if not value.isdigit():
        raise X12SyntaxError(f"{elements[0]}{position:02d} is not a number: {value!r}")
    return int(value)


def _amount(value: str) -> Decimal | None:
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise X12SyntaxError(f"not an amount: {value!r}") from None
