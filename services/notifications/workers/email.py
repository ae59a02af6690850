"""Email over SMTP with ``smtplib`` and ``email``: TLS and authentication as configured.

SMTP has no idempotency: once the server has said 250 to the DATA, the message is its
problem, and a crash before we record that means we will send it again. Each message's
Message-ID is derived from its key, so the copy sent again is recognisably the same
message (mail systems and clients collapse duplicates by Message-ID); see
docs/NOTIFICATIONS.md §Exactly once for the trade.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

from services.notifications.commands.sending import Outcome, Outgoing
from services.notifications.config import NotificationsConfig
from services.notifications.domain.messages import BOUNCED, FAILED
from shared.db import utcnow


class SmtpMailer:
    """Sends one email per call through the configured SMTP server."""

    def __init__(self, config: NotificationsConfig) -> None:
        self.config = config

    def message_for(self, outgoing: Outgoing) -> EmailMessage:
        """The MIME message: deterministic Message-ID, List-Unsubscribe when it has a link."""
        config = self.config
        message = EmailMessage()
        message["From"] = config.mail_from
        message["To"] = outgoing.address
        message["Subject"] = outgoing.rendered.subject
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = f"<{outgoing.claim.message_id}@{config.message_id_domain}>"
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
        if outgoing.unsubscribe_url:
            # RFC 2369 and RFC 8058 (one click: the mail client POSTs to the link).
            message["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(outgoing.rendered.body)
        return message

    def send(self, outgoing: Outgoing) -> Outcome:
        """Hand the message to the SMTP server; a 5xx refusal of the recipient is a bounce."""
        message = self.message_for(outgoing)
        try:
            with self._connect() as smtp:
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (0, b""))
            return _refusal(code, text, BOUNCED)
        except smtplib.SMTPDataError as exc:
            return _refusal(exc.smtp_code, exc.smtp_error, BOUNCED)
        except (OSError, smtplib.SMTPException) as exc:
            # Connection refused or dropped, timeouts, 4xx, a sender refused for now: later.
            return Outcome(False, reason=f"{type(exc).__name__}: {str(exc)[:300]}")
        return Outcome(True)

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        # The server's certificate must chain to a trusted CA and name the host: no option
        # turns that off (a client that trusts anyone sends patients' names to anyone).
        context = ssl.create_default_context(cafile=config.smtp_cafile)
        smtp: smtplib.SMTP
        if config.smtp_security == "tls":
            smtp = smtplib.SMTP_SSL(config.smtp_host, config.smtp_port,
                                    timeout=config.smtp_timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout)
            if config.smtp_security == "starttls":
                smtp.starttls(context=context)
        try:
            if config.smtp_username:
                smtp.login(config.smtp_username, config.smtp_password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _refusal(code: int, text: bytes | str, permanent_state: str) -> Outcome:
    reason = f"SMTP {code}: {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if 500 <= code < 600:
        return Outcome(False, permanent=True, state=permanent_state, reason=reason[:300])
    return Outcome(False, state=FAILED, reason=reason[:300])
