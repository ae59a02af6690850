"""The calendar's versions: what an availability answer was computed at."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.store.tables import calendar_versions as versions

# Built once: every availability request reads it.
_ALL = sa.select(versions.c.scope, versions.c.version).order_by(versions.c.scope)

CalendarVersions = tuple[tuple[str, int], ...]


def calendar_versions(connection: Connection) -> CalendarVersions:
    """Every counter, in one statement: equal only when nothing that decides availability
    changed in between (the counters only go up, and no row is ever deleted)."""
    return tuple((scope, version) for scope, version in connection.execute(_ALL))
