"""The clinic's day and time: pages show and take times in the clinic's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g

from services.console.apis import current


def clinic_zone() -> ZoneInfo:
    """The clinic's zone (scheduling's settings), asked once per request."""
    zone = g.get("clinic_zone")
    if zone is None:
        zone = g.clinic_zone = ZoneInfo(current.scheduling().settings()["time_zone"])
    return zone


def today() -> date:
    """Today in the clinic."""
    return datetime.now(clinic_zone()).date()


def day_bounds(day: date, days: int = 1) -> tuple[str, str]:
    """[start of ``day``, start of ``day + days``) in the clinic, as ISO 8601 with offset."""
    zone = clinic_zone()
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=days), time(0), zone)
    return start.isoformat(), end.isoformat()


def local(moment: str) -> datetime:
    """An API's ISO 8601 moment in the clinic's zone."""
    return datetime.fromisoformat(moment).astimezone(clinic_zone())


def from_form(value: str) -> str:
    """A ``datetime-local`` field's value (clinic time) as ISO 8601 with the clinic's offset."""
    return datetime.fromisoformat(value).replace(tzinfo=clinic_zone()).isoformat()
