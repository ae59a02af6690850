"""The aiosmtpd handler: accept, refuse or delay; keep what was accepted."""

from __future__ import annotations

import asyncio
import mailbox
import os
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


@dataclass(frozen=True)
class Received:
    """One message as the server took it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]

    def summary(self) -> dict[str, Any]:
        message = self.message
        body = message.get_body(("plain",))
        return {
            "from": self.mail_from, "to": list(self.rcpt_tos),
            "subject": message["Subject"], "message_id": message["Message-ID"],
            "date": message["Date"], "list_unsubscribe": message["List-Unsubscribe"],
            "body": body.get_content() if body is not None else "",
        }


class Mailbox:
    """What the SMTP server was given; recipients whose address starts with a refused
    prefix get ``550`` (a bounce); each DATA waits ``delay`` seconds before its answer."""

    def __init__(self, maildir: str | None = None, refuse_prefixes: tuple[str, ...] = ("bounce",),
                 delay: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._received: list[Received] = []
        if maildir:
            os.makedirs(os.path.dirname(os.path.abspath(maildir)), exist_ok=True)
        self.maildir = mailbox.Maildir(maildir, create=True) if maildir else None
        self.refuse_prefixes = refuse_prefixes
        self.delay = delay

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower().startswith(self.refuse_prefixes):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        received = Received(envelope.mail_from, tuple(envelope.rcpt_tos),
                            bytes(envelope.original_content or envelope.content))
        with self._lock:
            self._received.append(received)
            if self.maildir is not None:
                self.maildir.add(received.raw)
        return "250 Message accepted for delivery"

    def received(self) -> list[Received]:
        """Every message taken, oldest first."""
        with self._lock:
            return list(self._received)
