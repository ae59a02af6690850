"""``medmassage-token``: issue a staff bearer token signed with MEDMASSAGE_JWT_SECRET."""

from __future__ import annotations

import os
from datetime import timedelta

import click

from shared.config import DEV_JWT_SECRET
from shared.web.auth import ROLES, issue_token


@click.command()
@click.option("--subject", required=True, help="Who the token is for, e.g. a staff login.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLES),
    help="A role the token grants; repeat for several.",
)
@click.option("--hours", default=8.0, show_default=True, help="How long the token is valid.")
def main(subject: str, roles: tuple[str, ...], hours: float) -> None:
    """Print a signed token for SUBJECT with the given roles."""
    secret = os.environ.get("MEDMASSAGE_JWT_SECRET", DEV_JWT_SECRET)
    if secret == DEV_JWT_SECRET:
        click.echo("warning: signing with the development key", err=True)
    click.echo(issue_token(secret, subject, list(roles), timedelta(hours=hours)))


if __name__ == "__main__":
    main()
