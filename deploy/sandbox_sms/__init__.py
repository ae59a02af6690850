"""A stand-in for an outside SMS provider: takes messages over HTTP, answers an id, reports
delivery to the sender's status callback, forwards texts from phones (STOP) to the clinic.

It is "someone else's system": it shares no code with services/notifications. It keeps
what it was asked to send, readable at GET /v1/messages, and can be told to fail
(POST /v1/_faults: 503s, slow answers, dropped connections).
"""

from deploy.sandbox_sms.server import SmsSandbox, make_server

__all__ = ["SmsSandbox", "make_server"]
