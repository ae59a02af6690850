"""What the sandbox clearinghouse remembers and decides, without any HTTP.

An accepted 837P is decided at once (front-end verdicts, prices, payments, faults), and its
answers are written then too; they only become visible in the sender's report mailbox when
their stage's time has come (lazily, on the next read):

1. after the receipt delay, a 277CA with A1 (received) for every claim;
2. after the adjudication delay, a second 277CA: A2 with REF*1K, or the rules' rejection;
3. after the remittance delay, an 835 per payer (and payee) for the A2 claims.

A report gets its id when it becomes visible, so ids follow visibility and a reader whose
cursor passed id n never misses a report that shows up later.
"""

import bisect
import heapq
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from deploy.sandbox_clearinghouse.adjudication import ClaimPayment, adjudicate
from deploy.sandbox_clearinghouse.claim_acknowledgement import (
    Judged,
    payer_claim_control_number,
    render_277ca,
)
from deploy.sandbox_clearinghouse.envelope_check import ENVELOPE, PYX12, VALIDATIONS, check_envelope
from deploy.sandbox_clearinghouse.faults import (
    ANSWER_MODES,
    TRUNCATED_CLAIM_ID_LENGTH,
    FaultPlan,
)
from deploy.sandbox_clearinghouse.remittance import Payee, Remittance, render_835
from deploy.sandbox_clearinghouse.rules import RECEIVED, RejectionRules
from deploy.sandbox_clearinghouse.submission import (
    Interchange,
    SubmittedClaim,
    SyntaxVerdict,
    check_syntax,
    read_interchange,
)
from deploy.sandbox_clearinghouse.x12 import Envelope, render_ta1

CLAIM_ACKNOWLEDGEMENT = "277CA"
REMITTANCE = "835"
# TA105 022: invalid control structure, what the "ta1" fault claims was wrong.
INVALID_CONTROL_STRUCTURE = "022"
MAX_REPORTS_PER_READ = 500
VOID_FREQUENCY = "8"


class UnknownInterchange(LookupError):
    """No accepted interchange matches; there is no 277CA to give."""


class AmbiguousInterchange(LookupError):
    """Several senders used this control number; the caller must name the sender."""


@dataclass(frozen=True)
class Timings:
    """Seconds from receipt until each stage's report is visible (later stages never earlier)."""

    receipt_delay: float = 0.0
    adjudication_delay: float = 1.0
    remittance_delay: float = 2.0

    def __post_init__(self) -> None:
        for name in ("receipt_delay", "adjudication_delay", "remittance_delay"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number of seconds, not negative: {value!r}")

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        receipt_delay: float | None = None,
        adjudication_delay: float | None = None,
        remittance_delay: float | None = None,
    ) -> "Timings":
        """Given values win; the rest come from SANDBOX_*_DELAY_SECONDS, else the defaults."""
        env = os.environ if environ is None else environ
        default = cls()

        def pick(given: float | None, name: str, fallback: float) -> float:
            if given is not None:
                return float(given)
            text = env.get(name, "").strip()
            if not text:
                return fallback
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"{name} must be a number of seconds: {text!r}") from None

        return cls(
            pick(receipt_delay, "SANDBOX_RECEIPT_DELAY_SECONDS", default.receipt_delay),
            pick(
                adjudication_delay,
                "SANDBOX_ADJUDICATION_DELAY_SECONDS",
                default.adjudication_delay,
            ),
            pick(remittance_delay, "SANDBOX_REMITTANCE_DELAY_SECONDS", default.remittance_delay),
        )

    def due(self, received_at: datetime) -> tuple[datetime, datetime, datetime]:
        """When the A1 277CA, the second 277CA and the 835s become visible."""
        receipt = self.receipt_delay
        adjudication = max(receipt, self.adjudication_delay)
        remittance = max(adjudication, self.remittance_delay)
        return tuple(  # type: ignore[return-value]
            received_at + timedelta(seconds=delay) for delay in (receipt, adjudication, remittance)
        )


@dataclass(frozen=True)
class Receipt:
    """One POST of an interchange, as the inspection endpoint shows it."""

    sender_id: str
    control_number: str
    claim_ids: tuple[str, ...]
    received_at: datetime
    accepted: bool
    duplicate: bool

    def as_json(self) -> dict[str, Any]:
        """The receipt as the JSON the inspection endpoint lists."""
        return {
            "sender": self.sender_id,
            "interchange": self.control_number,
            "claim_ids": list(self.claim_ids),
            "received_at": self.received_at.isoformat(),
            "accepted": self.accepted,
            "duplicate": self.duplicate,
        }


@dataclass(frozen=True)
class Report:
    """One document in a sender's report mailbox; it never changes once listed."""

    id: int
    kind: str  # 277CA or 835
    created_at: datetime
    sender_id: str
    interchange_control_number: str | None  # the ISA13 of the 837 a 277CA answers
    x12: str

    def as_json(self) -> dict[str, Any]:
        """The report as GET /v1/reports lists it."""
        created_at = self.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "id": self.id,
            "kind": self.kind,
            "created_at": created_at,
            "interchange_control_number": self.interchange_control_number,
            "x12": self.x12,
        }


@dataclass(order=True)
class _Scheduled:
    """A written report waiting for its time."""

    due: datetime
    sequence: int
    kind: str = field(compare=False)
    sender_id: str = field(compare=False)
    interchange_control_number: str | None = field(compare=False)
    x12: str = field(compare=False)


@dataclass
class _Answered:
    """The acknowledgements owed for one interchange, kept so a resend gets the same ones."""

    interchange: Interchange
    functional_ack: str
    accepted: bool
    claim_ack: str | None  # the final 277CA, for GET /v1/claims/277ca
    claim_ack_fetched: bool = False


class Clearinghouse:
    """Receives 837Ps once per sender + interchange number; answers 999/TA1, 277CAs and 835s."""

    def __init__(
        self,
        rules: RejectionRules,
        clock: Callable[[], datetime] = datetime.now,
        timings: Timings | None = None,
        validation: str = PYX12,
    ) -> None:
        if validation not in VALIDATIONS:
            raise ValueError(f"validation must be one of {', '.join(VALIDATIONS)}: {validation!r}")
        self.faults = FaultPlan()
        self.timings = timings or Timings()
        self.validation = validation
        self._rules = rules
        self._clock = clock
        self._lock = threading.Lock()
        self._answered: dict[tuple[str, str], _Answered] = {}
        self._receipts: list[Receipt] = []
        self._control_numbers = itertools.count(1)
        self._sequence = itertools.count()
        self._scheduled: list[_Scheduled] = []
        self._reports: list[Report] = []
        self._report_ids = itertools.count(1)
        self._senders_by_key: dict[str, set[str]] = {}
        self._deductible_left: dict[tuple[str, str], Decimal] = {}  # (payer, member)

    def receive_837(self, x12_text: str, api_key: str | None = None) -> str:
        """Take an 837P and return its 999 (or a TA1); a resend gets the first answer again."""
        interchange = read_interchange(x12_text)
        key = (interchange.sender_id, interchange.control_number)
        with self._lock:
            now = self._clock()
            if api_key is not None:
                self._senders_by_key.setdefault(api_key, set()).add(interchange.sender_id)
            answer_fault = self.faults.take(ANSWER_MODES)
            answered = self._answered.get(key)
            duplicate = answered is not None
            if answer_fault is not None and answer_fault.mode == "ta1":
                self._record(interchange, now, accepted=False, duplicate=duplicate)
                return self._ta1(interchange, INVALID_CONTROL_STRUCTURE, now)
            if answered is None:
                verdict = self._check(interchange, x12_text, now)
                if verdict.envelope_errors:
                    # The envelope itself is wrong: a TA1, nothing kept, a fixed resend is new.
                    self._record(interchange, now, accepted=False, duplicate=False)
                    return self._ta1(interchange, _note_code(verdict), now)
                # The stages count from the 999 (pyx12 may have taken a while to write it).
                answered = self._answer(interchange, verdict, self._clock())
                self._answered[key] = answered
            self._record(interchange, now, accepted=answered.accepted, duplicate=duplicate)
            if answer_fault is not None:  # garbage_999: taken, but the answer is unreadable
                return _garble(answered.functional_ack)
            return answered.functional_ack

    def claim_acknowledgement(self, control_number: str, sender_id: str | None = None) -> str:
        """Return the final 277CA for an accepted interchange, by ISA13 (and ISA06 if given).

        The compatibility endpoint: it answers at once with the complete verdict (A2 or the
        rejection), without waiting for the stages the report mailbox shows.
        """
        with self._lock:
            matches = [
                answered
                for (sender, number), answered in self._answered.items()
                if number == control_number
                and (sender_id is None or sender == sender_id)
                and answered.claim_ack is not None
            ]
            if not matches:
                raise UnknownInterchange(f"no accepted interchange {control_number}")
            if len(matches) > 1:
                raise AmbiguousInterchange(f"several senders used interchange {control_number}")
            matches[0].claim_ack_fetched = True
            return matches[0].claim_ack or ""

    def pending_claim_acknowledgements(self) -> list[dict[str, str]]:
        """List the interchanges whose 277CA nobody has fetched yet."""
        with self._lock:
            return [
                {"sender": sender, "interchange": number}
                for (sender, number), answered in self._answered.items()
                if answered.claim_ack is not None and not answered.claim_ack_fetched
            ]

    def reports(self, api_key: str, after: int = 0, limit: int = 100) -> list[Report]:
        """The visible reports for the senders `api_key` submitted as, with ids above `after`."""
        if after < 0 or not 1 <= limit <= MAX_REPORTS_PER_READ:
            raise ValueError(f"after >= 0 and 1 <= limit <= {MAX_REPORTS_PER_READ}")
        with self._lock:
            self._release(self._clock())
            senders = self._senders_by_key.get(api_key, set())
            start = bisect.bisect_right(self._reports, after, key=lambda report: report.id)
            later = itertools.islice(self._reports, start, None)
            theirs = (report for report in later if report.sender_id in senders)
            return list(itertools.islice(theirs, limit))

    def receipts(self) -> list[Receipt]:
        """Every POST received, resends included, oldest first."""
        with self._lock:
            return list(self._receipts)

    def _record(
        self, interchange: Interchange, now: datetime, accepted: bool, duplicate: bool
    ) -> None:
        self._receipts.append(
            Receipt(
                sender_id=interchange.sender_id,
                control_number=interchange.control_number,
                claim_ids=tuple(claim.claim_id for claim in interchange.claims),
                received_at=now,
                accepted=accepted,
                duplicate=duplicate,
            )
        )

    def _answer(self, interchange: Interchange, verdict: SyntaxVerdict, now: datetime) -> _Answered:
        if not verdict.accepted:
            return _Answered(interchange, verdict.functional_ack, accepted=False, claim_ack=None)
        truncate = self.faults.take(["truncate_clm01"])
        drop = self.faults.take(["drop_claim_from_277ca"])
        echo_length = TRUNCATED_CLAIM_ID_LENGTH if truncate else None
        received_due, adjudicated_due, remitted_due = self.timings.due(now)
        claims = list(interchange.claims)
        judged = [(claim, self._rules.judge(claim)) for claim in claims]

        # The drop fault leaves out the last claim: of the first, the second or both 277CAs;
        # left out of both, the payer lost it and never pays it either.
        stage = drop.stage if drop is not None else ""
        out_of_first = claims[-1] if stage in ("received", "all") else None
        out_of_second = claims[-1] if stage in ("adjudicated", "all") else None
        lost = claims[-1] if stage == "all" else None

        received = [(claim, RECEIVED) for claim in claims if claim is not out_of_first]
        first = self._claim_ack(interchange, received, received_due, echo_length)
        decided = [(claim, verdict) for claim, verdict in judged if claim is not out_of_second]
        second = self._claim_ack(interchange, decided, adjudicated_due, echo_length)

        # A void (CLM05-3 = 8) asks to cancel a claim, not to be paid: no 835 pays it.
        adjudicated = [
            c
            for c, v in judged
            if v.adjudicated and c is not lost and c.frequency_code != VOID_FREQUENCY
        ]
        remittances = self._remittances(interchange, adjudicated, now, remitted_due, echo_length)
        for remittance in remittances:
            self._schedule(remitted_due, REMITTANCE, interchange.sender_id, None, remittance)
        return _Answered(
            interchange, verdict.functional_ack, accepted=True, claim_ack=second or first
        )

    def _claim_ack(
        self, interchange: Interchange, judged: list[Judged], due: datetime, echo: int | None
    ) -> str | None:
        # A 277CA needs at least one claim (2000D is required): none left, none sent.
        if not judged:
            return None
        text = render_277ca(interchange, judged, next(self._control_numbers), due, echo)
        self._schedule(
            due, CLAIM_ACKNOWLEDGEMENT, interchange.sender_id, interchange.control_number, text
        )
        return text

    def _remittances(
        self,
        interchange: Interchange,
        claims: Iterable[SubmittedClaim],
        received_at: datetime,
        due: datetime,
        echo_length: int | None,
    ) -> list[str]:
        """One 835 per payer and payee, the claims paid in the order they came."""
        rules = self._rules.adjudication
        batches: dict[tuple[str, str, str], list[ClaimPayment]] = {}
        for claim in claims:
            number = payer_claim_control_number(interchange, claim)
            payment = adjudicate(claim, rules, number, self._deductible_left)
            batch = (claim.payer_id, claim.billing_provider_npi, claim.billing_provider_name)
            batches.setdefault(batch, []).append(payment)
        documents = []
        for (payer_id, npi, name), payments in batches.items():
            control_number = next(self._control_numbers)
            envelope = Envelope(
                sender_id=interchange.receiver_id,
                receiver_id=interchange.sender_id,
                control_number=control_number,
                usage=interchange.usage,
                created_at=due,
            )
            first = payments[0].claim
            remittance = Remittance(
                envelope=envelope,
                payer_id=payer_id,
                payer_name=first.payer_name,
                payee=Payee(name, npi, first.billing_provider_tax_id),
                trace_number=f"SBX{control_number:09d}",
                claims=tuple(payments),
                received_date=received_at.strftime("%Y%m%d"),
                provider_adjustments=rules.provider_adjustments.get(payer_id, ()),
                echo_length=echo_length,
            )
            documents.append(render_835(remittance))
        return documents

    def _schedule(
        self, due: datetime, kind: str, sender: str, interchange_number: str | None, text: str
    ) -> None:
        item = _Scheduled(due, next(self._sequence), kind, sender, interchange_number, text)
        heapq.heappush(self._scheduled, item)

    def _release(self, now: datetime) -> None:
        """Give ids to every written report whose time has come, in the order they came due."""
        while self._scheduled and self._scheduled[0].due <= now:
            item = heapq.heappop(self._scheduled)
            self._reports.append(
                Report(
                    id=next(self._report_ids),
                    kind=item.kind,
                    created_at=item.due,
                    sender_id=item.sender_id,
                    interchange_control_number=item.interchange_control_number,
                    x12=item.x12,
                )
            )

    def _check(self, interchange: Interchange, x12_text: str, now: datetime) -> SyntaxVerdict:
        """pyx12's full check, or (SANDBOX_VALIDATION=envelope, benchmarks) the envelope's."""
        if self.validation == ENVELOPE:
            return check_envelope(x12_text, self._reply(interchange, now))
        return check_syntax(x12_text)

    def _ta1(self, interchange: Interchange, note_code: str, now: datetime) -> str:
        return render_ta1(
            self._reply(interchange, now),
            interchange.control_number,
            interchange.date,
            interchange.time,
            note_code,
        )

    def _reply(self, interchange: Interchange, now: datetime) -> Envelope:
        """The envelope of an answer to ``interchange``: from its receiver, a new number."""
        return Envelope(
            sender_id=interchange.receiver_id,
            receiver_id=interchange.sender_id,
            control_number=next(self._control_numbers),
            usage=interchange.usage,
            created_at=now,
        )


def _note_code(verdict: SyntaxVerdict) -> str:
    code = verdict.envelope_errors[0][0]
    return code if len(code) == 3 and code.isdigit() else INVALID_CONTROL_STRUCTURE


def _garble(functional_ack: str) -> str:
    """A 999 cut off inside its ISA, then line noise: what a broken proxy might pass on."""
    return functional_ack[:60] + "\x1a#\u00bf?GARBLED-IN-TRANSIT?\u00bf#\x1a"
