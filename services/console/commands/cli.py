"""``python -m services.console create-user``: the first admin, and the demo's accounts.

The password is read from standard input (never an argument: it would show in ``ps`` and
in shell history), or asked for on a terminal, or made up and printed (``--generate``).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from services.console.app import migrate
from services.console.commands.accounts import create_account, set_password
from services.console.config import ConsoleConfig, load_config
from services.console.domain.passwords import temporary_password
from services.console.store.accounts import find_account
from shared.db import make_engine, utcnow, write_transaction
from shared.errors import DomainError
from shared.tokens import ROLES


def _password(args: argparse.Namespace) -> str:
    if args.generate:
        return temporary_password()
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("The passwords differ.")
    return first


def main(argv: list[str] | None = None) -> int:
    """``medmassage-admin COMMAND ...``: today only ``create-user``."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] != ["create-user"]:
        print("usage: medmassage-admin create-user NAME --role ROLE [--name TEXT] "
              "[--generate] [--reset]", file=sys.stderr)
        return 2
    return create_user(args[1:])


def create_user(argv: list[str], config: ConsoleConfig | None = None) -> int:
    """Create (or with --reset, re-password) an account; print the password if generated."""
    parser = argparse.ArgumentParser(prog="medmassage-admin create-user")
    parser.add_argument("username")
    parser.add_argument("--role", dest="roles", action="append", choices=ROLES, required=True,
                        help="repeatable; admin for the first account")
    parser.add_argument("--name", default="", help="the name shown in the console")
    parser.add_argument("--generate", action="store_true",
                        help="make up a password and print it")
    parser.add_argument("--reset", action="store_true",
                        help="when the account exists, give it this password instead")
    args = parser.parse_args(argv)
    config = config or load_config()
    migrate(config)
    password = _password(args)
    engine = make_engine(config.settings.database_url)
    try:
        with write_transaction(engine) as connection:
            if args.reset and find_account(connection, args.username.strip().lower()):
                set_password(connection, args.username.strip().lower(), password)
            else:
                create_account(connection, utcnow(), args.username, args.name, args.roles,
                               password)
    except DomainError as exc:
        messages = [f"{name}: {' '.join(text)}" for name, text in (exc.errors or {}).items()]
        print(f"refused: {exc.detail or exc.title} {' '.join(messages)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.generate:
        print(password)
    return 0
