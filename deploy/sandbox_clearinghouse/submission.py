"""Read an incoming 837P with pyx12: validate it into a 999 and pull out what 277CA/835 need."""

import contextlib
import functools
import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

import pyx12.errors
import pyx12.map_if
import pyx12.params
import pyx12.x12file
import pyx12.x12n_document
from pyx12.segment import Segment

PROFESSIONAL_CLAIM_GUIDE = "005010X222A1"

# pyx12 keeps module-level state (loggers, map caches); one validation at a time is plenty
# for a test double.
_PYX12_LOCK = threading.Lock()


class NotAnInterchange(ValueError):
    """The body is not an X12 837P interchange we could acknowledge."""


@dataclass(frozen=True)
class SubmittedLine:
    """One 837P service line (loop 2400): what the payer prices and the 835's SVC echoes."""

    procedure_code: str  # SV101-2
    modifiers: tuple[str, ...]  # SV101-3..6
    charge: str  # SV102
    units: str  # SV104
    service_date: str  # DTP*472 D8 or RD8 value
    control_number: str = ""  # REF*6R, echoed in the 835's REF*6R
    # A secondary claim's 2430: what the prior payer left the patient on this line (its PR
    # CAS); None when the prior payer reported no line adjudication.
    prior_patient_responsibility: Decimal | None = None


@dataclass(frozen=True)
class SubmittedClaim:
    """The parts of one 837P claim (2300 and the loops above it) the payer front end checks."""

    claim_id: str
    charge: str
    member_id: str
    patient_last_name: str
    patient_first_name: str
    payer_id: str
    has_prior_authorization: bool
    service_dates: tuple[str, ...]
    billing_provider_name: str
    billing_provider_npi: str
    payer_name: str = ""
    claim_filing_indicator: str = ""  # SBR09
    facility_code: str = ""  # CLM05-1 place of service
    frequency_code: str = ""  # CLM05-3
    subscriber_last_name: str = ""
    subscriber_first_name: str = ""
    patient_is_subscriber: bool = True
    billing_provider_tax_id: str = ""  # REF*EI of 2010AA
    lines: tuple[SubmittedLine, ...] = ()
    payer_sequence: str = "P"  # SBR01 of 2000B: S when another payer adjudicated it first
    # A secondary claim's 2320: the prior payer's paid amount (AMT*D) and its claim-level PR.
    prior_payer_paid: Decimal | None = None
    prior_patient_responsibility: Decimal = Decimal("0")


@dataclass(frozen=True)
class Interchange:
    """An 837P interchange: its envelope ids and its claims."""

    sender_id: str
    receiver_id: str
    control_number: str
    usage: str
    batch_reference: str
    submitter_name: str
    submitter_id: str
    claims: tuple[SubmittedClaim, ...]
    date: str = ""  # ISA09 YYMMDD, quoted back by a TA1
    time: str = ""  # ISA10 HHMM


@dataclass(frozen=True)
class SyntaxVerdict:
    """What pyx12 made of an interchange: the 999, and ISA/IEA errors that call for a TA1."""

    accepted: bool
    functional_ack: str
    envelope_errors: tuple[tuple[str, str], ...] = ()  # (TA105 note code, pyx12's text)


_load_map_file = pyx12.map_if.load_map_file


@functools.lru_cache(maxsize=8)
def _map(map_file: str, map_path: str | None) -> Any:
    return _load_map_file(map_file, pyx12.params.params(), map_path)


@contextlib.contextmanager
def _maps_read_once() -> Iterator[None]:
    """pyx12 re-reads its XML maps for every document, about 0.2 s each time.

    A clearinghouse validates all day with the same maps, so the sandbox keeps one of
    each: pyx12 only reads a map while it walks a document (its counts live in the
    walker), which a test checks. Swapped in under the lock, so only the sandbox's own
    validations use it.
    """
    pyx12.map_if.load_map_file = lambda map_file, _param, map_path=None: _map(map_file, map_path)
    try:
        yield
    finally:
        pyx12.map_if.load_map_file = _load_map_file


def acknowledge_syntax(x12_text: str) -> tuple[bool, str]:
    """Validate with pyx12's 837P map; return (accepted, the 999 pyx12 writes)."""
    verdict = check_syntax(x12_text)
    return verdict.accepted, verdict.functional_ack


def check_syntax(x12_text: str) -> SyntaxVerdict:
    """Validate with pyx12's map for GS08: the 999, and any errors in the envelope itself."""
    ack, report = io.StringIO(), io.StringIO()
    with _PYX12_LOCK, _maps_read_once():
        try:
            valid = pyx12.x12n_document.x12n_document(
                pyx12.params.params(), io.StringIO(x12_text), ack, None, fd_json=report
            )
        except (pyx12.errors.X12Error, pyx12.errors.EngineError) as error:
            raise NotAnInterchange(str(error)) from error
    if not ack.getvalue():
        raise NotAnInterchange("pyx12 could not read an interchange from the body")
    return SyntaxVerdict(valid, ack.getvalue(), _envelope_errors(report.getvalue()))


def validation_errors(x12_text: str) -> list[str]:
    """Every error pyx12 finds in a document the sandbox wrote (empty when it is valid)."""
    report = io.StringIO()
    with _PYX12_LOCK, _maps_read_once():
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), io.StringIO(x12_text), None, None, fd_json=report
        )
    errors = list(_all_errors(json.loads(report.getvalue() or "{}")))
    if not valid and not errors:
        errors.append("pyx12 rejected the document without saying why")
    return errors


def _envelope_errors(report: str) -> tuple[tuple[str, str], ...]:
    # pyx12 files ISA/IEA problems on the interchange node with TA1 note codes (001, 021...).
    try:
        interchanges = json.loads(report or "{}").get("interchanges", [])
    except ValueError:
        return ()
    return tuple(
        (str(error.get("err_cde", "")), str(error.get("err_str", "")))
        for interchange in interchanges
        for error in interchange.get("errors", [])
    )


def _all_errors(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        yield from (f"{e['err_cde']}: {e['err_str']}" for e in node.get("errors", []))
        for key in ("interchanges", "groups", "transactions", "segments", "elements"):
            for child in node.get(key, []):
                yield from _all_errors(child)


@dataclass
class _Reading:
    """Where the reader is in the 837P hierarchy while walking its segments."""

    envelope: dict[str, str] = field(default_factory=dict)
    billing_provider: tuple[str, str] = ("", "")
    billing_provider_tax_id: str = ""
    subscriber: tuple[str, str, str] = ("", "", "")  # last, first, member id
    patient: tuple[str, str] | None = None
    payer_id: str = ""
    payer_name: str = ""
    claim_filing_indicator: str = ""
    payer_sequence: str = "P"
    claim: dict[str, Any] | None = None
    line: dict[str, Any] | None = None
    claims: list[SubmittedClaim] = field(default_factory=list)

    def close_line(self) -> None:
        if self.claim is not None and self.line is not None:
            self.claim["lines"] += (SubmittedLine(**self.line),)
        self.line = None

    def close_claim(self) -> None:
        self.close_line()
        if self.claim is not None:
            self.claims.append(SubmittedClaim(**self.claim))
            self.claim = None


def read_interchange(x12_text: str) -> Interchange:
    """Pull envelope ids and claims out of an 837P (assumes pyx12 could read it)."""
    try:
        reader = pyx12.x12file.X12Reader(io.StringIO(x12_text))
    except pyx12.errors.X12Error as error:
        raise NotAnInterchange(str(error)) from error
    state = _Reading()
    for segment in reader:
        _read_segment(state, segment)
    state.close_claim()
    envelope = state.envelope
    if envelope.get("guide") != PROFESSIONAL_CLAIM_GUIDE:
        raise NotAnInterchange(f"only {PROFESSIONAL_CLAIM_GUIDE} claims are accepted here")
    return Interchange(
        sender_id=envelope["sender"],
        receiver_id=envelope["receiver"],
        control_number=envelope["control"],
        usage=envelope["usage"],
        batch_reference=envelope.get("batch", ""),
        submitter_name=envelope.get("submitter_name", ""),
        submitter_id=envelope.get("submitter_id", ""),
        claims=tuple(state.claims),
        date=envelope.get("date", ""),
        time=envelope.get("time", ""),
    )


def _read_segment(state: _Reading, segment: Segment) -> None:
    tag = segment.get_seg_id()
    value = partial(_text, segment)
    if tag == "ISA":
        state.envelope |= {
            "sender": value("ISA06"),
            "receiver": value("ISA08"),
            "control": value("ISA13"),
            "usage": value("ISA15"),
            "date": value("ISA09"),
            "time": value("ISA10"),
        }
    elif tag == "GS":
        state.envelope["guide"] = value("GS08")
    elif tag == "BHT":
        state.envelope["batch"] = value("BHT03")
    elif tag in ("HL", "SE"):
        state.close_claim()
        if tag == "HL" and value("HL03") in ("20", "22"):
            state.patient = None
        if tag == "HL" and value("HL03") == "20":
            state.billing_provider_tax_id = ""
    elif tag == "SBR" and state.claim is None:
        state.claim_filing_indicator = value("SBR09")
        state.payer_sequence = value("SBR01") or "P"
    elif tag == "NM1" and state.claim is None:
        _read_name(state, segment)
    elif tag == "CLM":
        state.close_claim()
        state.claim = _new_claim(state, segment)
    elif state.claim is None:
        if tag == "REF" and value("REF01") == "EI":
            state.billing_provider_tax_id = value("REF02")
    else:
        _read_claim_segment(state, segment)


def _new_claim(state: _Reading, segment: Segment) -> dict[str, Any]:
    value = partial(_text, segment)
    last, first, member_id = state.subscriber
    patient_last, patient_first = state.patient or (last, first)
    return {
        "claim_id": value("CLM01"),
        "charge": value("CLM02"),
        "member_id": member_id,
        "patient_last_name": patient_last,
        "patient_first_name": patient_first,
        "payer_id": state.payer_id,
        "has_prior_authorization": False,
        "service_dates": (),
        "billing_provider_name": state.billing_provider[0],
        "billing_provider_npi": state.billing_provider[1],
        "payer_name": state.payer_name,
        "claim_filing_indicator": state.claim_filing_indicator,
        "facility_code": value("CLM05-01"),
        "frequency_code": value("CLM05-03"),
        "subscriber_last_name": last,
        "subscriber_first_name": first,
        "patient_is_subscriber": state.patient is None,
        "billing_provider_tax_id": state.billing_provider_tax_id,
        "lines": (),
        "payer_sequence": state.payer_sequence,
    }


def _read_claim_segment(state: _Reading, segment: Segment) -> None:
    tag = segment.get_seg_id()
    value = partial(_text, segment)
    claim = state.claim
    assert claim is not None
    if tag == "LX":
        state.close_line()
        state.line = {}
    elif tag == "SV1" and state.line is not None:
        modifiers = (value(f"SV101-{n:02d}") for n in range(3, 7))
        state.line |= {
            "procedure_code": value("SV101-02"),
            "modifiers": tuple(m for m in modifiers if m),
            "charge": value("SV102"),
            "units": value("SV104") or "1",
            "service_date": "",
        }
    elif tag == "REF" and value("REF01") == "G1" and state.line is None:
        claim["has_prior_authorization"] = True
    elif tag == "REF" and value("REF01") == "6R" and state.line:
        state.line["control_number"] = value("REF02")
    elif tag == "AMT" and value("AMT01") == "D" and state.line is None:
        claim["prior_payer_paid"] = Decimal(value("AMT02"))
    elif tag == "CAS" and state.line is None:  # 2320: the prior payer's claim adjustments
        claim["prior_patient_responsibility"] = claim.get(
            "prior_patient_responsibility", Decimal("0")
        ) + _patient_share(segment)
    elif tag == "SVD" and state.line is not None:  # 2430: the prior payer adjudicated it
        state.line.setdefault("prior_patient_responsibility", Decimal("0"))
    elif tag == "CAS" and state.line is not None:
        state.line["prior_patient_responsibility"] = state.line.get(
            "prior_patient_responsibility", Decimal("0")
        ) + _patient_share(segment)
    elif tag == "DTP" and value("DTP01") == "472":
        claim["service_dates"] += (value("DTP03"),)
        if state.line:
            state.line["service_date"] = value("DTP03")


def _read_name(state: _Reading, segment: Segment) -> None:
    value = partial(_text, segment)
    entity = value("NM101")
    if entity == "41":
        state.envelope |= {"submitter_name": value("NM103"), "submitter_id": value("NM109")}
    elif entity == "85":
        state.billing_provider = (value("NM103"), value("NM109"))
    elif entity == "IL":
        state.subscriber = (value("NM103"), value("NM104"), value("NM109"))
    elif entity == "QC":
        state.patient = (value("NM103"), value("NM104"))
    elif entity == "PR":
        state.payer_id = value("NM109")
        state.payer_name = value("NM103")


def _patient_share(segment: Segment) -> Decimal:
    """The PR amounts of a CAS segment (CAS03, CAS06 ... CAS18), else zero."""
    if _text(segment, "CAS01") != "PR":
        return Decimal("0")
    amounts = (_text(segment, f"CAS{n:02d}") for n in range(3, 19, 3))
    return sum((Decimal(a) for a in amounts if a), Decimal("0"))


def _text(segment: Segment, ref: str) -> str:
    return (segment.get_value(ref) or "").strip()
