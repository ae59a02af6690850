"""What the HTTP base reads from the environment: body limit, public rate, trusted proxy.

These are the same for every service, so they are ``MEDMASSAGE_*`` variables read when
the app is built (README "Configuration" lists them with their defaults).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

ONE_MIB = 1024 * 1024


@dataclass(frozen=True)
class WebSettings:
    """Limits and the trusted proxy of a service's HTTP side."""

    # Larger bodies are refused with 413 before anything reads them.
    max_body_bytes: int = ONE_MIB
    # Requests a minute per client address on public endpoints; 0 turns the limit off.
    public_rate_per_minute: int = 120
    # The header the proxy in front of the service puts the client's address in (e.g.
    # X-Forwarded-For); None: no proxy is trusted and such headers are ignored.
    trusted_proxy_header: str | None = None
    # How many proxies append to that header: the client is this many entries from its right.
    trusted_proxy_hops: int = 1

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1:
            raise ValueError("MEDMASSAGE_MAX_BODY_BYTES must be a positive number of bytes")
        if self.public_rate_per_minute < 0:
            raise ValueError("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE must be 0 (off) or more")
        if self.trusted_proxy_hops < 1:
            raise ValueError("MEDMASSAGE_TRUSTED_PROXY_HOPS must be 1 or more")

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> WebSettings:
        """Read MEDMASSAGE_MAX_BODY_BYTES, _PUBLIC_RATE_PER_MINUTE, _TRUSTED_PROXY_*."""
        return cls(
            max_body_bytes=int(env.get("MEDMASSAGE_MAX_BODY_BYTES", ONE_MIB)),
            public_rate_per_minute=int(env.get("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE", "120")),
            trusted_proxy_header=env.get("MEDMASSAGE_TRUSTED_PROXY_HEADER", "").strip() or None,
            trusted_proxy_hops=int(env.get("MEDMASSAGE_TRUSTED_PROXY_HOPS", "1")),
        )
