"""The two counts of other claims a new claim is scrubbed against, kept in memory.

A claim counts the other sessions billed against its referral (authorized visits,
docs/DOMAIN.md §Referral) and the units billed to its client on its day (daily unit
limits, §Edits). Making claims for a batch of sessions, those counts are read once for
all of them and then kept up to date with every claim the batch bills, so each claim
counts exactly what the store would answer at that moment, its batch neighbours included
(commands/claim_batches.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from services.claims.domain.claim import ClaimLine
from services.claims.domain.lifecycle import BILLED

BILLED_STATUSES = frozenset(state.value for state in BILLED)


@dataclass(frozen=True)
class BilledLine:
    """One line of a claim that counts towards its client's units that day."""

    session_id: str
    code: str
    units: int


@dataclass
class BilledCounts:
    """Sessions billed per referral and lines billed per client and day, as far as known.

    Only the referrals and (client, day) pairs given to ``know_*`` are known; asking
    about another is a mistake of the caller (KeyError), never a silent zero.
    """

    sessions_by_referral: dict[str, set[str]] = field(default_factory=dict)
    lines_by_day: dict[tuple[str, date], list[BilledLine]] = field(default_factory=dict)

    def knows_referral(self, referral_id: str) -> bool:
        return referral_id in self.sessions_by_referral

    def knows_day(self, client_id: str, day: date) -> bool:
        return (client_id, day) in self.lines_by_day

    def know_referral(self, referral_id: str, billed_sessions: Iterable[str]) -> None:
        """What the store holds for a referral: the sessions billed against it."""
        self.sessions_by_referral[referral_id] = set(billed_sessions)

    def know_day(self, client_id: str, day: date, lines: Iterable[BilledLine]) -> None:
        """What the store holds for a client's day: the lines billed that count."""
        self.lines_by_day[(client_id, day)] = list(lines)

    def visits_billed(self, referral_id: str, except_session: str) -> int:
        """Sessions other than ``except_session`` billed against the referral."""
        sessions = self.sessions_by_referral[referral_id]
        return len(sessions) - (except_session in sessions)

    def units_billed_on(self, client_id: str, day: date, except_session: str) -> dict[str, int]:
        """Units per code billed for the client on ``day`` by other sessions."""
        units: dict[str, int] = {}
        for line in self.lines_by_day[(client_id, day)]:
            if line.session_id != except_session:
                units[line.code] = units.get(line.code, 0) + line.units
        return units

    def count(
        self,
        session_id: str,
        referral_id: str,
        client_id: str,
        day: date,
        status: str,
        lines: Sequence[ClaimLine],
    ) -> None:
        """Count a new original claim (not replaced, not a void) the way the store would:
        only a claim in a billed state counts, towards both. Its referral and day must be
        known first, or what the store held before it would be missing."""
        sessions = self.sessions_by_referral[referral_id]
        day_lines = self.lines_by_day[(client_id, day)]
        if status not in BILLED_STATUSES:
            return
        sessions.add(session_id)
        day_lines.extend(BilledLine(session_id, line.code, line.units) for line in lines)
