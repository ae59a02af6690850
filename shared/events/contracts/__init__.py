"""Payload schemas of every event, one module per producing service.

Importing this package registers them all in ``shared.events.registry.EVENTS``.
"""

from shared.events.contracts import claims, ops, scheduling, screening

__all__ = ["claims", "ops", "scheduling", "screening"]
