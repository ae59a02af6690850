"""Scheduling rules in pure Python: calendars, open slots, booking decisions, sessions."""
