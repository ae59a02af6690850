"""The four adapters for the signed-in person, each request with a token minted for them."""

from __future__ import annotations

from flask import current_app, g

from services.console.apis.base import ServiceApi
from services.console.apis.claims import ClaimsApi
from services.console.apis.notifications import NotificationsApi
from services.console.apis.scheduling import SchedulingApi
from services.console.apis.screening import ScreeningApi
from services.console.config import ConsoleConfig


def staff_token() -> str:
    """A short-lived staff token for the signed-in account (one per request).

    The services verify it exactly as any staff token (shared/tokens.py): the console is
    where staff log in, so it holds the signing key and the services the public half.
    """
    token = g.get("staff_token")
    if token is None:
        config: ConsoleConfig = current_app.extensions["console.config"]
        account = g.account
        token = g.staff_token = config.signing_key.sign(
            account.username, account.roles, config.api_token_lifetime)
    return token


def _api(name: str, url: str) -> ServiceApi:
    config: ConsoleConfig = current_app.extensions["console.config"]
    return ServiceApi(name, url, staff_token, config.api_timeout_seconds)


def screening() -> ScreeningApi:
    """The screening service, as the signed-in person."""
    return ScreeningApi(_api("screening", current_app.extensions["console.config"].screening_url))


def scheduling() -> SchedulingApi:
    """The scheduling service, as the signed-in person."""
    return SchedulingApi(_api("scheduling",
                              current_app.extensions["console.config"].scheduling_url))


def claims() -> ClaimsApi:
    """The claims service, as the signed-in person."""
    return ClaimsApi(_api("claims", current_app.extensions["console.config"].claims_url))


def notifications() -> NotificationsApi:
    """The notifications service, as the signed-in person."""
    return NotificationsApi(_api("notifications",
                                 current_app.extensions["console.config"].notifications_url))
