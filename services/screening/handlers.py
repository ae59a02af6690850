"""Events the screening service applies: none. It is where client facts start, not a reader."""

from __future__ import annotations

from shared.kafka.consumer import Subscription

SUBSCRIPTIONS: list[Subscription] = []
