"""A real SMTP server in this process (aiosmtpd's Controller) that keeps what it is sent.

The same sink ``make run`` starts (deploy/sandbox_mail): recipients starting with
``bounce`` are refused with 550, and ``delay`` makes each message take that long.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from deploy.kafka.local import free_port
from deploy.sandbox_mail import Mailbox, MailSink


@contextmanager
def smtp_server(delay: float = 0.0) -> Iterator[MailSink]:
    """Start an SMTP server on a free loopback port; ``.mailbox.received()`` lists the mail."""
    with MailSink(Mailbox(delay=delay), free_port()) as sink:
        yield sink
