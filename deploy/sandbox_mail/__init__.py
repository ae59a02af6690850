"""A local SMTP sink (aiosmtpd) for ``make run`` and the tests: keeps every message it is
given, in memory and optionally in a maildir, readable over a small read-only HTTP page.

It plays the clinic's mail server: it can refuse recipients for good (550, a bounce) and
take its time over each message, so a sender meets the answers real servers give.
"""

from deploy.sandbox_mail.mailbox import Mailbox, Received
from deploy.sandbox_mail.server import MailSink

__all__ = ["MailSink", "Mailbox", "Received"]
