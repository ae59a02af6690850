"""The screening service's own database: tables and the queries over them."""

from services.screening.store import clients, referrals, screenings
from services.screening.store.tables import metadata

__all__ = ["clients", "metadata", "referrals", "screenings"]
