"""The 837P claims this process assembled, kept for its batcher so it need not read them back.

The scrub assembles a ready claim's 837P model and stores it in the claim's snapshot as
JSON (``x12/stored.py``); the batcher sends what is stored. Reading it back is a
``json.loads`` and a ``claim_from_data`` per claim (docs/PERFORMANCE.md, "Claims"), for an
object the same process had a moment before. So the process keeps each claim it assembled
beside the exact snapshot text it stored, and the batcher takes it only when the text it
reads from the database is that same text: the kept claim is then what reading that text
back gives (``claim_from_data(claim_to_data(claim)) == claim``,
tests/unit/claims/test_stored_claim.py). A claim whose snapshot changed since (a
re-scrub), one made by another process, or one pushed out of the bounded keep is read
back from its text as before.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from services.claims.x12.model import Claim
from services.claims.x12.stored import claim_from_data

# Enough for several interchanges' worth of claims made before the batcher's next look;
# a claim is let go once batched, so only a backlog reaches the bound (its oldest claims
# are then read back from their text, as without the keep).
KEPT_CLAIMS = 2000


class AssembledClaims:
    """Claims assembled in this process by claim id, each with the snapshot text it was
    stored with; the consumer keeps them, the batcher takes them (threads of one process)."""

    def __init__(self, limit: int = KEPT_CLAIMS) -> None:
        self.limit = limit
        self._kept: OrderedDict[str, tuple[str, Claim]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, claim_id: str, snapshot: str, claim: Claim) -> None:
        """Keep the claim stored with ``snapshot`` (the snapshot column's text)."""
        with self._lock:
            self._kept[claim_id] = (snapshot, claim)
            self._kept.move_to_end(claim_id)
            while len(self._kept) > self.limit:
                self._kept.popitem(last=False)

    def take(self, claim_id: str, snapshot: str) -> Claim | None:
        """The kept claim when it was stored with exactly ``snapshot``, let go; else None."""
        with self._lock:
            kept = self._kept.pop(claim_id, None)
        if kept is None or kept[0] != snapshot:
            return None
        return kept[1]

    def __len__(self) -> int:
        return len(self._kept)


ASSEMBLED = AssembledClaims()


def claim_to_send(claim_id: str, snapshot: str) -> Claim:
    """The 837P claim a stored snapshot holds: the one kept when it is that snapshot's,
    else read back from the text."""
    kept = ASSEMBLED.take(claim_id, snapshot)
    if kept is not None:
        return kept
    return claim_from_data(json.loads(snapshot)["x12_claim"])
