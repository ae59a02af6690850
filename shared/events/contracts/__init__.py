"""Payload schemas of every event, one module per producing service.

Importing this package registers them all in ``shared.events.registry.EVENTS``.
"""

from shared.events.contracts import claims, scheduling, screening

__all__ = ["claims", "scheduling", "screening"]
