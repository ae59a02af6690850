"""Faults a test can arm so the next requests fail the way real networks and servers do.

Three families, each armed and used up on its own:

- transport (`503`, `slow`, `drop`): the next requests to the submit, 277CA and report
  endpoints fail (`endpoint`: `submit`, `reports` or `any`, the default: a client polls
  the report mailbox all the time, so a fault meant for a submission names it); one of
  these is armed at a time, the last one armed wins;
- answer (`ta1`, `garbage_999`): the next submits are answered with a TA1 rejecting the
  interchange (nothing is kept: a resend is taken afresh), or with an unreadable body in
  place of the 999 (the interchange *is* taken: a resend gets the real 999);
- content (`truncate_clm01`, `drop_claim_from_277ca`): the next accepted interchanges have
  their 277CAs and 835s echo only the first 20 characters of each CLM01, or have their last
  claim left out of the 277CA(s) (`stage`: `received` the A1 277CA only, `adjudicated` the
  second 277CA only, `all` both, and the claim is never adjudicated: the payer lost it).
"""

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TRANSPORT_MODES = ("503", "slow", "drop")
ANSWER_MODES = ("ta1", "garbage_999")
CONTENT_MODES = ("truncate_clm01", "drop_claim_from_277ca")
MODES = TRANSPORT_MODES + ANSWER_MODES + CONTENT_MODES
DROP_STAGES = ("received", "adjudicated", "all")
ENDPOINTS = ("submit", "reports", "any")
TRUNCATED_CLAIM_ID_LENGTH = 20


@dataclass(frozen=True)
class Fault:
    """One armed fault: its mode, for how many requests (or interchanges), and its options."""

    mode: str
    count: int
    seconds: float = 0.0
    stage: str = ""  # drop_claim_from_277ca only
    endpoint: str = "any"  # transport faults only: which requests suffer it

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Fault":
        """Build a fault from `{"mode": ..., "count": ..., "seconds": ..., "stage": ...}`."""
        mode = str(data.get("mode"))
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        unknown = set(data) - {"mode", "count", "seconds", "stage", "endpoint"}
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        count = data.get("count", 1)
        seconds = data.get("seconds", 0)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError("count must be a positive integer")
        if not isinstance(seconds, int | float) or seconds < 0 or (mode == "slow") != (seconds > 0):
            raise ValueError("seconds must be positive for slow, and only for slow")
        stage = data.get("stage", "all" if mode == "drop_claim_from_277ca" else "")
        if mode == "drop_claim_from_277ca" and stage not in DROP_STAGES:
            raise ValueError(f"stage must be one of {DROP_STAGES}")
        if mode != "drop_claim_from_277ca" and stage:
            raise ValueError("stage is only for drop_claim_from_277ca")
        endpoint = data.get("endpoint", "any")
        if endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {ENDPOINTS}")
        if endpoint != "any" and mode not in TRANSPORT_MODES:
            raise ValueError("endpoint is only for 503, slow and drop")
        return cls(mode=mode, count=count, seconds=float(seconds), stage=stage,
                   endpoint=endpoint)

    @property
    def family(self) -> str:
        """Faults of one family replace each other; different families stay armed together."""
        return "transport" if self.mode in TRANSPORT_MODES else self.mode


class FaultPlan:
    """The armed faults, each used up one request (or interchange) at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[str, tuple[Fault, int]] = {}

    def arm(self, fault: Fault) -> None:
        """Make the next `fault.count` requests fail as `fault.mode` says."""
        with self._lock:
            self._armed[fault.family] = (fault, fault.count)

    def clear(self) -> None:
        """Let requests through normally again."""
        with self._lock:
            self._armed.clear()

    def take(self, modes: Iterable[str] = TRANSPORT_MODES, endpoint: str = "any") -> Fault | None:
        """Return the fault of one of `modes` this request suffers, if any, and count it used.

        A request to `endpoint` suffers a fault armed for that endpoint or for any.
        """
        wanted = set(modes)
        with self._lock:
            for family, (fault, left) in self._armed.items():
                if fault.mode in wanted and fault.endpoint in ("any", endpoint):
                    if left <= 1:
                        del self._armed[family]
                    else:
                        self._armed[family] = (fault, left - 1)
                    return fault
            return None
