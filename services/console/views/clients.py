"""Clients by name on the staff pages: the other services know them by id only."""

from __future__ import annotations

from collections.abc import Iterable

from services.console.apis import current
from services.console.apis.base import ApiProblem

# Distinct clients a page looks up by name (a call each): a busy week stays quick.
NAME_LOOKUPS = 60


def client_names(client_ids: Iterable[str]) -> dict[str, str]:
    """Each client's name as registered; a client screening cannot find is left out."""
    names = {}
    for client_id in sorted(set(client_ids))[:NAME_LOOKUPS]:
        try:
            record = current.screening().identity(client_id)
        except ApiProblem:
            continue
        names[client_id] = f"{record['first_name']} {record['last_name']}"
    return names


def shown_name(names: dict[str, str], client_id: str) -> str:
    """The client's name, or a short id when it could not be looked up."""
    return names.get(client_id) or f"client {client_id[:8]}"
