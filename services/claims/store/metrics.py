"""Gauges counted from the claims database each time /metrics is scraped.

Counted from the tables rather than kept in the process, so every process of the service
shows the same numbers and a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from services.claims.domain.work_queue import EXCEPTION_KINDS
from services.claims.store import interchanges, remittances, reports
from services.claims.store.tables import claims


class ClaimsByState(Collector):
    """``claims_by_state{status,payer}``: what billing and ops watch for stuck claims."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One sample per (status, payer) pair present in the table."""
        family = GaugeMetricFamily("claims_by_state", "Claims per state and payer",
                                   labels=["status", "payer"])
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(claims.c.status, claims.c.payer_id, func.count())
                .group_by(claims.c.status, claims.c.payer_id)
            ).all()
        for status, payer, count in rows:
            family.add_metric([status, payer or "unknown"], count)
        yield family


class HeldAcknowledgements(Collector):
    """``claims_acknowledgements_held{kind}``: answers held for a person; alert when above 0.

    ``interchange``: a 999/TA1 that could not be read or matched (the interchange is not
    sent again); ``report``: a 277CA from the mailbox that could not be read.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One sample per kind, zero included (an alert rule needs the series to exist)."""
        family = GaugeMetricFamily(
            "claims_acknowledgements_held",
            "Clearinghouse answers that could not be read or matched, held for a person",
            labels=["kind"],
        )
        with self.engine.connect() as connection:
            family.add_metric(["interchange"], interchanges.count_held(connection))
            family.add_metric(["report"], reports.count_held(connection))
        yield family


class HeldRemittances(Collector):
    """``claims_remittances_held{kind}``: 835 payments held at posting for a person.

    ``unbalanced_remittance``: a whole 835 whose total does not add up (nothing posted);
    ``unbalanced``, ``unreadable``, ``unmatched``, ``conflict``: one claim payment each (the
    others posted). Resolving one in the work queue takes it off. Alert when above 0; an 835
    that cannot be read at all is a held report (``claims_acknowledgements_held{kind="report"}``).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One sample per kind, zero included."""
        family = GaugeMetricFamily(
            "claims_remittances_held",
            "835 claim payments (or whole remittances) held at posting for a person",
            labels=["kind"],
        )
        with self.engine.connect() as connection:
            counts = remittances.count_open_exceptions(connection)
        for kind in EXCEPTION_KINDS:
            family.add_metric([kind.value], counts.get(kind.value, 0))
        yield family
