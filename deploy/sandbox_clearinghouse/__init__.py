"""A stand-in for the outside clearinghouse: takes 837Ps over HTTPS-like REST, answers a 999
(or a TA1) at once, then 277CAs in stages (A1, later A2 or a rejection) and 835s per payer
through a report mailbox (GET /v1/reports).

It is "someone else's system": it shares no code with services/claims and validates with
pyx12, so our 837P writer is checked by an implementation we did not write.
"""

from deploy.sandbox_clearinghouse.clearinghouse import Timings
from deploy.sandbox_clearinghouse.rules import RejectionRules
from deploy.sandbox_clearinghouse.server import SandboxServer, make_server

__all__ = ["RejectionRules", "SandboxServer", "Timings", "make_server"]
