"""The last availability answers of this process, for the many widget visitors who ask the
same question while nothing that decides it changes.

An answer is served from here only while both hold:
- the calendar's versions (store/calendar_versions.py, read before the answer was computed)
  are what the asking request reads now: every change to appointments, offers, therapists,
  time off, rooms, services or settings bumps one in its own transaction, whichever process
  or connection makes it (triggers, migration scheduling_0008);
- the clock has not reached the answer's ``steady_until`` (domain/availability.py: minimum
  notice reaching its first start, the horizon reaching a start it kept out, the window's
  end).

Reading the versions first makes a kept answer at least as new as the versions it is kept
with: a change committed in between bumps a version the next request sees, and it
recomputes.

An answer keeps its gzip-compressed bytes beside the plain ones, made the first time a
client accepting gzip asks: the widget's 1.2 MB of two weeks is ~28 KB compressed, and a
kept answer is compressed once, not per request.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime
from typing import NamedTuple

from services.scheduling.store.calendar_versions import CalendarVersions

# Two weeks of a 20-therapist clinic is ~1.2 MB of answer: a few dozen answers stay well
# inside a worker's memory (issue #16: no process above 300 MB).
MAX_BYTES = 64 * 1024 * 1024
# Measured on the bench's two weeks (1.2 MB, docs/PERFORMANCE.md round 4): levels 1-3 take
# ~1.7 ms of CPU for 28-29 KB (3 the smallest); 4-6 save ~2.5 KB more for 2-3 ms more,
# which every computed answer would pay.
GZIP_LEVEL = 3


class Answer:
    """An answer's JSON bytes, and the same gzip-compressed, made on first use."""

    __slots__ = ("_gzipped", "plain")

    def __init__(self, plain: bytes) -> None:
        self.plain = plain
        self._gzipped: bytes | None = None

    def gzipped(self) -> bytes:
        """The plain bytes as a gzip member; compressed once, then kept."""
        # Two threads asking at once may both compress: the same bytes (no timestamp in
        # the header), and cheaper than a lock on every kept answer.
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.plain, GZIP_LEVEL, mtime=0)
        return self._gzipped


class _Kept(NamedTuple):
    versions: CalendarVersions
    computed_at: datetime
    steady_until: datetime
    answer: Answer


class AnswerCache:
    """Answers by question, least recently used dropped first; ``entries`` 0 keeps none."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._answers: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._bytes = 0
        # Gunicorn's sync workers serve one request at a time; a threaded server does not.
        self._lock = threading.Lock()

    def get(self, question: Hashable, versions: CalendarVersions, now: datetime) -> Answer | None:
        """The kept answer, if it was computed at these versions and the clock has not moved
        out of the span it holds for."""
        with self._lock:
            kept = self._answers.get(question)
            if kept is None:
                return None
            # A clock set back (a test's, or a corrected one) may offer what was past notice.
            # A stale answer stays until the new one is put: it may be the same bytes.
            if kept.versions != versions or not kept.computed_at <= now < kept.steady_until:
                return None
            self._answers.move_to_end(question)
            return kept.answer

    def put(self, question: Hashable, versions: CalendarVersions, computed_at: datetime,
            steady_until: datetime, answer: Answer) -> Answer:
        """Keep an answer computed at ``versions`` and ``computed_at``, good from then until
        ``steady_until``; give back the answer to send (the one kept before, with its
        compressed bytes, when the new one is the same)."""
        if self.entries <= 0 or len(answer.plain) > MAX_BYTES:
            return answer
        with self._lock:
            previous = self._answers.get(question)
            if previous is not None:
                # Most changes (a booking in another week, another therapist's time off next
                # month) leave a window's answer as it was: comparing 1.2 MB costs ~0.1 ms,
                # compressing it again ~1.5 ms.
                if previous.answer.plain == answer.plain:
                    answer = previous.answer
                self._drop(question)
            self._answers[question] = _Kept(versions, computed_at, steady_until, answer)
            # The compressed copy, ~1/40 of the plain bytes, is left out of the count.
            self._bytes += len(answer.plain)
            while len(self._answers) > self.entries or self._bytes > MAX_BYTES:
                self._drop(next(iter(self._answers)))
        return answer

    def _drop(self, question: Hashable) -> None:
        self._bytes -= len(self._answers.pop(question).answer.plain)
