"""Claims by state and payer, counted from the claims table each time /metrics is scraped."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

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
