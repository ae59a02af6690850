"""The services' Prometheus metrics (their public ``/metrics``), read for the ops pages."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

Samples = list[tuple[dict[str, str], float]]


def scrape(base_url: str, names: set[str], timeout: float) -> dict[str, Samples]:
    """The samples of the metrics named ``names`` ({} when the service does not answer)."""
    try:
        response = requests.get(f"{base_url.rstrip('/')}/metrics", timeout=timeout)
        response.raise_for_status()
    except requests.RequestException:
        return {}
    found: dict[str, Samples] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name in names:
                found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found
