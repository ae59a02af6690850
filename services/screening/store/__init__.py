"""The screening service's own database: tables and the queries over them."""

from services.screening.store import care_team, clients, referrals, screenings
from services.screening.store.tables import metadata

__all__ = ["care_team", "clients", "metadata", "referrals", "screenings"]
