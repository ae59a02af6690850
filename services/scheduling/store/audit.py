"""Admins' overrides, written into this service's audit trail with their reasons.

The trail (``shared.web.audit``) records each request by who, what and how it ended; an
override also needs *why*, which only the command knows. Its entry is written in the
command's own transaction, so it exists exactly when the override took effect.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import Connection

from shared.db import utcnow
from shared.web.audit import audit_log

OVERRIDE = "OVERRIDE"  # the entry's action, beside the request's own POST entry


def record_override(
    connection: Connection, actor: str, path: str, endpoint: str, overrode: Sequence[str],
    reason: str,
) -> None:
    """Add an audit entry for an admin going past ``overrode`` at ``path``, with the reason."""
    connection.execute(sa.insert(audit_log).values(
        at=utcnow(), actor=actor[:200], roles="admin", action=OVERRIDE, endpoint=endpoint,
        path=path[:500], status=201, remote_addr=None, request_id=None,
        query=json.dumps({"admin_overrode": list(overrode), "reason": reason},
                         ensure_ascii=False),
    ))
