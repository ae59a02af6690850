"""Signing in to the console: passwords, lockout, TOTP, idle timeout, CSRF and CSP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from services.console.store.tables import sessions
from shared.db import make_engine, utcnow, write_transaction
from shared.tokens import KeySet, TokenVerifier, development_key_set
from tests.support.console import (
    PASSWORD,
    Console,
    build_console,
    csrf_of,
    current_code,
    post_form,
    sign_in,
)

SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')


@pytest.fixture
def console(tmp_path) -> Console:  # type: ignore[no-untyped-def]
    return build_console(f"sqlite:///{tmp_path / 'console.db'}", lockout_threshold=3)


def test_a_right_password_opens_the_home_page_and_a_wrong_one_does_not(console: Console):
    console.add_account("frank", "front_desk")
    browser = console.client()
    refused = sign_in(browser, "frank", "not the password")
    assert refused.status_code == 401
    assert "The username or password is wrong." in refused.get_data(as_text=True)
    assert browser.get("/home").status_code == 302
    answer = sign_in(browser, "frank")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/home")
    home = browser.get("/home")
    assert home.status_code == 200 and "Welcome, Frank" in home.get_data(as_text=True)


def test_an_unknown_name_is_refused_exactly_like_a_wrong_password(console: Console):
    answer = sign_in(console.client(), "nobody")
    assert answer.status_code == 401
    assert "The username or password is wrong." in answer.get_data(as_text=True)


def test_repeated_failures_lock_the_account_with_its_unlock_time_until_an_admin_unlocks_it(
        console: Console):
    console.add_account("bill", "billing")
    console.add_account("ada", "admin")
    browser = console.client()
    for _ in range(2):
        assert "wrong" in sign_in(browser, "bill", "guess guess guess").get_data(as_text=True)
    locked = sign_in(browser, "bill", "guess guess guess").get_data(as_text=True)
    assert re.search(r"locked after repeated failed sign-ins until \d\d:\d\d UTC", locked)
    # Even the right password is refused while the lock lasts.
    assert "locked" in sign_in(browser, "bill").get_data(as_text=True)
    admin = console.client()
    sign_in(admin, "ada")
    assert "Locked until" in admin.get("/admin/accounts").get_data(as_text=True)
    post_form(admin, "/admin/accounts/bill/unlock", {}, page="/admin/accounts")
    assert sign_in(browser, "bill").headers["Location"].endswith("/home")


def test_a_session_unused_past_the_idle_timeout_asks_to_sign_in_again(console: Console):
    console.add_account("olga", "ops")
    browser = console.client()
    sign_in(browser, "olga")
    assert browser.get("/home").status_code == 200
    engine = make_engine(console.config.settings.database_url)
    with write_transaction(engine) as connection:  # the clock moves past the idle timeout
        connection.execute(update(sessions).values(
            last_seen_at=utcnow() - console.config.idle_timeout - timedelta(seconds=1)))
    answer = browser.get("/home")
    assert answer.status_code == 302 and "ended=idle" in answer.headers["Location"]
    page = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Your session ended after a period without use" in page
    assert browser.get("/home").status_code == 302  # the old cookie opens nothing any more


def test_an_account_with_a_second_factor_needs_the_current_code(console: Console):
    console.add_account("tina", "therapist")
    browser = console.client()
    sign_in(browser, "tina")
    enrolment = browser.get("/account/second-factor").get_data(as_text=True)
    secret = SECRET.search(enrolment).group(1)
    wrong = post_form(browser, "/account/second-factor", {"secret": secret, "code": "000000"})
    assert "The code does not match" in wrong.get_data(as_text=True)
    post_form(browser, "/account/second-factor", {"secret": secret, "code": current_code(secret)})
    post_form(browser, "/sign-out", {}, page="/home")

    again = console.client()
    step = sign_in(again, "tina")
    assert step.headers["Location"].endswith("/sign-in/code")
    assert again.get("/home").headers["Location"].endswith("/sign-in/code")  # not in yet
    refused = post_form(again, "/sign-in/code", {"code": "123456"})
    assert refused.status_code == 401 and "code is wrong" in refused.get_data(as_text=True)
    done = post_form(again, "/sign-in/code", {"code": current_code(secret)})
    assert done.headers["Location"].endswith("/home")
    assert again.get("/home").status_code == 200


def test_wrong_codes_count_toward_the_lockout(console: Console):
    console.add_account("tom", "therapist")
    browser = console.client()
    sign_in(browser, "tom")
    secret = SECRET.search(browser.get("/account/second-factor").get_data(as_text=True)).group(1)
    post_form(browser, "/account/second-factor", {"secret": secret, "code": current_code(secret)})
    other = console.client()
    sign_in(other, "tom")
    for _ in range(2):
        post_form(other, "/sign-in/code", {"code": "000000"})
    last = post_form(other, "/sign-in/code", {"code": "000000"}).get_data(as_text=True)
    assert "locked" in last
    assert "locked" in sign_in(console.client(), "tom").get_data(as_text=True)


def test_a_clinic_requiring_a_second_factor_sends_new_accounts_to_enrol_first(tmp_path):
    console = build_console(f"sqlite:///{tmp_path / 'c.db'}", totp_required=True)
    console.add_account("fay", "front_desk")
    browser = console.client()
    assert sign_in(browser, "fay").headers["Location"].endswith("/account/second-factor")
    assert browser.get("/front-desk/clients").headers["Location"].endswith(
        "/account/second-factor")


def test_an_admin_reset_gives_a_temporary_password_that_must_be_changed(console: Console):
    console.add_account("ada", "admin")
    console.add_account("fred", "front_desk")
    admin = console.client()
    sign_in(admin, "ada")
    page = post_form(admin, "/admin/accounts/fred/reset-password", {},
                     page="/admin/accounts").get_data(as_text=True)
    temporary = re.search(r'id="temporary-password">([^<]+)<', page).group(1)
    browser = console.client()
    assert "wrong" in sign_in(browser, "fred", PASSWORD).get_data(as_text=True)
    assert sign_in(browser, "fred", temporary).headers["Location"].endswith("/account/password")
    assert browser.get("/home").headers["Location"].endswith("/account/password")
    short = post_form(browser, "/account/password",
                      {"current": temporary, "password": "short", "repeated": "short"})
    assert "Use at least 12 characters." in short.get_data(as_text=True)
    changed = post_form(browser, "/account/password", {
        "current": temporary, "password": "a brand new long secret",
        "repeated": "a brand new long secret"})
    assert changed.headers["Location"].endswith("/home")
    assert browser.get("/home").status_code == 200


def test_a_form_without_the_csrf_token_is_refused(console: Console):
    console.add_account("ada", "admin")
    browser = console.client()
    csrf_of(browser)  # the browser holds the cookie, but the form does not carry its value
    refused = browser.post("/sign-in", data={"username": "ada", "password": PASSWORD})
    assert refused.status_code == 400
    assert "form has expired" in refused.get_data(as_text=True)
    forged = browser.post("/sign-in", data={"username": "ada", "password": PASSWORD,
                                            "csrf_token": "made-up"})
    assert forged.status_code == 400


def test_pages_forbid_inline_script_and_style_framing_and_caching(console: Console):
    answer = console.client().get("/sign-in")
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "<style" not in page
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_a_role_s_pages_stay_closed_to_other_roles(console: Console):
    console.add_account("tia", "therapist")
    browser = console.client()
    sign_in(browser, "tia")
    assert browser.get("/billing/queue").status_code == 403
    assert browser.get("/admin/accounts").status_code == 403


def test_sign_in_never_redirects_to_another_site(console: Console):
    console.add_account("fay", "front_desk")
    browser = console.client()
    answer = post_form(browser, "/sign-in?next=//evil.example/x",
                       {"username": "fay", "password": PASSWORD, "next": "//evil.example/x"},
                       page="/sign-in")
    assert answer.headers["Location"].endswith("/home")


def test_the_console_signs_short_lived_staff_tokens_the_services_accept(console: Console):
    from services.console.apis.current import staff_token
    from services.console.domain.accounts import Account

    with console.app.test_request_context("/"):
        from flask import g

        g.account = Account("bill", "Bill", ("billing",), "x")
        token = staff_token()
    verifier = TokenVerifier(development_key_set(), timedelta(hours=12))
    claims = verifier.verify(token)
    assert claims.subject == "bill" and claims.roles == ("billing",)
    published = KeySet.from_jwks(console.client().get("/.well-known/jwks.json").get_data(
        as_text=True))
    assert TokenVerifier(published, timedelta(hours=1)).verify(token).subject == "bill"
