"""Fixtures for tests that need a broker of their own to stop and start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deploy.kafka.local import LocalKafka


@pytest.fixture(scope="module")
def own_broker() -> Iterator[LocalKafka]:
    """A broker this module may stop and restart without disturbing the shared one."""
    kafka = LocalKafka()
    kafka.start()
    yield kafka
    kafka.stop()
