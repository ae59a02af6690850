"""The envelope-only check: a 999 from the interchange's counts and control numbers alone.

The sandbox validates every 837P with pyx12 (submission.py check_syntax): what a real
clearinghouse's front end does, and about 3 ms of CPU a claim. A benchmark of the claims
service on one machine pays that too, so issue #16 asks for the sandbox's validation cost
reported apart. With SANDBOX_VALIDATION=envelope the sandbox checks only the envelope
(ISA/IEA, GS/GE, ST/SE: control numbers match, counts add up, GS08 is the 837P guide) and
writes the 999 itself, in pyx12's form. Never the default: the tests and the demo stack
keep pyx12's full check.
"""

from dataclasses import dataclass

from deploy.sandbox_clearinghouse.submission import PROFESSIONAL_CLAIM_GUIDE, SyntaxVerdict
from deploy.sandbox_clearinghouse.x12 import Envelope, segment, transaction_set

PYX12 = "pyx12"
ENVELOPE = "envelope"
VALIDATIONS = (PYX12, ENVELOPE)
ACKNOWLEDGEMENT_GUIDE = "005010X231"  # GS08 and ST03 of the 999 pyx12 writes
# TA105 001: the interchange control numbers in the header and trailer do not match.
CONTROL_NUMBER_MISMATCH = "001"


@dataclass(frozen=True)
class _Group:
    number: str  # GS06
    guide: str  # GS08
    transaction: str = ""  # ST02 of its (first) transaction set
    problems: tuple[str, ...] = ()


def check_envelope(x12_text: str, reply: Envelope) -> SyntaxVerdict:
    """Accept when the envelope adds up; a TA1 cause for ISA/IEA, a rejecting 999 otherwise.

    ``reply`` is the 999's own envelope (the sandbox's ids and control number).
    """
    separator, terminator = x12_text[3], x12_text[105]
    rows = [text.strip().split(separator) for text in x12_text.split(terminator) if text.strip()]
    tags = [row[0] for row in rows]
    if not rows or tags[0] != "ISA" or tags[-1] != "IEA":
        return SyntaxVerdict(False, "", ((CONTROL_NUMBER_MISMATCH, "no ISA ... IEA envelope"),))
    isa, iea = rows[0], rows[-1]
    if isa[13] != _element(iea, 2) or _element(iea, 1) != str(tags.count("GS")):
        return SyntaxVerdict(False, "", ((CONTROL_NUMBER_MISMATCH, "IEA does not match ISA"),))
    group = _read_group(rows)
    accepted = not group.problems and group.guide == PROFESSIONAL_CLAIM_GUIDE
    return SyntaxVerdict(accepted, _render_999(reply, group, accepted))


def _read_group(rows: list[list[str]]) -> _Group:
    """The first functional group: its numbers, and what does not add up in it."""
    problems: list[str] = []
    group: list[str] | None = None
    transaction_start, transactions, transaction = 0, 0, ""
    for index, row in enumerate(rows):
        tag = row[0]
        if tag == "GS" and group is None:
            group = row
        elif tag == "ST":
            transaction_start, transactions = index, transactions + 1
            transaction = transaction or _element(row, 2)
        elif tag == "SE":
            if _element(row, 1) != str(index - transaction_start + 1):
                problems.append("SE01 does not count the transaction's segments")
            if _element(row, 2) != _element(rows[transaction_start], 2):
                problems.append("SE02 does not match ST02")
        elif tag == "GE" and group is not None and not _closes(row, group, transactions):
            problems.append("GE does not match its GS")
    if group is None:
        return _Group("", "", problems=("no functional group",))
    return _Group(_element(group, 6), _element(group, 8), transaction, tuple(problems))


def _render_999(reply: Envelope, group: _Group, accepted: bool) -> str:
    """AK1/AK2/IK5/AK9 for the one transaction set, as pyx12 writes them."""
    verdict = "A" if accepted else "R"
    body = [
        segment("AK1", "HC", group.number, group.guide),
        segment("AK2", "837", group.transaction, group.guide),
        segment("IK5", verdict),
        segment("AK9", verdict, "1", "1", "1" if accepted else "0"),
    ]
    transaction = transaction_set("999", body, ACKNOWLEDGEMENT_GUIDE)
    return reply.wrap("FA", ACKNOWLEDGEMENT_GUIDE, transaction)


def _closes(ge: list[str], gs: list[str], transactions: int) -> bool:
    """GE02 repeats GS06 and GE01 counts the group's transaction sets."""
    return _element(ge, 2) == _element(gs, 6) and _element(ge, 1) == str(transactions)


def _element(row: list[str], position: int) -> str:
    return row[position].strip() if len(row) > position else ""
