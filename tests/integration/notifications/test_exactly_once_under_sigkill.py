"""Reminders exactly once per key when the notifications workers are SIGKILLed mid-send.

The workers run as ``python -m services.notifications workers`` (consumers, relay and the
sender, as in production) against a real SMTP server that takes its time over each message
and the sandbox SMS provider. They are killed with SIGKILL while sending, then started
again. Every message key must arrive: SMS exactly once (the provider recognises the
reference of a resend), email exactly once per Message-ID, with at most the one message
that was in flight at the kill handed to the server twice under the same Message-ID
(docs/NOTIFICATIONS.md §Exactly once: SMTP has no idempotency).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from deploy.sandbox_mail import MailSink
from deploy.sandbox_sms import make_server
from services.notifications.app import migrate
from services.notifications.config import NotificationsConfig
from services.notifications.domain.timing import parse_lead
from services.notifications.store.tables import messages
from shared.config import KafkaSettings, Settings
from shared.db import make_engine, read_only, utcnow
from tests.e2e.support import GROUP_PREFIX_SETTING, new_group_prefix, start_groups_at_the_end
from tests.integration.notifications.support import (
    booked_event,
    contact_event,
    deliver,
    new_id,
)
from tests.support.smtp import smtp_server
from tests.support.waiting import wait_for

APPOINTMENTS = 12  # x (confirmation + reminder) x (email + sms) = 48 messages
SMTP_DELAY = 0.25  # seconds the mail server takes over each message
LEAD = "10m"


def workers(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    output = log.open("ab")
    return subprocess.Popen([sys.executable, "-m", "services.notifications", "workers"],
                            env=env, stdout=output, stderr=subprocess.STDOUT)


def counts(sink: MailSink, sms_url: str) -> tuple[Counter[str], Counter[str]]:
    mail = Counter(str(m.message["Message-ID"]).strip() for m in sink.mailbox.received())
    texts = requests.get(f"{sms_url}/v1/messages", timeout=5).json()["messages"]
    return mail, Counter(text["reference"] for text in texts)


@pytest.fixture
def smtp() -> MailSink:  # type: ignore[misc]
    with smtp_server(delay=SMTP_DELAY) as sink:
        yield sink


def test_reminders_arrive_once_per_key_when_the_sender_is_killed_mid_send(
        database_url: str, smtp: MailSink, kafka_settings: KafkaSettings, tmp_path: Path):
    prefix = new_group_prefix()
    start_groups_at_the_end(kafka_settings.bootstrap_servers, prefix)
    config = replace(
        NotificationsConfig(Settings(service="notifications", database_url=database_url)),
        reminder_leads=(parse_lead(LEAD),), quiet_hours=None)
    migrate(config)
    engine = make_engine(database_url)
    for number in range(APPOINTMENTS):
        client_id = new_id("client")
        # Each visit's reminder is due 3 s after its own booking arrives: a reminder already
        # due when its booking arrives is not planned, and on a loaded machine delivering all
        # twelve can take longer than 3 s.
        start = utcnow() + parse_lead(LEAD) + timedelta(seconds=3)
        deliver(engine, config, contact_event(client_id, phone=f"+1555010{number:04d}"),
                booked_event(client_id, new_id("appt"), start))
    with read_only(engine) as connection:
        keys = {row.message_id: row.channel for row in connection.execute(select(messages))}
    assert len(keys) == APPOINTMENTS * 4
    with make_server() as sms:
        requests.post(f"{sms.url}/v1/_faults", json={"mode": "slow", "seconds": 0.1,
                                                      "count": 1000}, timeout=5)
        env = {**os.environ, "NOTIFICATIONS_DATABASE_URL": database_url,
               "KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
               GROUP_PREFIX_SETTING: prefix, "MEDMASSAGE_MODE": "development",
               "MEDMASSAGE_JWT_PUBLIC_KEYS": "", "PYTHONUNBUFFERED": "1",
               "NOTIFICATIONS_SMTP_PORT": str(smtp.smtp_port), "NOTIFICATIONS_SMS_URL": sms.url,
               "NOTIFICATIONS_REMINDER_LEADS": LEAD, "NOTIFICATIONS_QUIET_HOURS": "",
               "NOTIFICATIONS_SMTP_TIMEOUT_SECONDS": "1", "NOTIFICATIONS_SMS_TIMEOUT_SECONDS": "1",
               "NOTIFICATIONS_SMS_ATTEMPTS": "2", "NOTIFICATIONS_IDLE_SECONDS": "0.1",
               "NOTIFICATIONS_BATCH_SIZE": "10"}
        log = tmp_path / "workers.log"
        first = workers(env, log)
        try:
            wait_for(lambda: len(smtp.mailbox.received()) >= 5, timeout=60, interval=0.02,
                     what="the first emails")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            sent_before_kill = sum(counts(smtp, sms.url)[0].values())
            with read_only(engine) as connection:
                claimed = connection.execute(select(messages.c.message_id).where(
                    messages.c.state == "sending")).all()
            assert sent_before_kill < len(keys) // 2, "killed too late to prove anything"
            # The kill left claimed messages behind: the restart must recover them.
            assert claimed, "killed between batches: nothing was mid-send"
            second = workers(env, log)
            try:
                def everything_arrived() -> bool:
                    mail, texts = counts(smtp, sms.url)
                    if len(mail) + len(texts) < len(keys):
                        return False
                    # Arrived is not settled: the message in flight at the kill may have
                    # reached its server, yet stays "sending" until its lease runs out and
                    # the restarted sender sends it again.
                    with read_only(engine) as connection:
                        states = set(connection.execute(select(messages.c.state)).scalars())
                    return states <= {"sent", "delivered"}

                wait_for(everything_arrived, timeout=120, interval=0.2,
                         what=f"every message after the restart\n{log.read_text()[-3000:]}")
            finally:
                second.send_signal(signal.SIGTERM)
                second.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
        mail, texts = counts(smtp, sms.url)
    email_ids = {f"<{message_id}@{config.message_id_domain}>" for message_id, channel
                 in keys.items() if channel == "email"}
    sms_refs = {message_id for message_id, channel in keys.items() if channel == "sms"}
    assert set(mail) == email_ids  # every email key arrived, under its own Message-ID
    assert set(texts) == sms_refs and set(texts.values()) == {1}  # every text exactly once
    # SMTP's window: only what was in the sender's hands at the kill may be there twice.
    duplicates = {message_id: copies for message_id, copies in mail.items() if copies > 1}
    assert len(duplicates) <= 1 and set(duplicates.values()) <= {2}, duplicates
    with read_only(engine) as connection:
        final = Counter(connection.execute(select(messages.c.state)).scalars())
    assert set(final) <= {"sent", "delivered"}, final
    engine.dispose()
