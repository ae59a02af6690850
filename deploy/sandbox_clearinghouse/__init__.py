"""A stand-in for the outside clearinghouse: takes 837Ps over HTTPS-like REST, answers 999/277CA.

It is "someone else's system": it shares no code with services/claims and validates with
pyx12, so our 837P writer is checked by an implementation we did not write.
"""

from deploy.sandbox_clearinghouse.rules import RejectionRules
from deploy.sandbox_clearinghouse.server import SandboxServer, make_server

__all__ = ["RejectionRules", "SandboxServer", "make_server"]
