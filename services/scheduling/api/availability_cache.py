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
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime
from typing import NamedTuple

from services.scheduling.store.calendar_versions import CalendarVersions

# Two weeks of a 20-therapist clinic is ~1.2 MB of answer: a few dozen answers stay well
# inside a worker's memory (issue #16: no process above 300 MB).
MAX_BYTES = 64 * 1024 * 1024


class _Answer(NamedTuple):
    versions: CalendarVersions
    computed_at: datetime
    steady_until: datetime
    body: bytes


class AnswerCache:
    """Answers by question, least recently used dropped first; ``entries`` 0 keeps none."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._answers: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._bytes = 0
        # Gunicorn's sync workers serve one request at a time; a threaded server does not.
        self._lock = threading.Lock()

    def get(self, question: Hashable, versions: CalendarVersions, now: datetime) -> bytes | None:
        """The kept answer, if it was computed at these versions and the clock has not moved
        out of the span it holds for."""
        with self._lock:
            answer = self._answers.get(question)
            if answer is None:
                return None
            # A clock set back (a test's, or a corrected one) may offer what was past notice.
            if answer.versions != versions or not answer.computed_at <= now < answer.steady_until:
                self._drop(question)
                return None
            self._answers.move_to_end(question)
            return answer.body

    def put(self, question: Hashable, versions: CalendarVersions, computed_at: datetime,
            steady_until: datetime, body: bytes) -> None:
        """Keep an answer computed at ``versions`` and ``computed_at``, good from then until
        ``steady_until``."""
        if self.entries <= 0 or len(body) > MAX_BYTES:
            return
        with self._lock:
            if question in self._answers:
                self._drop(question)
            self._answers[question] = _Answer(versions, computed_at, steady_until, body)
            self._bytes += len(body)
            while len(self._answers) > self.entries or self._bytes > MAX_BYTES:
                self._drop(next(iter(self._answers)))

    def _drop(self, question: Hashable) -> None:
        self._bytes -= len(self._answers.pop(question).body)
