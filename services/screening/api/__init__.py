"""The screening service's HTTP API, one blueprint per subject."""

from services.screening.api import clients, forms, intake, referrals, screenings

BLUEPRINTS = (clients.bp, screenings.bp, referrals.bp, forms.bp, intake.bp)

__all__ = ["BLUEPRINTS"]
