"""Ops: topics with message rates, consumer lag, outbox backlog, claims by state, dead letters.

Kafka is read with the ops CLI's own library (``deploy/ops/kafka_views.py``); outbox backlog
and claims by state come from the services' public metrics. The live part is fetched again
by console.js every few seconds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from flask import Blueprint, current_app, g, render_template, request
from kafka.errors import KafkaError

from deploy.ops.kafka_views import consumer_lag, dead_letters, describe, replay, topic_end_offsets
from services.console.apis.metrics import scrape
from services.console.charts import bar_chart, line_chart
from services.console.config import ConsoleConfig
from services.console.guard import console_config, page
from services.console.store.accounts import record
from services.console.views.forms import now, render_form, writing

bp = Blueprint("ops", __name__, url_prefix="/ops")
REFRESH_SECONDS = 10
HISTORY = 30  # samples of claims by state kept for the "over time" table


class Watch:
    """What the last looks at Kafka and the metrics were, to turn totals into rates."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_totals: dict[str, tuple[float, int]] = {}
        self.claims_history: deque[tuple[str, dict[str, int]]] = deque(maxlen=HISTORY)

    def rates(self, totals: dict[str, int]) -> dict[str, float]:
        """Messages per minute on each topic since the previous look (0 the first time)."""
        moment = time.monotonic()
        rates = {}
        with self.lock:
            for topic, total in totals.items():
                before = self.last_totals.get(topic)
                if before and moment > before[0]:
                    rates[topic] = max(0.0, (total - before[1]) * 60 / (moment - before[0]))
                else:
                    rates[topic] = 0.0
                self.last_totals[topic] = (moment, total)
        return rates


def _watch() -> Watch:
    return current_app.extensions.setdefault("console.ops_watch", Watch())


def _services(config: ConsoleConfig) -> dict[str, str]:
    return {"screening": config.screening_url, "scheduling": config.scheduling_url,
            "claims": config.claims_url}


def _live() -> dict[str, Any]:
    config = console_config()
    kafka = config.settings.kafka
    problems = []
    try:
        ends = topic_end_offsets(kafka)
        lag = consumer_lag(kafka)
    except KafkaError as exc:
        ends, lag = {}, []
        problems.append(f"Kafka cannot be read: {exc}")
    totals = {topic: sum(partitions.values()) for topic, partitions in ends.items()}
    rates = _watch().rates(totals)
    topics = sorted(({"topic": t, "messages": totals[t], "rate": rates.get(t, 0.0),
                      "dead_letter": t.endswith(".dlq")} for t in totals),
                    key=lambda row: (-row["rate"], -row["messages"], row["topic"]))
    by_group: dict[str, int] = {}
    for row in lag:
        by_group[row.group] = by_group.get(row.group, 0) + row.lag
    outbox = {}
    claims_by_state: dict[str, int] = {}
    for name, url in _services(config).items():
        samples = scrape(url, {"outbox_pending_events", "claims_by_state"}, 3.0)
        outbox[name] = int(sum(value for _, value in samples.get("outbox_pending_events", [])))
        for labels, value in samples.get("claims_by_state", []):
            claims_by_state[labels["status"]] = claims_by_state.get(labels["status"], 0) + int(
                value)
    history = _watch().claims_history
    history.append((now().strftime("%H:%M:%S"), dict(claims_by_state)))
    looks = list(history)
    states = sorted({state for _, counts in looks for state in counts})
    return {
        "topics": topics, "problems": problems,
        "empty_topics": sum(1 for t in topics if not t["messages"]),
        "lag_chart": bar_chart("Consumer lag (messages not yet processed)",
                               sorted(by_group.items())),
        "outbox_chart": bar_chart("Outbox backlog (events not yet published)",
                                  sorted(outbox.items())),
        "claims_chart": bar_chart("Claims by state", sorted(claims_by_state.items())),
        "claims_over_time": line_chart(
            "Claims by state over time", [at for at, _ in looks],
            {state: [counts.get(state, 0) for _, counts in looks] for state in states}),
        "dead_letters": sum(t["messages"] for t in topics if t["dead_letter"]),
        "refreshed": now().strftime("%H:%M:%S UTC"),
    }


@bp.get("/")
@page("ops")
def board() -> str:
    """The event flow at a glance, refreshed every few seconds."""
    return render_template("ops/board.html", live=_live(), refresh=REFRESH_SECONDS)


@bp.get("/live")
@page("ops")
def live() -> str:
    """The board's live part alone (what console.js fetches)."""
    return render_template("ops/_live.html", live=_live())


def _letters() -> list[dict[str, Any]]:
    kafka = console_config().settings.kafka
    # Only dead-letter topics holding messages are read: reading one waits for its end.
    parked = [topic for topic, ends in topic_end_offsets(kafka).items()
              if topic.endswith(".dlq") and sum(ends.values())]
    letters = []
    for letter in (found for topic in parked for found in dead_letters(kafka, topic)):
        headers = letter.headers
        letters.append({"topic": letter.topic, "partition": letter.partition,
                        "offset": letter.offset, "event_id": letter.event_id,
                        "group": headers.get("dlq.consumer_group", ""),
                        "reason": headers.get("dlq.reason", ""),
                        "error": headers.get("dlq.error", ""),
                        "attempts": headers.get("dlq.attempts", ""),
                        "replayed": headers.get("dlq.replayed_from"),
                        "event": describe(letter.value)})
    return letters


@bp.get("/dead-letters")
@page("ops")
def letters() -> tuple[str, int]:
    """Every parked message with its error (payloads with health data redacted)."""
    return render_form("ops/dead_letters.html", letters=_letters(), notice=None)


@bp.post("/dead-letters/replay")
@page("ops")
def replay_letter() -> tuple[str, int]:
    """Publish one parked message back to its topic; the console's audit records who did."""
    topic = request.form.get("topic", "")
    try:
        partition, offset = int(request.form.get("partition", "")), int(
            request.form.get("offset", ""))
    except ValueError:
        partition = offset = -1
    kafka = console_config().settings.kafka
    chosen = [letter for letter in dead_letters(kafka, topic)
              if letter.partition == partition and letter.offset == offset]
    if not chosen:
        return render_form("ops/dead_letters.html", letters=_letters(), status=404,
                           notice="That message is no longer parked.")
    # Recorded before it is sent: a replay that fails half-way is still on the record.
    with writing() as connection:
        record(connection, now(), g.account.username, "dead_letter_replayed",
               {"topic": topic, "partition": partition, "offset": offset,
                "event_id": chosen[0].event_id})
    replay(kafka, chosen)
    return render_form("ops/dead_letters.html", letters=_letters(),
                       notice=f"Replayed {topic} partition {partition} offset {offset} "
                              f"(event {chosen[0].event_id or 'unknown'}).")
