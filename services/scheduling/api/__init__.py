"""Scheduling's HTTP API: calendar, availability, appointments, sessions, feeds, widget, codes,
waitlist."""

from services.scheduling.api.appointments import bp as appointments_bp
from services.scheduling.api.availability import bp as availability_bp
from services.scheduling.api.booking_codes import bp as booking_codes_bp
from services.scheduling.api.calendar import bp as calendar_bp
from services.scheduling.api.eligibility import bp as eligibility_bp
from services.scheduling.api.feeds import bp as feeds_bp
from services.scheduling.api.self_service import bp as self_service_bp
from services.scheduling.api.sessions import bp as sessions_bp
from services.scheduling.api.waitlist import bp as waitlist_bp
from services.scheduling.api.widget import bp as widget_bp

BLUEPRINTS = [calendar_bp, availability_bp, eligibility_bp, appointments_bp, sessions_bp, feeds_bp,
              widget_bp, booking_codes_bp, self_service_bp, waitlist_bp]

__all__ = ["BLUEPRINTS"]
