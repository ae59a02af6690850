"""The console for tests: its app on a fresh database, accounts, and signing in through forms."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from services.console.app import create_app, migrate
from services.console.commands.accounts import create_account
from services.console.config import ConsoleConfig
from shared.config import Settings
from shared.db import make_engine, utcnow, write_transaction

PASSWORD = "a long test password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_config(database_url: str, **changes: Any) -> ConsoleConfig:
    """The console's config on ``database_url`` (the development signing key)."""
    return replace(ConsoleConfig.from_settings(Settings(service="console",
                                                        database_url=database_url)), **changes)


@dataclass
class Console:
    """The console app on its own database, and a browser-like client of it."""

    app: Flask
    config: ConsoleConfig

    def client(self) -> FlaskClient:
        """A new browser (its own cookies)."""
        return self.app.test_client()

    def add_account(self, username: str, *roles: str, password: str = PASSWORD,
                    must_change: bool = False) -> None:
        """An account, straight into the console's database."""
        engine = make_engine(self.config.settings.database_url)
        with write_transaction(engine) as connection:
            create_account(connection, utcnow(), username, username.title(), list(roles),
                           password, must_change)
        engine.dispose()


def build_console(database_url: str, **changes: Any) -> Console:
    """Migrate and build the console."""
    config = console_config(database_url, **changes)
    migrate(config)
    return Console(create_app(config), config)


def csrf_of(client: FlaskClient, path: str = "/sign-in") -> str:
    """The CSRF token the page at ``path`` puts in its forms."""
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, Any],
              page: str | None = None) -> TestResponse:
    """Send a form as the browser would: with the CSRF token of the page it came from."""
    return client.post(path, data={**data, "csrf_token": csrf_of(client, page or path)})


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    """Post the sign-in form."""
    return post_form(client, "/sign-in", {"username": username, "password": password})


def current_code(secret: str) -> str:
    """What the person's authenticator app shows now."""
    return pyotp.TOTP(secret).now()


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """A service's app answering real HTTP on a free loopback port (the console calls it so)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
