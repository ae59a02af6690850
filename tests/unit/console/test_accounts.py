"""Account rules: lockout, passwords, second factor, sessions' idle timeout (pure, no app)."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from services.console.domain import second_factor
from services.console.domain.accounts import Account, check_new_password, check_roles
from services.console.domain.passwords import hash_password, password_matches
from services.console.domain.sessions import SIGNED_IN, Session
from shared.errors import InvalidInput

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERIOD = timedelta(minutes=15)


def an_account(**changes: object) -> Account:
    values = {"username": "dana", "display_name": "Dana", "roles": ("therapist",),
              "password_hash": "x", **changes}
    return Account(**values)  # type: ignore[arg-type]


def test_passwords_are_stored_as_argon2id_hashes_that_verify_only_the_same_password():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert password_matches(stored, "correct horse battery")
    assert not password_matches(stored, "correct horse batterY")


def test_an_unknown_account_never_matches_any_password():
    assert not password_matches(None, "anything at all")


def test_the_fifth_failure_in_a_row_locks_the_account_for_the_lockout_period():
    account = an_account()
    for _ in range(4):
        account = account.after_failure(NOW, 5, PERIOD)
        assert not account.locked_at(NOW)
    account = account.after_failure(NOW, 5, PERIOD)
    assert account.locked_at(NOW)
    assert account.locked_until == NOW + PERIOD
    assert not account.locked_at(NOW + PERIOD)


def test_a_successful_sign_in_starts_the_failure_count_again():
    account = an_account(failed_attempts=4).after_success()
    assert account.failed_attempts == 0
    assert not account.after_failure(NOW, 5, PERIOD).locked_at(NOW)


def test_a_short_password_or_one_holding_the_username_is_refused_with_reasons():
    with pytest.raises(InvalidInput) as refused:
        check_new_password("dana123", "dana")
    assert refused.value.errors == {"password": ["Use at least 12 characters.",
                                                 "Do not put the username in the password."]}
    assert check_new_password("a long enough phrase", "dana") == "a long enough phrase"


def test_roles_must_be_known_and_at_least_one():
    assert check_roles(["billing", "billing", "ops"]) == ("billing", "ops")
    with pytest.raises(InvalidInput):
        check_roles([])
    with pytest.raises(InvalidInput):
        check_roles(["janitor"])


def test_admin_may_use_every_role_s_pages_and_others_only_their_own():
    assert an_account(roles=("admin",)).may_use("billing")
    assert not an_account(roles=("therapist",)).may_use("billing")


def test_a_totp_code_matches_now_and_one_step_either_side_but_not_two():
    secret = second_factor.new_secret()
    totp = pyotp.TOTP(secret)
    moment = datetime.now(UTC)
    assert second_factor.code_matches(secret, totp.at(moment))
    assert second_factor.code_matches(secret, totp.at(moment - timedelta(seconds=30)))
    assert not second_factor.code_matches(secret, totp.at(moment - timedelta(seconds=95)))
    assert not second_factor.code_matches(secret, "12345")


def test_the_enrolment_uri_names_the_account_and_the_clinic():
    secret = second_factor.new_secret()
    uri = second_factor.provisioning_uri(secret, "dana", "Riverside")
    assert uri.startswith("otpauth://totp/")
    assert "dana" in uri and f"secret={secret}" in uri and "Riverside" in uri


def test_a_secret_that_is_not_base32_matches_no_code():
    assert not second_factor.code_matches("not a secret!", "123456")


def test_a_session_unused_longer_than_the_idle_timeout_is_over():
    session = Session("h", "dana", SIGNED_IN, NOW, NOW)
    assert not session.idle_at(NOW + timedelta(minutes=15), timedelta(minutes=15))
    assert session.idle_at(NOW + timedelta(minutes=15, seconds=1), timedelta(minutes=15))
