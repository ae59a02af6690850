"""The clinic's clock: what "now" and "today" are for booking, completion, claims, screening.

In production it is the real clock, always. In development (end-to-end stacks, the demo) a
*test clock* may move it forward: ``MEDMASSAGE_CLOCK_FILE`` names a file holding how many
seconds the clinic lives ahead of the real clock, and every service of the stack reads the
same file, so a visit booked for tomorrow can be recorded "tomorrow" a moment later, with
no back door in the rules (a session is recorded once it has started; no date of service
in the future; docs/DOMAIN.md §Claims). docs/OPERATIONS.md §Test clock says how to use it.

Bookkeeping times (outbox, inbox, audit stamps, token lifetimes) stay on the real clock:
they say when something happened to the software, not to the clinic.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from shared.config import PRODUCTION, ConfigurationError, Settings, load_mode
from shared.db import utcnow

CLOCK_FILE_SETTING = "MEDMASSAGE_CLOCK_FILE"

log = logging.getLogger("shared.clock")


class TestClock:
    """The real clock plus the offset in a file, re-read whenever the file changes."""

    __test__ = False  # not a pytest class

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int, int] | None = None
        self._offset = timedelta(0)

    def offset(self) -> timedelta:
        """How far ahead of the real clock the clinic lives (0 while the file is absent)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return timedelta(0)
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if seen != self._seen:
            text = self.path.read_text().strip()
            try:
                self._offset = timedelta(seconds=float(text or 0))
            except ValueError:
                # Half a write or a typo: keep the last offset rather than stop the clinic.
                log.warning("%s=%s holds %r, not seconds; keeping %s", CLOCK_FILE_SETTING,
                            self.path, text[:40], self._offset)
                return self._offset
            self._seen = seen
        return self._offset

    def __call__(self) -> datetime:
        return utcnow() + self.offset()


def clock_setting() -> Path | None:
    """MEDMASSAGE_CLOCK_FILE, if set."""
    value = os.environ.get(CLOCK_FILE_SETTING, "").strip()
    return Path(value) if value else None


def check_clock_setting(settings: Settings) -> None:
    """Refuse to start a production service whose clock a file could move."""
    if settings.mode == PRODUCTION and clock_setting() is not None:
        raise ConfigurationError(
            f"{CLOCK_FILE_SETTING} moves the clinic's clock for tests and demos; production "
            "runs on the real clock (a visit recorded or billed on a day still to come is "
            "refused by that clock): unset it")


def _process_clock() -> Callable[[], datetime]:
    path = clock_setting()
    if path is None or load_mode() == PRODUCTION:
        return utcnow
    log.warning("%s=%s: the clinic's clock follows this file's offset (development only)",
                CLOCK_FILE_SETTING, path)
    return TestClock(path)


_clock: Callable[[], datetime] | None = None


def clinic_now() -> datetime:
    """Now, for the clinic's rules (UTC, aware): the real clock unless a test clock is set."""
    global _clock
    if _clock is None:
        _clock = _process_clock()
    return _clock()


def advance(path: Path, by: timedelta) -> timedelta:
    """Move a test clock forward ``by`` (never back: what happened stays in the past).

    Written to a temporary file and renamed, so a service never reads half an offset.
    Returns the new offset.
    """
    if by < timedelta(0):
        raise ValueError("a test clock only moves forward")
    offset = TestClock(path).offset() + by
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(f"{offset.total_seconds()}\n")
    os.replace(temporary, path)
    return offset


def main(argv: list[str] | None = None) -> int:
    """``python -m shared.clock advance HOURS``: move the stack's test clock forward."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m shared.clock",
                                     description="Move a development stack's test clock.")
    sub = parser.add_subparsers(dest="command", required=True)
    forward = sub.add_parser("advance", help="move the clinic's clock forward")
    forward.add_argument("hours", type=float)
    show = sub.add_parser("show", help="print the clinic's now and the offset")
    del show
    args = parser.parse_args(argv)
    path = clock_setting()
    if path is None:
        parser.error(f"set {CLOCK_FILE_SETTING} to the stack's clock file")
    if load_mode() == PRODUCTION:
        parser.error("production runs on the real clock")
    if args.command == "advance":
        advance(path, timedelta(hours=args.hours))
    clock = TestClock(path)
    print(f"clinic now {clock().isoformat()} (real clock + {clock.offset()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
