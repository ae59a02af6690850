"""Unsubscribe links are signed: they work without a login and cannot be forged."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest.mock import patch

import pytest

from services.notifications.domain.links import (
    UNSUBSCRIBE,
    BadSignature,
    check_provider_signature,
    provider_signature,
    read_unsubscribe_token,
    unsubscribe_token,
)
from shared import signed_tokens


def test_a_token_names_the_client_channel_and_address_it_was_made_for():
    token = unsubscribe_token("secret", "c-1", "email", "ann@example.com")
    assert read_unsubscribe_token("secret", token) == ("c-1", "email", "ann@example.com")


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),
    lambda t: unsubscribe_token("secret", "c-2", "email", "bob@example.com").split(".")[0]
    + "." + t.split(".", 1)[1],
    lambda t: "garbage",
    lambda t: "",
])
def test_a_changed_or_made_up_token_is_refused(tamper):
    token = unsubscribe_token("secret", "c-1", "email", "ann@example.com")
    with pytest.raises(BadSignature):
        read_unsubscribe_token("secret", tamper(token))


def test_a_token_signed_with_another_secret_is_refused():
    token = unsubscribe_token("other", "c-1", "email", "ann@example.com")
    with pytest.raises(BadSignature):
        read_unsubscribe_token("secret", token)


def test_a_token_for_another_purpose_is_refused():
    token = signed_tokens.sign("secret", "screening.intake.invitation", ["c-1", "email", "a@b"])
    with pytest.raises(BadSignature):
        read_unsubscribe_token("secret", token)


def test_a_signed_value_that_is_not_client_channel_and_address_is_refused():
    token = signed_tokens.sign("secret", UNSUBSCRIBE, {"client_id": "c-1"})
    with pytest.raises(BadSignature):
        read_unsubscribe_token("secret", token)


def test_a_link_from_an_old_email_still_unsubscribes():
    with patch("itsdangerous.timed.time.time", return_value=time.time() - 3 * 365 * 86400):
        token = unsubscribe_token("secret", "c-1", "email", "ann@example.com")
    with pytest.raises(signed_tokens.TokenRefused):  # it really is three years old
        signed_tokens.verify("secret", UNSUBSCRIBE, token, timedelta(days=365))
    assert read_unsubscribe_token("secret", token) == ("c-1", "email", "ann@example.com")


def test_provider_callbacks_are_checked_against_the_shared_secret():
    body = b'{"id": "SM1", "status": "delivered"}'
    check_provider_signature("s", body, provider_signature("s", body))
    with pytest.raises(BadSignature):
        check_provider_signature("s", body + b" ", provider_signature("s", body))
