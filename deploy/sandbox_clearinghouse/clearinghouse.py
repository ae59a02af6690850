"""What the sandbox clearinghouse remembers and decides, without any HTTP."""

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deploy.sandbox_clearinghouse.claim_acknowledgement import render_277ca
from deploy.sandbox_clearinghouse.rules import RejectionRules
from deploy.sandbox_clearinghouse.submission import (
    Interchange,
    acknowledge_syntax,
    read_interchange,
)


class UnknownInterchange(LookupError):
    """No accepted interchange matches; there is no 277CA to give."""


class AmbiguousInterchange(LookupError):
    """Several senders used this control number; the caller must name the sender."""


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


@dataclass
class _Answered:
    """The acknowledgements owed for one interchange, kept so a resend gets the same ones."""

    interchange: Interchange
    functional_ack: str
    claim_ack: str | None
    claim_ack_fetched: bool = False


class Clearinghouse:
    """Receives 837Ps once per sender + interchange number and hands out their 999 and 277CA."""

    def __init__(self, rules: RejectionRules, clock: Callable[[], datetime] = datetime.now) -> None:
        self._rules = rules
        self._clock = clock
        self._lock = threading.Lock()
        self._answered: dict[tuple[str, str], _Answered] = {}
        self._receipts: list[Receipt] = []
        self._control_numbers = itertools.count(1)

    def receive_837(self, x12_text: str) -> str:
        """Take an 837P and return its 999; a resent interchange gets the first 999 again."""
        interchange = read_interchange(x12_text)
        key = (interchange.sender_id, interchange.control_number)
        with self._lock:
            answered = self._answered.get(key)
            duplicate = answered is not None
            if answered is None:
                answered = self._answer(interchange, x12_text)
                self._answered[key] = answered
            self._receipts.append(
                Receipt(
                    sender_id=interchange.sender_id,
                    control_number=interchange.control_number,
                    claim_ids=tuple(claim.claim_id for claim in interchange.claims),
                    received_at=self._clock(),
                    accepted=answered.claim_ack is not None,
                    duplicate=duplicate,
                )
            )
            return answered.functional_ack

    def claim_acknowledgement(self, control_number: str, sender_id: str | None = None) -> str:
        """Return the 277CA for an accepted interchange, found by ISA13 (and ISA06 if given)."""
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

    def receipts(self) -> list[Receipt]:
        """Every POST received, resends included, oldest first."""
        with self._lock:
            return list(self._receipts)

    def _answer(self, interchange: Interchange, x12_text: str) -> _Answered:
        accepted, functional_ack = acknowledge_syntax(x12_text)
        claim_ack = None
        if accepted:
            judged = [(claim, self._rules.judge(claim)) for claim in interchange.claims]
            claim_ack = render_277ca(
                interchange, judged, next(self._control_numbers), self._clock()
            )
        return _Answered(interchange, functional_ack, claim_ack)
