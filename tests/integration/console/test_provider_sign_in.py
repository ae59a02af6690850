"""Signing in through the clinic's OpenID Connect provider (a real one over HTTP, in process)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from services.console.oidc import OidcSettings
from tests.support.console import Console, build_console, sign_in
from tests.support.console.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    SandboxProvider,
    running_provider,
)


@pytest.fixture
def provider() -> Iterator[SandboxProvider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def console(tmp_path, provider: SandboxProvider) -> Console:  # type: ignore[no-untyped-def]
    return build_console(f"sqlite:///{tmp_path / 'console.db'}", lockout_threshold=2,
                         oidc=OidcSettings(provider.issuer, CLIENT_ID, CLIENT_SECRET))


def through_provider(browser) -> str:  # type: ignore[no-untyped-def]
    """Start at the console, pass the provider; the console's return address it gave back."""
    start = browser.get("/sign-in/provider")
    assert start.status_code == 302
    answer = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlparse(answer.headers["Location"])
    assert back.path == "/sign-in/provider/return" and "code" in parse_qs(back.query)
    return f"{back.path}?{back.query}"


def test_a_person_the_provider_vouches_for_is_signed_in_to_their_own_account(
        console: Console):
    console.add_account("fay", "front_desk")
    browser = console.client()
    assert "Sign in with the clinic&#39;s account" in browser.get("/sign-in").get_data(
        as_text=True)
    done = browser.get(through_provider(browser))
    assert done.status_code == 200 and 'http-equiv="refresh"' in done.get_data(as_text=True)
    home = browser.get("/home")
    assert home.status_code == 200 and "Welcome, Fay" in home.get_data(as_text=True)


def test_a_person_without_a_console_account_gets_nothing(console: Console,
                                                         provider: SandboxProvider):
    provider.person = "stranger"
    browser = console.client()
    refused = browser.get(through_provider(browser))
    assert refused.status_code == 403
    assert "No console account belongs" in refused.get_data(as_text=True)
    assert browser.get("/home").status_code == 302


def test_a_return_the_browser_did_not_start_is_refused(console: Console):
    console.add_account("fay", "front_desk")
    victim, attacker = console.client(), console.client()
    stolen = through_provider(attacker)
    victim.get("/sign-in/provider")  # the victim's own, different state
    assert victim.get(stolen).status_code == 400
    assert console.client().get(stolen).status_code == 400  # no state cookie at all


def test_an_id_token_meant_for_another_client_is_not_trusted(console: Console,
                                                             provider: SandboxProvider):
    console.add_account("fay", "front_desk")
    provider.audience = "some-other-app"
    browser = console.client()
    refused = browser.get(through_provider(browser))
    assert refused.status_code == 401
    assert "cannot trust" in refused.get_data(as_text=True)


def test_a_locked_account_stays_locked_through_the_provider(console: Console):
    console.add_account("fay", "front_desk")
    for _ in range(2):
        sign_in(console.client(), "fay", "wrong password!!")
    browser = console.client()
    refused = browser.get(through_provider(browser))
    assert refused.status_code == 403 and "locked" in refused.get_data(as_text=True)


def test_without_a_configured_provider_the_route_does_not_exist(tmp_path):
    console = build_console(f"sqlite:///{tmp_path / 'plain.db'}")
    assert console.client().get("/sign-in/provider").status_code == 404
    assert "Sign in with" not in console.client().get("/sign-in").get_data(as_text=True)
