"""Which of our claims, and which of its lines, an 835 claim payment answers.

docs/DOMAIN.md §Acknowledgements ("Patient control number"): CLP01 echoes our CLM01, but many
payers keep only its first 20 characters, and some upper-case it. A service line (835 loop 2110)
is ours by REF*6R when both sides carry a line item control number; otherwise by the code,
modifiers and units we billed (SVC06/SVC07 when the payer re-coded the line, else SVC01/SVC05)
and the charge (SVC02), then without the charge, then by code and units, then by code alone, the
first of our lines still unmatched winning.
Lines of different codes are never paired by position: that would post money to the wrong line.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from services.claims.domain.claim import ClaimLine
from services.claims.domain.claim_ids import echoes
from services.claims.x12.remittance import ServicePayment

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class SentLine:
    """One line of our claim as billed, with the amount the payer is expected to allow."""

    code: str
    modifiers: tuple[str, ...]
    units: int
    charge: Decimal
    expected_allowed: Decimal
    line_control_number: str | None = None  # our 837 REF*6R, when we send one


@dataclass(frozen=True, slots=True)
class SentClaim:
    """Our claim as billed: its CLM01 and its lines in order.

    ``total_charge`` (CLM02, the sum of the lines) and ``expected_allowed`` (what the payer's
    fee schedule should allow for the whole claim) are worked out when it is made: posting
    reads both for every claim payment (a cached property took a lock each time).
    """

    claim_id: str
    lines: tuple[SentLine, ...]
    total_charge: Decimal = field(init=False, repr=False, compare=False)
    expected_allowed: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total_charge", sum([line.charge for line in self.lines], ZERO))
        object.__setattr__(
            self, "expected_allowed", sum([line.expected_allowed for line in self.lines], ZERO)
        )


@dataclass(frozen=True, slots=True)
class LineMatch:
    """Service payments paired with the index of our line, and what is left on each side."""

    pairs: tuple[tuple[ServicePayment, int], ...]
    unmatched_services: tuple[ServicePayment, ...]
    unmatched_lines: tuple[int, ...]


def sent_claim(claim_id: str, lines: Iterable[ClaimLine]) -> SentClaim:
    """Our claim as posting needs it, from the lines the claim was priced with."""
    return SentClaim(
        claim_id,
        tuple(
            SentLine(line.code, line.modifiers, line.units, line.charge, line.expected_allowed)
            for line in lines
        ),
    )


def claim_id_matches(sent: str, echoed: str) -> bool:
    """Whether CLP01 ``echoed`` is our CLM01 ``sent``, whole or cut to its first 20 characters.

    The rule is the one every echo of CLM01 follows (``claim_ids.echoes``, also used for 277CA).
    """
    return echoes(sent, echoed)


def claims_matching(echoed: str, sent_ids: Iterable[str]) -> tuple[str, ...]:
    """Our claim ids ``echoed`` may stand for; more than one means the echo is ambiguous."""
    return tuple(claim_id for claim_id in sent_ids if claim_id_matches(claim_id, echoed))


def match_lines(services: Sequence[ServicePayment], lines: Sequence[SentLine]) -> LineMatch:
    """Pair each service payment with one of our lines (see the module docstring for the order)."""
    free_services = list(range(len(services)))
    free_lines = list(range(len(lines)))
    pairs: list[tuple[int, int]] = []
    for service_keys, line_keys in _passes(services, lines):
        for s in list(free_services):
            wanted = service_keys[s]
            if not wanted:
                continue
            for i in free_lines:
                if line_keys[i] == wanted:
                    pairs.append((s, i))
                    free_services.remove(s)
                    free_lines.remove(i)
                    break
        if not free_services or not free_lines:
            break
    return LineMatch(
        pairs=tuple((services[s], i) for s, i in sorted(pairs, key=lambda pair: pair[1])),
        unmatched_services=tuple(services[s] for s in free_services),
        unmatched_lines=tuple(free_lines),
    )


_Keys = tuple[Sequence[Hashable], Sequence[Hashable]]


def _passes(services: Sequence[ServicePayment], lines: Sequence[SentLine]) -> Iterator[_Keys]:
    """Each pass's keys of the services and of our lines, worked out only when it is reached."""
    controls = [s.line_control_number for s in services]
    if any(controls):  # a pass where no service has a key pairs nothing: skipped
        yield controls, [line.line_control_number for line in lines]
    billed = [_billed_key(service) for service in services]
    sent = [_sent_key(line) for line in lines]
    yield (
        [(*key, abs(s.charge)) for key, s in zip(billed, services, strict=True)],
        [(*key, line.charge) for key, line in zip(sent, lines, strict=True)],
    )
    yield billed, sent
    yield [key[::2] for key in billed], [key[::2] for key in sent]  # code and units
    yield [key[0] for key in billed], [key[0] for key in sent]  # code


def _billed_key(service: ServicePayment) -> tuple[str, tuple[str, ...], Decimal]:
    procedure = service.billed_procedure
    # Reversals negate amounts; compare units without their sign.
    return procedure.code.upper(), _modifier_set(procedure.modifiers), abs(service.billed_units)


def _sent_key(line: SentLine) -> tuple[str, tuple[str, ...], Decimal]:
    return line.code.upper(), _modifier_set(line.modifiers), Decimal(line.units)


def _modifier_set(modifiers: Iterable[str]) -> tuple[str, ...]:
    # Payers may return modifiers in another order; their order does not change the service.
    return tuple(sorted([m.upper() for m in modifiers])) if modifiers else ()
