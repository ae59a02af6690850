"""The sender loop: claim due messages, decide, send each by its channel, record the outcome."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine

from services.notifications.commands import sending
from services.notifications.config import NotificationsConfig
from services.notifications.domain.messages import EMAIL, SCHEDULED
from services.notifications.store import messages
from services.notifications.workers.email import SmtpMailer
from services.notifications.workers.sms import SmsGateway
from shared.loops import PeriodicLoop
from shared.uow import unit_of_work

log = logging.getLogger("services.notifications.sender")


class MessageSender(PeriodicLoop):
    """Sends what is due until stopped; several may run at once (claims are leased)."""

    def __init__(self, engine: Engine, config: NotificationsConfig,
                 mailer: SmtpMailer | None = None, sms: SmsGateway | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.config = config
        self.idle_seconds = config.idle_sleep
        self.mailer = mailer or SmtpMailer(config)
        self.sms = sms or SmsGateway(config)

    def run_round(self) -> int:
        """Claim a batch of due messages and deal with each; how many were claimed."""
        source, clock = self.config.settings.service, self.config.clock
        with unit_of_work(self.engine, source) as uow:
            claims = sending.claim_due(uow, self.config, clock())
        for index, claim in enumerate(claims):
            if self._stopping.is_set():
                self._release(claims[index:])
                break
            with unit_of_work(self.engine, source) as uow:
                outgoing = sending.prepare(uow, self.config, claim, clock())
            if outgoing is None:
                continue
            channel = self.mailer if claim.channel == EMAIL else self.sms
            outcome = channel.send(outgoing)
            with unit_of_work(self.engine, source) as uow:
                kept = sending.record_outcome(uow, self.config, outgoing, outcome, clock())
            # The reason's first words only: a server's full answer may quote the address.
            log.info("message sent" if outcome.sent else "message not sent", extra={
                "message_id": claim.message_id, "kind": claim.kind, "channel": claim.channel,
                "reason": (outcome.reason or "")[:12] or None, "claim_kept": kept})
        return len(claims)

    def _release(self, claims: list[Any]) -> None:
        """Give back claims not started (SIGTERM): the next sender needn't wait out the lease."""
        with unit_of_work(self.engine, self.config.settings.service) as uow:
            for claim in claims:
                messages.finish(uow.connection, claim, SCHEDULED)
