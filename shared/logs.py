"""JSON log lines, one per event, with request/correlation/event ids and no PHI.

Only identifiers and facts about the system are logged (ids, counts, states, timings).
Client names, birth dates, member ids, diagnoses and notes are never passed to a logger;
as a second line of defence, fields whose names say they hold such data are dropped.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

# Attribute names a LogRecord always has; anything else came in through ``extra=``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_PHI_FIELDS = {
    "name",
    "first_name",
    "last_name",
    "birth_date",
    "dob",
    "member_id",
    "diagnoses",
    "diagnosis",
    "notes",
    "note",
    "soap_note",
    "email",
    "phone",
    "address",
}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            line[key] = "[redacted]" if key in _PHI_FIELDS else value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(service: str, level: str | None = None) -> None:
    """Send JSON lines for every logger to stderr (what a container platform collects)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO"))
    # kafka-python is chatty at INFO about every connection; its warnings still show.
    logging.getLogger("kafka").setLevel(logging.WARNING)
