"""Write the 277CA (005010X214) the sandbox payer front end sends back for an 837P.

It comes twice per interchange: first A1 (received) for every claim, later A2 (accepted
into adjudication, with the payer's claim number in REF*1K) or a rejection.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

from deploy.sandbox_clearinghouse.rules import Verdict
from deploy.sandbox_clearinghouse.submission import Interchange, SubmittedClaim
from deploy.sandbox_clearinghouse.x12 import segment as _segment

CLAIM_ACKNOWLEDGEMENT_GUIDE = "005010X214"
CLEARINGHOUSE_NAME = "SANDBOX CLEARINGHOUSE"

Judged = tuple[SubmittedClaim, Verdict]


def payer_claim_control_number(interchange: Interchange, claim: SubmittedClaim) -> str:
    """The payer's own number for an accepted claim: REF*1K of the 277CA, CLP07 of the 835."""
    return f"SBX{interchange.control_number}{claim.claim_id[-6:].upper()}"


def render_277ca(
    interchange: Interchange,
    judged: list[Judged],
    control_number: int,
    now: datetime,
    echo_length: int | None = None,
) -> str:
    """Return a 277CA interchange answering `interchange`, one 2200D per judged claim.

    `echo_length` makes 2200D TRN02 keep only that many characters of CLM01, as payers
    that store a short patient control number do.
    """
    day, time = now.strftime("%Y%m%d"), now.strftime("%H%M")
    # BHT02 08 = status, BHT06 TH = receipt acknowledgement.
    transaction = [
        _segment("ST", "277", "0001", CLAIM_ACKNOWLEDGEMENT_GUIDE),
        _segment("BHT", "0085", "08", f"SBX{control_number:09d}", day, time, "TH"),
        *_hierarchy(interchange, judged, day, echo_length),
    ]
    transaction.append(_segment("SE", str(len(transaction) + 1), "0001"))
    # The answer travels back: the 837's receiver is the 277CA's sender and vice versa.
    sender, receiver = interchange.receiver_id, interchange.sender_id
    isa = [
        *("00", " " * 10, "00", " " * 10),
        *("ZZ", sender.ljust(15), "ZZ", receiver.ljust(15)),
        *(now.strftime("%y%m%d"), time, "^", "00501", f"{control_number:09d}"),
        *("0", interchange.usage, ":"),
    ]
    gs = ["HN", sender, receiver, day, time, str(control_number), "X", CLAIM_ACKNOWLEDGEMENT_GUIDE]
    return "".join(
        [
            _segment("ISA", *isa),
            _segment("GS", *gs),
            *transaction,
            _segment("GE", "1", str(control_number)),
            _segment("IEA", "1", f"{control_number:09d}"),
        ]
    )


def _hierarchy(
    interchange: Interchange, judged: list[Judged], day: str, echo_length: int | None
) -> Iterator[str]:
    # 2000A information source (us) > 2000B information receiver (the submitter) >
    # 2000C billing provider > 2000D patient, one per claim.
    yield _segment("HL", "1", "", "20", "1")
    yield _organisation("AY", CLEARINGHOUSE_NAME, "46", interchange.receiver_id)
    yield _segment("TRN", "1", interchange.control_number)
    yield _segment("DTP", "050", "D8", day)
    yield _segment("DTP", "009", "D8", day)
    yield _segment("HL", "2", "1", "21", "1")
    yield _organisation("41", interchange.submitter_name, "46", interchange.submitter_id)
    # 2200B TRN02 echoes the 837's BHT03 so the submitter can find its batch.
    yield _segment("TRN", "2", interchange.batch_reference)
    yield from _received(judged, day, accepted_qualifier="90", rejected_qualifier="AA")
    next_hl = 3
    for (name, npi), theirs in _by_billing_provider(judged).items():
        provider_hl = next_hl
        yield _segment("HL", str(provider_hl), "2", "19", "1")
        yield _organisation("85", name, "XX", npi)
        yield _segment("TRN", "1", "0")
        # 2200C STC02 is not used: the provider level carries no effective date.
        yield from _received(theirs, "", accepted_qualifier="QA", rejected_qualifier="QC")
        next_hl += 1
        for claim, verdict in theirs:
            yield _segment("HL", str(next_hl), str(provider_hl), "PT")
            yield from _claim_status(interchange, claim, verdict, day, echo_length)
            next_hl += 1


def _by_billing_provider(judged: list[Judged]) -> dict[tuple[str, str], list[Judged]]:
    groups: dict[tuple[str, str], list[Judged]] = {}
    for claim, verdict in judged:
        key = (claim.billing_provider_name, claim.billing_provider_npi)
        groups.setdefault(key, []).append((claim, verdict))
    return groups


def _received(
    judged: list[Judged], effective_date: str, accepted_qualifier: str, rejected_qualifier: str
) -> Iterator[str]:
    # STC A1:19 = received; then how many claims (QTY) and dollars (AMT) went each way.
    accepted = [claim for claim, verdict in judged if verdict.accepted]
    rejected = [claim for claim, verdict in judged if not verdict.accepted]
    yield _segment("STC", "A1:19:PR", effective_date, "WQ", _total(c for c, _ in judged))
    if accepted:
        yield _segment("QTY", accepted_qualifier, str(len(accepted)))
    if rejected:
        yield _segment("QTY", rejected_qualifier, str(len(rejected)))
    if accepted:
        yield _segment("AMT", "YU", _total(accepted))
    if rejected:
        yield _segment("AMT", "YY", _total(rejected))


def _claim_status(
    interchange: Interchange,
    claim: SubmittedClaim,
    verdict: Verdict,
    day: str,
    echo_length: int | None,
) -> list[str]:
    status = ":".join(
        part for part in (verdict.category, verdict.status_code, verdict.entity) if part
    )
    # STC03 WQ = accept, U = reject; STC12 carries the reason a billing specialist reads.
    action = "WQ" if verdict.accepted else "U"
    patient = [claim.patient_last_name, claim.patient_first_name, "", "", ""]
    claim_id = claim.claim_id[:echo_length] if echo_length else claim.claim_id
    segments = [
        _segment("NM1", "QC", "1", *patient, "MI", claim.member_id),
        _segment("TRN", "2", claim_id),
        _segment("STC", status, day, action, claim.charge, *[""] * 7, verdict.message),
    ]
    if verdict.adjudicated:
        # REF*1K: the payer's own claim number, quoted back in REF*F8 by a replacement claim.
        segments.append(_segment("REF", "1K", payer_claim_control_number(interchange, claim)))
    segments.append(_service_dates(claim.service_dates))
    return segments


def _service_dates(dates: tuple[str, ...]) -> str:
    days = sorted(day for value in dates for day in value.split("-"))
    if days[0] == days[-1]:
        return _segment("DTP", "472", "D8", days[0])
    return _segment("DTP", "472", "RD8", f"{days[0]}-{days[-1]}")


def _organisation(entity: str, name: str, id_qualifier: str, identifier: str) -> str:
    return _segment("NM1", entity, "2", name, "", "", "", "", id_qualifier, identifier)


def _total(claims: Iterable[SubmittedClaim]) -> str:
    return format(sum((Decimal(claim.charge) for claim in claims), Decimal("0")), "f")
