"""``medmassage-token``: sign staff tokens, and manage the Ed25519 keys that sign them.

``issue`` signs with the private key in MEDMASSAGE_JWT_PRIVATE_KEY (a PEM file's path or
the PEM itself), or with the published development key when that is unset (warned about:
only a service in development mode accepts its tokens). ``keygen`` makes a new key pair
and adds its public half to a JWKS file, the services' MEDMASSAGE_JWT_PUBLIC_KEYS;
``retire`` takes a key out of that file once its last tokens have expired.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import click

from shared.config import DEFAULT_TOKEN_MAX_HOURS, ConfigurationError
from shared.tokens import (
    PRIVATE_KEY_SETTING,
    ROLES,
    SigningKey,
    generate_signing_key,
    load_key_set,
    signing_key_from,
)


@click.group()
def main() -> None:
    """Staff tokens and their signing keys."""


@main.command()
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
@click.option("--kid", help="The key's id in the services' key set [default: its thumbprint].")
def issue(subject: str, roles: tuple[str, ...], hours: float, kid: str | None) -> None:
    """Print a signed token for SUBJECT with the given roles."""
    most = float(os.environ.get("MEDMASSAGE_TOKEN_MAX_HOURS", DEFAULT_TOKEN_MAX_HOURS))
    if not 0 < hours <= most:
        raise click.BadParameter(
            f"services refuse tokens living over MEDMASSAGE_TOKEN_MAX_HOURS={most:g}",
            param_hint="--hours",
        )
    click.echo(_signing_key(kid).sign(subject, roles, timedelta(hours=hours)))


def _signing_key(kid: str | None) -> SigningKey:
    source = os.environ.get(PRIVATE_KEY_SETTING, "")
    if not source.strip():
        click.echo(f"warning: {PRIVATE_KEY_SETTING} is unset, signing with the published "
                   "development key; only services in development mode accept it", err=True)
    try:
        return signing_key_from(source, kid)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--private-key", "private_key_path", required=True, type=click.Path(path_type=Path),
              help="Where to write the new private key (PEM); it must not exist yet.")
@click.option("--jwks", "jwks_path", required=True, type=click.Path(path_type=Path),
              help="The JWKS file to add the public key to (made if missing).")
@click.option("--kid", help="The new key's id [default: its RFC 7638 thumbprint].")
def keygen(private_key_path: Path, jwks_path: Path, kid: str | None) -> None:
    """Make an Ed25519 key pair: the private key for signing, the public one into a JWKS."""
    keys = {"keys": []}
    if jwks_path.exists():
        try:
            load_key_set(str(jwks_path), setting=str(jwks_path))  # refuse to extend a bad set
        except ConfigurationError as exc:
            raise click.ClickException(str(exc)) from exc
        keys = json.loads(jwks_path.read_text())
    key = generate_signing_key(kid)
    if any(entry.get("kid") == key.kid for entry in keys["keys"]):
        raise click.ClickException(f"{jwks_path} already has a key {key.kid!r}")
    # The private key is created readable by its owner only, and never over another.
    try:
        descriptor = os.open(private_key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise click.ClickException(f"{private_key_path} exists; choose a new path") from exc
    with os.fdopen(descriptor, "wb") as out:
        out.write(key.private_pem())
    keys["keys"].append(key.public_jwk())
    jwks_path.write_text(json.dumps(keys, indent=2) + "\n")
    click.echo(f"kid {key.kid}: private key in {private_key_path}, public key added to "
               f"{jwks_path}")


@main.command()
@click.option("--jwks", "jwks_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The JWKS file to remove the key from.")
@click.option("--kid", required=True, help="The id of the key to remove.")
def retire(jwks_path: Path, kid: str) -> None:
    """Remove a key from a JWKS file: tokens it signed are refused once services reload it."""
    keys = json.loads(jwks_path.read_text())
    kept = [entry for entry in keys.get("keys", []) if entry.get("kid") != kid]
    if len(kept) == len(keys.get("keys", [])):
        raise click.ClickException(f"{jwks_path} has no key {kid!r}")
    if not kept:
        raise click.ClickException(f"{kid!r} is the last key of {jwks_path}; add its successor "
                                   "first (keygen)")
    jwks_path.write_text(json.dumps({**keys, "keys": kept}, indent=2) + "\n")
    click.echo(f"kid {kid} removed from {jwks_path}")


if __name__ == "__main__":
    main()
