"""The whole stack for tests: every service its own process, on free ports and fresh databases.

The topics are the real ones, shared with every other test on the session's broker. Each
stack's consumer groups carry a prefix of their own (``MEDMASSAGE_CONSUMER_GROUP_PREFIX``),
so two stacks, or two test runs on one cluster, never take each other's events; before a
stack starts, its groups are committed at the topics' ends, so it reads only its own run.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from deploy import demo
from deploy.kafka.local import free_port
from deploy.stack import Stack
from services.claims.handlers import SUBSCRIPTIONS as CLAIMS_SUBSCRIPTIONS
from services.notifications.config import NotificationsConfig
from services.notifications.handlers import subscriptions as notifications_subscriptions
from services.scheduling.handlers import SUBSCRIPTIONS as SCHEDULING_SUBSCRIPTIONS
from services.screening.handlers import SUBSCRIPTIONS as SCREENING_SUBSCRIPTIONS
from shared.clock import CLOCK_FILE_SETTING, TestClock, advance
from shared.config import KafkaSettings, Settings
from shared.events import EVENTS
from shared.kafka.clients import ensure_topics, topics_for
from tests.support.waiting import wait_for

NOTIFICATIONS_SUBSCRIPTIONS = notifications_subscriptions(
    NotificationsConfig(Settings(service="notifications", database_url="sqlite://")))
CONSUMER_GROUPS = {"screening": SCREENING_SUBSCRIPTIONS, "scheduling": SCHEDULING_SUBSCRIPTIONS,
                   "claims": CLAIMS_SUBSCRIPTIONS, "notifications": NOTIFICATIONS_SUBSCRIPTIONS}
SERVICES = tuple(CONSUMER_GROUPS)
LOG_TAIL_LINES = 40
REJECTED_MEMBER_ID = "BAD123"  # the e2e sandbox's payer front end knows no such member
GROUP_PREFIX_SETTING = "MEDMASSAGE_CONSUMER_GROUP_PREFIX"

# How long e2e tests wait, in seconds: one set for every module (a wait ends as soon as
# its outcome shows; these only bound a failing test).
READY_TIMEOUT = 60  # a process to answer /readyz
# An effect through Kafka, even across a consumer rebalance or when a killed process held
# the outbox relay's lease (15 s) and the survivor has to wait it out.
EVENTS_TIMEOUT = 45
# The clearinghouse timeout the stacks run with: a claims process killed while it holds an
# interchange's lease keeps it for the lease (this + 5 s connect + 5 s) before another may
# send it again.
SUBMIT_TIMEOUT_SECONDS = 2
CLAIMS_TIMEOUT = 90  # a completed session to the clearinghouse's answer, faults included


# The tests record a session as an admin on the therapist's behalf (the reason is kept on the
# session and in the audit trail), once the stack's clock has reached the visit: see
# ``live_until``.
RECORDING_ROLE = "admin"
# Accepted by the payer's front end, or already past it: the sandbox pays (835) about a
# second after it accepts, so a claim may be seen paid before it is ever seen accepted.
ACCEPTED_OR_LATER = frozenset({"accepted", "paid", "partially_paid", "patient_balance",
                               "denied", "closed"})
ON_BEHALF = {"admin_override_reason": "End-to-end test: the office records the therapist's visit."}


# Each stack runs on a test clock (shared/clock.py, development only): a visit booked for
# tomorrow is recorded after the test moves the stack's clock past its start, so the rules
# (no recording before the visit starts, no date of service in the future) stay on.
def clock_file(environment: Mapping[str, str]) -> Path:
    """The test clock file of a stack started with ``environment``."""
    return Path(environment[CLOCK_FILE_SETTING])


def stack_now(environment: Mapping[str, str]) -> datetime:
    """Now, for the stack's services."""
    return TestClock(clock_file(environment))()


def live_until(environment: Mapping[str, str], moment: datetime | str) -> None:
    """Move the stack's clock forward until ``moment`` has come (a minute past it)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    behind = moment + timedelta(minutes=1) - stack_now(environment)
    if behind > timedelta(0):
        advance(clock_file(environment), behind)


def new_group_prefix() -> str:
    """A consumer-group prefix no other stack or test run on the broker uses."""
    return f"e2e-{uuid.uuid4().hex[:8]}-"


def consumer_group(stack: Stack, service: str) -> str:
    """The name of a service's consumer group in this stack."""
    return f"{stack.env.get(GROUP_PREFIX_SETTING, '')}{service}"


def _commit_at_the_end(settings: KafkaSettings, group: str, topics: list[str]) -> bool:
    consumer = KafkaConsumer(**settings.client_options(), group_id=group, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for topic in topics
                      for p in consumer.partitions_for_topic(topic) or ()]
        if len({partition.topic for partition in partitions}) < len(set(topics)):
            return False  # a topic just created has no partition metadata yet: ask again
        consumer.assign(partitions)
        consumer.seek_to_end(*partitions)
        for partition in partitions:
            consumer.position(partition)  # resolves the lazy seek before the commit
        consumer.commit()
    except KafkaError:
        # A member of a stack that was killed stays in the group until its session times
        # out; the group refuses outside commits until then.
        return False
    finally:
        consumer.close()
    return True


def start_groups_at_the_end(bootstrap_servers: str, prefix: str) -> None:
    """Let the services' consumer groups (named ``prefix`` + service) skip earlier events."""
    settings = KafkaSettings(bootstrap_servers=bootstrap_servers)
    ensure_topics(settings, topics_for(EVENTS))
    for service, subscriptions in CONSUMER_GROUPS.items():
        group = f"{prefix}{service}"
        topics = [s.event_type.topic for s in subscriptions]
        wait_for(lambda g=group, t=topics: _commit_at_the_end(settings, g, t), timeout=20,
                 interval=0.5, what=f"consumer group {group} to take a commit")


def log_tails(log_dir: str | Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of every process's log, one block per process."""
    blocks = []
    for path in sorted(Path(log_dir).glob("*.log")):
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        blocks.append(f"==> {path.name} <==\n" + "\n".join(tail))
    return "\n\n".join(blocks)


def stack_environment(directory: Path) -> dict[str, str]:
    """Fresh SQLite files in ``directory``, the dev signing key, and claims that go out fast."""
    return {
        "MEDMASSAGE_VAR_DIR": str(directory / "var"),
        # Staff tokens: the development key pair, whatever the shell exports.
        "MEDMASSAGE_MODE": "development",
        "MEDMASSAGE_JWT_PUBLIC_KEYS": "",
        CLOCK_FILE_SETTING: str(directory / "clock"),
        "PYTHONUNBUFFERED": "1",  # a failing test shows the logs up to the moment it failed
        # Empty wins over a DATABASE_URL the developer's shell may export: SQLite under var.
        "DATABASE_URL": "",
        **{f"{name.upper()}_DATABASE_URL": "" for name in SERVICES},
        "SCREENING_CLINIC_TIMEZONE": demo.TIME_ZONE,
        "CLAIMS_BATCH_MAX_WAIT_SECONDS": "0.1",
        "CLAIMS_ACK_POLL_SECONDS": "0.2",
        # Tests run at any hour: quiet hours would hold every message until 08:00.
        "NOTIFICATIONS_QUIET_HOURS": "",
        "NOTIFICATIONS_IDLE_SECONDS": "0.2",
    }


@contextmanager
def running_stack(
    bootstrap_servers: str,
    directory: Path,
    reject_member_ids: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    adjudication: dict[str, Any] | None = None,
) -> Iterator[Stack]:
    """Start the sandbox and every service (``env`` adds settings, ``adjudication`` the
    sandbox payer's rules); stop them afterwards."""
    log_dir = directory / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    rules = directory / "sandbox-rules.json"
    rules.write_text(json.dumps({"reject_member_ids": list(reject_member_ids),
                                 **(adjudication or {})}))  # fmt: skip
    prefix = new_group_prefix()
    stack = Stack(
        bootstrap_servers,
        ports={name: free_port() for name in SERVICES},
        sandbox_port=free_port(),
        sms_port=free_port(),
        mail_port=free_port(),
        smtp_port=free_port(),
        env={**stack_environment(directory), GROUP_PREFIX_SETTING: prefix, **(env or {})},
        log_dir=str(log_dir),
        sandbox_rules=str(rules),
    )
    start_groups_at_the_end(bootstrap_servers, prefix)
    try:
        try:
            stack.start()
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n\n{log_tails(log_dir)}") from exc
        yield stack
    finally:
        stack.stop()
