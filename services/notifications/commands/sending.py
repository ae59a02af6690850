"""The sender's steps, each its own short transaction: claim, decide, record the outcome.

docs/NOTIFICATIONS.md §Exactly once: a message is claimed (state ``sending`` with a lease)
and committed before anything leaves; it is sent outside any transaction; the outcome is
recorded only if the claim still holds. A sender that dies in between leaves the row
``sending``; when the lease runs out another sender claims it and sends it again under the
same Message-ID / provider reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from services.notifications.config import NotificationsConfig
from services.notifications.domain.decisions import LATER, SEND, Decision, Situation, decide
from services.notifications.domain.links import unsubscribe_token
from services.notifications.domain.messages import (
    ASKED_FOR,
    CATEGORY_OF,
    CLINIC,
    DELIVERED,
    EMAIL,
    FAILED,
    SCHEDULED,
    SECRET_DETAILS,
    SENDING,
    SENT,
    Recipient,
    choose_recipient,
)
from services.notifications.domain.templates import MessageContext, Rendered, render
from services.notifications.domain.timing import zone_of
from services.notifications.store import choices, messages, projections
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class Outgoing:
    """A claimed message ready to go: where, what, and under which identity."""

    claim: Any
    address: str
    rendered: Rendered
    unsubscribe_url: str | None


@dataclass(frozen=True)
class Outcome:
    """What the mail server or SMS provider answered."""

    sent: bool
    permanent: bool = False  # a refusal that will not change on retry
    state: str = FAILED  # for a permanent refusal: failed or bounced
    reason: str | None = None
    provider_id: str | None = None


def claim_due(uow: UnitOfWork, config: NotificationsConfig, now: datetime) -> list[Any]:
    """Lease the due messages for this sender."""
    return messages.claim_due(uow.connection, now, config.send_lease, config.batch_size)


def prepare(uow: UnitOfWork, config: NotificationsConfig, claim: Any,
            now: datetime) -> Outgoing | None:
    """Decide about one claimed message; record the decision unless it is to send now."""
    connection = uow.connection
    contact = projections.contact_of(connection, claim.client_id)
    zone = zone_of(contact and contact["time_zone"], config.clinic_time_zone)
    decision = decide(_situation(connection, config, claim, contact, zone), now,
                      config.quiet_hours, config.contact_grace)
    if decision.action == SEND:
        assert decision.address is not None
        url = _unsubscribe_url(config, claim, decision.address)
        details = json.loads(claim.details)
        context = _context(config, contact, zone, details, claim, url)
        return Outgoing(claim, decision.address, render(claim.kind, claim.channel, context), url)
    _record_decision(connection, claim, decision)
    return None


def _situation(connection: Connection, config: NotificationsConfig, claim: Any,
               contact: dict | None, zone: ZoneInfo) -> Situation:
    if claim.audience == CLINIC:
        recipient = Recipient(config.clinic_email)
    elif claim.kind in ASKED_FOR:
        recipient = choose_recipient(claim.channel, contact, frozenset({claim.channel}), False)
    else:
        wanted = choices.channels_for(connection, claim.client_id)[CATEGORY_OF[claim.kind]]
        address = contact and (contact["email"] if claim.channel == EMAIL else contact["phone"])
        recipient = choose_recipient(claim.channel, contact, wanted,
                                     choices.opted_out(connection, claim.channel, address))
    status = start = None
    if claim.appointment_id is not None:
        known = projections.appointment(connection, claim.appointment_id)
        if known is not None:
            status, start = known.status, known.start
    return Situation(kind=claim.kind, audience=claim.audience, due_at=claim.due_at,
                     deadline=claim.deadline, appointment_start=claim.appointment_start,
                     appointment_status=status, current_start=start, recipient=recipient,
                     zone=zone)


def _record_decision(connection: Connection, claim: Any, decision: Decision) -> None:
    if decision.action == LATER:
        messages.finish(connection, claim, SCHEDULED, due_at=decision.at, reason=decision.reason)
    else:
        messages.finish(connection, claim, decision.action, reason=decision.reason,
                        details=_without_secrets(claim.details))


def _without_secrets(details: str) -> str:
    """The message's details once it is done with: a link that is a credential is dropped."""
    kept = json.loads(details)
    for name in SECRET_DETAILS:
        kept.pop(name, None)
    return json.dumps(kept)


def _unsubscribe_url(config: NotificationsConfig, claim: Any, address: str) -> str | None:
    if claim.channel != EMAIL or claim.audience == CLINIC or claim.kind in ASKED_FOR:
        return None
    token = unsubscribe_token(config.secret, claim.client_id, EMAIL, address)
    return f"{config.public_url}/unsubscribe/{token}"


def _context(config: NotificationsConfig, contact: dict | None, zone: ZoneInfo,
             details: dict[str, Any], claim: Any, url: str | None) -> MessageContext:
    def moment(name: str) -> datetime | None:
        return datetime.fromisoformat(details[name]) if details.get(name) else None

    return MessageContext(
        first_name=contact["first_name"] if contact else "",
        clinic_name=config.clinic_name, clinic_phone=config.clinic_phone, zone=zone,
        visit_at=moment("visit_at"), hold_until=moment("hold_until"),
        end_on=date.fromisoformat(details["end_on"]) if details.get("end_on") else None,
        visits_left=details.get("visits_left"), unsubscribe_url=url,
        client_id=claim.client_id if claim.audience == CLINIC else None,
        referral_id=details.get("referral_id") if claim.audience == CLINIC else None,
        submission_id=details.get("submission_id") if claim.audience == CLINIC else None,
        link=details.get("link"), link_until=moment("link_until"),
    )


def record_outcome(uow: UnitOfWork, config: NotificationsConfig, outgoing: Outgoing,
                   outcome: Outcome, now: datetime) -> bool:
    """Sent, refused for good, or to be tried again with backoff; False if the claim was lost."""
    claim = outgoing.claim
    if outcome.sent:
        return messages.finish(uow.connection, claim, SENT, sent_at=now,
                               recipient=outgoing.address, provider_id=outcome.provider_id,
                               reason=None, details=_without_secrets(claim.details))
    if outcome.permanent or claim.attempts >= config.max_attempts:
        state = outcome.state if outcome.permanent else FAILED
        return messages.finish(uow.connection, claim, state, recipient=outgoing.address,
                               reason=outcome.reason, details=_without_secrets(claim.details))
    retry_at = now + timedelta(seconds=config.retry.backoff(claim.attempts))
    return messages.finish(uow.connection, claim, SCHEDULED, due_at=retry_at,
                           reason=outcome.reason)


# What an SMS provider's status means for the message (its own words vary by provider).
PROVIDER_STATES = {"delivered": DELIVERED, "failed": FAILED, "undelivered": FAILED}


def record_delivery(uow: UnitOfWork, message_id: str, provider_id: str | None, status: str,
                    error: str | None) -> bool:
    """The provider's delivery report; False when it names no message of ours."""
    row = messages.by_id(uow.connection, message_id)
    if row is None and provider_id:
        row = messages.by_provider_id(uow.connection, provider_id)
    if row is None:
        return False
    state = PROVIDER_STATES.get(status)
    if state is None or row.state not in (SENDING, SENT, DELIVERED):
        return True  # queued/sent reports change nothing; a late report after a final one
    messages.record_delivery(uow.connection, row.message_id, state, error, provider_id)
    return True
