"""Therapists' calendar subscriptions: create or rotate the secret URL, or revoke it."""

from __future__ import annotations

from datetime import datetime

from services.scheduling.domain.errors import NotFound
from services.scheduling.domain.feeds import feed_secret_hash, new_feed_secret
from services.scheduling.store.calendar import require_therapist
from services.scheduling.store.feeds import delete_feed, replace_feed
from shared.uow import UnitOfWork


def issue_feed_secret(uow: UnitOfWork, therapist_id: str, now: datetime) -> str:
    """A new feed secret for the therapist (shown once); any earlier one stops working."""
    require_therapist(uow.connection, therapist_id)
    secret = new_feed_secret()
    replace_feed(uow.connection, therapist_id, feed_secret_hash(secret), now)
    return secret


def revoke_feed_secret(uow: UnitOfWork, therapist_id: str) -> None:
    """Stop the therapist's feed URL working at once."""
    if not delete_feed(uow.connection, therapist_id):
        raise NotFound("calendar feed")
