"""The ``medmassage-ops`` command line."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import click
from kafka.errors import KafkaError

from deploy.ops.kafka_views import (
    consumer_lag,
    dead_letters,
    describe,
    pretty,
    publish_phi_view,
    read_messages,
    replay,
    topic_end_offsets,
)
from shared.config import DEFAULT_PORTS, ConfigurationError, KafkaSettings, load_settings
from shared.db import make_engine
from shared.events.contracts.ops import PHI_VIEWED
from shared.outbox import pending_summary
from shared.tokens import TokenRefused, staff_token_verifier

TOKEN_SETTING = "MEDMASSAGE_OPS_TOKEN"


@click.group()
@click.option("--bootstrap", envvar="KAFKA_BOOTSTRAP_SERVERS", default="127.0.0.1:9092",
              show_default=True, help="Kafka bootstrap servers.")
@click.pass_context
def main(context: click.Context, bootstrap: str) -> None:
    """Watch and recover medmassage's event flow."""
    base = load_settings("ops").kafka
    context.obj = KafkaSettings(**{**base.__dict__, "bootstrap_servers": bootstrap})


@main.command()
@click.pass_obj
def topics(settings: KafkaSettings) -> None:
    """Every topic with its partitions and end offsets."""
    for topic, ends in topic_end_offsets(settings).items():
        offsets = " ".join(f"p{p}={end}" for p, end in sorted(ends.items()))
        click.echo(f"{topic:<48} partitions={len(ends):<3} messages={sum(ends.values()):<8} "
                   f"{offsets}")


@main.command()
@click.option("--group", default=None, help="Only this consumer group.")
@click.pass_obj
def lag(settings: KafkaSettings, group: str | None) -> None:
    """Lag per consumer group and partition."""
    rows = consumer_lag(settings, group)
    if not rows:
        click.echo("no consumer groups")
    for row in rows:
        committed = "-" if row.committed is None else row.committed
        click.echo(f"{row.group:<20} {row.topic:<44} p{row.partition:<3} "
                   f"committed={committed:<8} end={row.end:<8} lag={row.lag}")


def admin_subject(token: str | None) -> str:
    """The staff login of a valid admin token (checked like the services check it)."""
    if not token:
        raise click.UsageError(f"--show-phi needs an admin's staff token: --token or "
                               f"{TOKEN_SETTING}")
    try:
        claims = staff_token_verifier(load_settings("ops")).verify(token)
    except (TokenRefused, ConfigurationError) as exc:
        raise click.ClickException(f"the staff token was refused: {exc}") from exc
    if "admin" not in claims.roles:
        raise click.ClickException("--show-phi is for admins only")
    return claims.subject


def _batches(messages: Iterable[Any], follow: bool) -> Iterator[list[Any]]:
    """All the messages at once, or each as it comes when following."""
    if follow:
        yield from ([message] for message in messages)
    else:
        yield list(messages)


@main.command()
@click.argument("topic")
@click.option("--follow", "-f", is_flag=True, help="Keep waiting for new messages.")
@click.option("--from-beginning", is_flag=True, help="Start at the oldest message.")
@click.option("--limit", "-n", type=int, default=None, help="Stop after N messages.")
@click.option("--show-phi", is_flag=True,
              help="Show names, birth dates, member and authorization numbers, diagnoses "
                   "(admins only; each view is recorded on ops.phi.viewed.v1).")
@click.option("--token", envvar=TOKEN_SETTING, default=None,
              help=f"An admin's staff token, for --show-phi (or {TOKEN_SETTING}).")
@click.pass_obj
def tail(settings: KafkaSettings, topic: str, follow: bool, from_beginning: bool,
         limit: int | None, show_phi: bool, token: str | None) -> None:
    """Decoded messages of TOPIC, PHI hidden unless an admin asks with --show-phi."""
    actor = admin_subject(token) if show_phi else None
    messages = read_messages(settings, topic, from_beginning or not follow, follow, limit)
    for batch in _batches(messages, follow):
        if actor is not None:
            # Recorded before it is shown: what could not be recorded is not shown.
            try:
                publish_phi_view(settings, actor, topic, batch)
            except KafkaError as exc:
                raise click.ClickException(
                    f"could not record the view on {PHI_VIEWED.topic} ({exc}); nothing shown"
                ) from exc
        for message in batch:
            header = f"# {message.topic} p{message.partition} offset {message.offset}"
            click.echo(f"{header}\n{pretty(describe(message.value, show_phi))}")


@main.group()
def dlq() -> None:
    """Dead-letter topics: list and replay."""


@dlq.command("list")
@click.argument("topic", required=False)
@click.pass_obj
def dlq_list(settings: KafkaSettings, topic: str | None) -> None:
    """Parked messages (of one DLQ topic, or of all) with why they were parked."""
    letters = dead_letters(settings, topic)
    if not letters:
        click.echo("no dead letters")
    for letter in letters:
        h = letter.headers
        click.echo(f"{letter.topic} p{letter.partition} offset {letter.offset} "
                   f"event={letter.event_id or '-'} group={h.get('dlq.consumer_group', '-')} "
                   f"reason={h.get('dlq.reason', '-')} attempts={h.get('dlq.attempts', '-')}\n"
                   f"    {h.get('dlq.error', '')}")


@dlq.command("replay")
@click.argument("topic")
@click.option("--offset", "offsets", type=int, multiple=True,
              help="Only the message at this offset (repeatable); default: all.")
@click.option("--event-id", "event_ids", multiple=True, help="Only this event (repeatable).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def dlq_replay(settings: KafkaSettings, topic: str, offsets: tuple[int, ...],
               event_ids: tuple[str, ...], yes: bool) -> None:
    """Publish parked messages of TOPIC back to their original topic."""
    letters = [
        letter for letter in dead_letters(settings, topic)
        if (not offsets or letter.offset in offsets)
        and (not event_ids or letter.event_id in event_ids)
    ]
    if not letters:
        click.echo("nothing to replay")
        return
    if not yes:
        click.confirm(f"replay {len(letters)} message(s) from {topic}?", abort=True)
    click.echo(f"replayed {replay(settings, letters)} message(s)")


@main.command()
def outbox() -> None:
    """Events written but not yet published, per service database."""
    for service in DEFAULT_PORTS:
        url = load_settings(service).database_url
        if url.startswith("sqlite") and not os.path.exists(url.split("///", 1)[-1]):
            click.echo(f"{service:<12} no database at {url}")
            continue
        with make_engine(url).connect() as connection:
            count, age = pending_summary(connection)
        click.echo(f"{service:<12} pending={count:<6} oldest_age_seconds={age:.1f}")


if __name__ == "__main__":
    main()
