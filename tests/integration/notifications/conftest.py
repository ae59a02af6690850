"""The notifications service on a fresh database (SQLite and PostgreSQL), served on a real
port, with a real SMTP server and the sandbox SMS provider calling it back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from deploy.kafka.local import free_port
from deploy.sandbox_mail import MailSink
from deploy.sandbox_sms import SmsSandbox, make_server
from services.notifications.app import create_app, migrate
from services.notifications.config import NotificationsConfig
from services.notifications.workers.sender import MessageSender
from shared.config import Settings
from shared.db import make_engine, utcnow
from shared.kafka.retry import RetryPolicy
from shared.runtime import http_server
from tests.integration.notifications.support import Clock
from tests.support.smtp import smtp_server

UNDELIVERABLE = "+15550009999"


@dataclass
class Notifications:
    """The running service and the outside parties it talks to."""

    config: NotificationsConfig
    engine: Engine
    http: FlaskClient
    smtp: MailSink
    sms: SmsSandbox
    clock: Clock
    sender: MessageSender

    def send_due(self) -> int:
        """One round of the service's own sender; how many messages it claimed."""
        return self.sender.run_round()


@pytest.fixture
def clock() -> Clock:
    return Clock(utcnow())


@pytest.fixture
def smtp() -> Iterator[MailSink]:
    with smtp_server() as sink:
        yield sink


@pytest.fixture
def notifications(database_url: str, smtp: MailSink, clock: Clock,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[Notifications]:
    """Config with the test's clock and no quiet hours (tests that want them set their own)."""
    monkeypatch.setenv("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE", "0")
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    with make_server(inbound_url=f"{public_url}/sms/inbound",
                     undeliverable=[UNDELIVERABLE]) as sms:
        config = NotificationsConfig(
            Settings(service="notifications", database_url=database_url),
            clinic_name="Riverside Clinic", public_url=public_url, quiet_hours=None,
            smtp_port=smtp.smtp_port, smtp_timeout=5, sms_url=sms.url, sms_timeout=1,
            sms_attempts=3, clock=clock, idle_sleep=0.05,
            retry=RetryPolicy(initial_backoff=1, multiplier=2, max_backoff=5, jitter=0))
        migrate(config)
        app = create_app(config)
        server = http_server(app, "127.0.0.1", port)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        engine = make_engine(database_url)
        try:
            yield Notifications(config, engine, app.test_client(), smtp, sms, clock,
                                MessageSender(engine, config))
        finally:
            server.shutdown()
            engine.dispose()
