"""Email over STARTTLS or implicit TLS, with a login, to a server that demands both; a server
whose certificate is not trusted, or a wrong password, gets nothing and the email waits."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from services.notifications.workers.sender import MessageSender
from tests.integration.notifications.conftest import Notifications
from tests.integration.notifications.support import (
    booked_event,
    contact_event,
    deliver,
    new_id,
    rows_for,
)
from tests.support.smtp import tls_smtp_server


def book(n: Notifications) -> str:
    client_id = new_id("client")
    deliver(n.engine, n.config, contact_event(client_id, phone=None),
            booked_event(client_id, new_id("appt"), n.clock.now + timedelta(days=3)))
    return client_id


def email_state(n: Notifications, client_id: str) -> tuple[str, str | None]:
    (row,) = [r for r in rows_for(n.engine, client_id) if r.channel == "email"
              and r.kind == "booked"]
    return row.state, row.reason


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_email_goes_over_tls_with_a_login(notifications: Notifications, tmp_path: Path,
                                          security: str):
    n = notifications
    with tls_smtp_server(tmp_path, "clinic", "s3cret", implicit=security == "tls") as (
            server, mailbox, material):
        config = replace(n.config, smtp_port=server.port, smtp_security=security,
                         smtp_cafile=str(material.certificate), smtp_username="clinic",
                         smtp_password="s3cret")
        client_id = book(n)
        MessageSender(n.engine, config).run_round()
        assert email_state(n, client_id) == ("sent", None)
        (received,) = mailbox.received()
        assert received.rcpt_tos == (f"ann.{client_id}@example.com",)


def test_a_wrong_password_or_an_untrusted_certificate_sends_nothing(
        notifications: Notifications, tmp_path: Path):
    n = notifications
    with tls_smtp_server(tmp_path, "clinic", "s3cret") as (server, mailbox, material):
        trusted = replace(n.config, smtp_port=server.port, smtp_security="starttls",
                          smtp_cafile=str(material.certificate), smtp_username="clinic",
                          smtp_password="wrong")
        client_id = book(n)
        MessageSender(n.engine, trusted).run_round()
        state, reason = email_state(n, client_id)
        assert state == "scheduled" and "SMTPAuthentication" in (reason or "")
        untrusted = replace(trusted, smtp_cafile=None, smtp_password="s3cret")
        other = book(n)
        MessageSender(n.engine, untrusted).run_round()
        state, reason = email_state(n, other)
        assert state == "scheduled" and "CERTIFICATE_VERIFY_FAILED" in (reason or "")
        plain = replace(untrusted, smtp_security="none")
        third = book(n)
        MessageSender(n.engine, plain).run_round()
        assert email_state(n, third)[0] == "scheduled"  # the server demands TLS first
        assert mailbox.received() == []
