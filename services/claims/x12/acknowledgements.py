"""Read the clearinghouse's answers to an 837P: the 999 (syntax) and the 277CA (per claim)."""

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from services.claims.x12.syntax import X12SyntaxError, split_segments


class AcknowledgementCode(StrEnum):
    """IK501 / AK901: what the receiver did with a transaction set or functional group."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    PARTIALLY_ACCEPTED = "P"
    REJECTED = "R"


# M, W and X are rejections for security reasons (authentication, assurance, decryption).
_REJECTED_FOR_SECURITY = frozenset({"M", "W", "X"})

# 277CA STC01-1 categories meaning the claim entered the payer's system: A0 forwarded,
# A1 received, A2 accepted into adjudication, A5 split. A3/A4/A6/A7/A8 are rejections and
# E0-E4 mean nobody could look at it; both need action from us.
ACCEPTED_CLAIM_CATEGORIES = frozenset({"A0", "A1", "A2", "A5"})


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


@dataclass(frozen=True)
class FunctionalAcknowledgement:
    """A 999: the verdict on one functional group (our GS..GE) and each 837 inside it."""

    group_control_number: str  # AK102: our GS06
    status: AcknowledgementCode  # AK901
    transaction_sets: tuple[TransactionSetAcknowledgement, ...]
    transaction_sets_included: int  # AK902
    transaction_sets_received: int  # AK903
    transaction_sets_accepted: int  # AK904
    error_codes: tuple[str, ...]  # AK905-AK909

    @property
    def accepted(self) -> bool:
        """True when every transaction set went through, with or without noted errors."""
        return self.status in (
            AcknowledgementCode.ACCEPTED,
            AcknowledgementCode.ACCEPTED_WITH_ERRORS,
        )


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

    claim_id: str  # TRN02: our CLM01, as the payer read it
    statuses: tuple[ClaimStatus, ...]
    billed_amount: Decimal | None  # STC04: the CLM02 the payer saw
    payer_claim_control_number: str | None  # REF*1K: what a replacement claim's REF*F8 quotes

    @property
    def accepted(self) -> bool:
        """True when every status is an acknowledgement category, none a rejection."""
        return bool(self.statuses) and all(
            status.category in ACCEPTED_CLAIM_CATEGORIES for status in self.statuses
        )

    @property
    def rejection_reasons(self) -> tuple[str, ...]:
        """The STC12 texts of statuses that are not acceptances."""
        return tuple(
            status.message
            for status in self.statuses
            if status.category not in ACCEPTED_CLAIM_CATEGORIES and status.message
        )


@dataclass(frozen=True)
class ClaimAcknowledgementReport:
    """A 277CA: the batch it answers (2200B TRN02 = our BHT03) and a verdict per claim."""

    batch_reference: str | None
    claims: tuple[ClaimAcknowledgement, ...]

    def for_claim(self, claim_id: str) -> ClaimAcknowledgement | None:
        """Find the verdict on `claim_id`; payers may upper-case CLM01, so compare case-blind."""
        wanted = claim_id.casefold()
        return next((c for c in self.claims if c.claim_id.casefold() == wanted), None)


def parse_999(text: str) -> FunctionalAcknowledgement:
    """Read a 999 acknowledging exactly one functional group (we send one per interchange)."""
    interchange = split_segments(text)
    separator = interchange.component_separator
    groups: list[FunctionalAcknowledgement] = []
    group_control_number: str | None = None
    transaction_sets: list[TransactionSetAcknowledgement] = []
    current_set: list[str] | None = None
    segment_errors: list[SegmentError] = []
    for elements in interchange.segments:
        tag = elements[0]
        if tag == "AK1":
            group_control_number = _element(elements, 2)
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
                    transaction_set_id=_element(current_set, 1),
                    control_number=_element(current_set, 2),
                    status=_acknowledgement_code(_element(elements, 1)),
                    error_codes=_non_empty(elements[2:]),
                    segment_errors=tuple(segment_errors),
                )
            )
            current_set = None
        elif tag == "AK9" and group_control_number is not None:
            groups.append(
                FunctionalAcknowledgement(
                    group_control_number=group_control_number,
                    status=_acknowledgement_code(_element(elements, 1)),
                    transaction_sets=tuple(transaction_sets),
                    transaction_sets_included=_count(elements, 2),
                    transaction_sets_received=_count(elements, 3),
                    transaction_sets_accepted=_count(elements, 4),
                    error_codes=_non_empty(elements[5:]),
                )
            )
            group_control_number = None
    if len(groups) != 1:
        raise X12SyntaxError(f"expected a 999 for one functional group, found {len(groups)}")
    return groups[0]


@dataclass
class _ClaimDraft:
    claim_id: str
    statuses: list[ClaimStatus] = field(default_factory=list)
    billed_amount: Decimal | None = None
    payer_claim_control_number: str | None = None
    in_service_lines: bool = False

    def finish(self) -> ClaimAcknowledgement:
        return ClaimAcknowledgement(
            claim_id=self.claim_id,
            statuses=tuple(self.statuses),
            billed_amount=self.billed_amount,
            payer_claim_control_number=self.payer_claim_control_number,
        )


def parse_277ca(text: str) -> ClaimAcknowledgementReport:
    """Read a 277CA (005010X214) into one acknowledgement per claim (loop 2200D)."""
    interchange = split_segments(text)
    separator = interchange.component_separator
    batch_reference: str | None = None
    claims: list[ClaimAcknowledgement] = []
    draft: _ClaimDraft | None = None
    level = ""
    for elements in interchange.segments:
        tag = elements[0]
        if tag in ("HL", "TRN", "SE") and draft is not None:
            claims.append(draft.finish())
            draft = None
        if tag == "HL":
            level = _element(elements, 3)
        elif tag == "TRN" and level == "21":
            batch_reference = _element(elements, 2)
        elif tag == "TRN" and level == "PT":
            draft = _ClaimDraft(claim_id=_element(elements, 2))
        elif draft is None:
            continue
        elif tag == "SVC":
            # 2220D: line-level statuses only explain the claim-level STC we already have.
            draft.in_service_lines = True
        elif tag == "STC" and not draft.in_service_lines:
            draft.statuses.extend(_claim_statuses(elements, separator))
            draft.billed_amount = _amount(_element(elements, 4)) or draft.billed_amount
        elif tag == "REF" and _element(elements, 1) == "1K":
            draft.payer_claim_control_number = _element(elements, 2)
    if draft is not None:
        claims.append(draft.finish())
    return ClaimAcknowledgementReport(batch_reference=batch_reference, claims=tuple(claims))


def _claim_statuses(elements: list[str], separator: str) -> list[ClaimStatus]:
    # STC01, STC10 and STC11 each carry category:code:entity; STC12 is the free text.
    message = _element(elements, 12) or None
    statuses = []
    for position in (1, 10, 11):
        components = _element(elements, position).split(separator)
        if components[0]:
            statuses.append(
                ClaimStatus(
                    category=components[0],
                    code=components[1] if len(components) > 1 else "",
                    entity=components[2] if len(components) > 2 and components[2] else None,
                    message=message,
                )
            )
    return statuses


def _segment_error(elements: list[str]) -> SegmentError:
    return SegmentError(
        segment_id=_element(elements, 1),
        position=_count(elements, 2),
        loop_id=_element(elements, 3) or None,
        error_code=_element(elements, 4) or None,
    )


def _with_element_error(error: SegmentError, elements: list[str], separator: str) -> SegmentError:
    element_error = ElementError(
        position=_element(elements, 1).replace(separator, ":"),
        reference_number=_element(elements, 2) or None,
        error_code=_element(elements, 3),
        bad_value=_element(elements, 4) or None,
    )
    return replace(error, element_errors=(*error.element_errors, element_error))


def _acknowledgement_code(code: str) -> AcknowledgementCode:
    if code in _REJECTED_FOR_SECURITY:
        return AcknowledgementCode.REJECTED
    try:
        return AcknowledgementCode(code)
    except ValueError:
        raise X12SyntaxError(f"unknown acknowledgement code {code!r}") from None


def _element(elements: list[str], position: int) -> str:
    return elements[position] if position < len(elements) else ""


def _non_empty(values: list[str]) -> tuple[str, ...]:
    return tuple(value for value in values if value)


def _count(elements: list[str], position: int) -> int:
    value = _element(elements, position)
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
