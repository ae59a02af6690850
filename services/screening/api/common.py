"""What every screening view may need: the running service's typed config, and who may
read a client's clinical records."""

from __future__ import annotations

from sqlalchemy import Connection

from services.screening.config import ScreeningConfig
from services.screening.domain import ClientNotFound
from services.screening.domain.care_team import reads_every_client
from services.screening.store import care_team, clients
from shared.web import service_context
from shared.web.caller import current_caller


def config() -> ScreeningConfig:
    """The screening config of the running app."""
    return service_context().config


def require_readable_client(connection: Connection, client_id: str) -> None:
    """The client exists and the caller may read their screenings and referrals.

    A therapist reads only the clients they treat; anyone else's are answered as if they
    did not exist (404), so a therapist cannot even learn which clients the clinic has.
    """
    clients.require(connection, client_id)
    caller = current_caller()
    if not (reads_every_client(caller.roles)
            or care_team.treats(connection, caller.subject, client_id)):
        raise ClientNotFound(client_id)
