"""Consumed events -> commands: contacts, appointments, waitlist offers, referral notices.

Every handler tolerates duplicates (the consumer's processed-event record, and one row per
message key) and any order (save_if_newer on the projections); see docs/NOTIFICATIONS.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from services.notifications.commands import planning
from services.notifications.config import NotificationsConfig
from services.notifications.domain.messages import BOOKED, RESCHEDULED
from shared.events.contracts.scheduling import (
    APPOINTMENT_BOOKED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_RESCHEDULED,
    CLIENT_SIGN_IN_LINK,
    REFERRAL_EXHAUSTED,
    REFERRAL_EXPIRING,
    WAITLIST_OFFER_CLOSED,
    WAITLIST_OFFERED,
)
from shared.events.contracts.screening import CLIENT_CONTACT, INTAKE_SUBMITTED
from shared.events.envelope import Event
from shared.kafka.consumer import Subscription
from shared.uow import UnitOfWork

log = logging.getLogger("services.notifications.handlers")


def on_contact(config: NotificationsConfig, uow: UnitOfWork, event: Event,
               payload: dict[str, Any]) -> None:
    """Keep the newest contact details; re-time reminders to the client's zone."""
    if not planning.contact_changed(uow, config, payload, config.clock()):
        log.info("older contact version ignored", extra={"event_id": event.id})


def on_booked(config: NotificationsConfig, uow: UnitOfWork, event: Event,
              payload: dict[str, Any], kind: str = BOOKED) -> None:
    """Confirm and plan reminders, unless a later change of the appointment is known."""
    if not planning.appointment_booked(uow, config, payload, event.time, config.clock(), kind):
        log.info("stale appointment news ignored", extra={"event_id": event.id})


def on_cancelled(config: NotificationsConfig, uow: UnitOfWork, event: Event,
                 payload: dict[str, Any]) -> None:
    """Withdraw the appointment's reminders and tell the client."""
    if not planning.appointment_cancelled(uow, payload, event.time, config.clock()):
        log.info("appointment already cancelled", extra={"event_id": event.id})


def on_waitlist_offered(config: NotificationsConfig, uow: UnitOfWork, event: Event,
                        payload: dict[str, Any]) -> None:
    """Tell the client a slot is held for them."""
    planning.waitlist_offered(uow, payload, config.clock())


def on_waitlist_offer_closed(config: NotificationsConfig, uow: UnitOfWork, event: Event,
                             payload: dict[str, Any]) -> None:
    """An offer closed before it was sent is not sent."""
    planning.waitlist_offer_closed(uow, payload)


def on_referral_expiring(config: NotificationsConfig, uow: UnitOfWork, event: Event,
                         payload: dict[str, Any]) -> None:
    """Tell the client and ask the clinic to request a renewal."""
    planning.referral_expiring(uow, payload, config.clock())


def on_referral_exhausted(config: NotificationsConfig, uow: UnitOfWork, event: Event,
                          payload: dict[str, Any]) -> None:
    """Tell the client and ask the clinic to request a renewal."""
    planning.referral_exhausted(uow, payload, config.clock())


def on_sign_in_link(config: NotificationsConfig, uow: UnitOfWork, event: Event,
                    payload: dict[str, Any]) -> None:
    """Email the client their sign-in link now (the link itself is never logged)."""
    planning.sign_in_link_requested(uow, event.id, payload, config.clock())


def on_intake_submitted(config: NotificationsConfig, uow: UnitOfWork, event: Event,
                        payload: dict[str, Any]) -> None:
    """Tell the front desk a new intake waits for confirmation."""
    planning.intake_submitted(uow, payload, config.clock())


def subscriptions(config: NotificationsConfig) -> list[Subscription]:
    """The events this service's consumer group applies, with the service's config bound."""

    def bound(handler: Callable[..., None], **options: Any) -> Any:
        return partial(handler, config, **options)

    return [
        Subscription(CLIENT_CONTACT, bound(on_contact)),
        Subscription(APPOINTMENT_BOOKED, bound(on_booked)),
        Subscription(APPOINTMENT_RESCHEDULED, bound(on_booked, kind=RESCHEDULED)),
        Subscription(APPOINTMENT_CANCELLED, bound(on_cancelled)),
        Subscription(WAITLIST_OFFERED, bound(on_waitlist_offered)),
        Subscription(WAITLIST_OFFER_CLOSED, bound(on_waitlist_offer_closed)),
        Subscription(REFERRAL_EXPIRING, bound(on_referral_expiring)),
        Subscription(REFERRAL_EXHAUSTED, bound(on_referral_exhausted)),
        Subscription(CLIENT_SIGN_IN_LINK, bound(on_sign_in_link)),
        Subscription(INTAKE_SUBMITTED, bound(on_intake_submitted)),
    ]
