"""The public rate limit: buckets in the database, shared by every worker, per client address.

``/boom`` is the test app's public endpoint (it answers 500 on purpose); a 429 means the
limit stopped the request before the view.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine.interfaces import CacheStats

from shared.db import make_engine, write_transaction
from shared.migrations import migrate
from shared.web.ratelimit import RateLimit
from tests.support.http import auth
from tests.support.statements import statements_sent
from tests.support.webapp import make_app

INGRESS = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches the app from the ingress


def limited(database_url: str, monkeypatch, per_minute: int = 3,  # type: ignore[no-untyped-def]
            **environment: str) -> FlaskClient:
    """A test-app client on ``database_url`` limited to ``per_minute``."""
    monkeypatch.setenv("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE", str(per_minute))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return make_app(database_url).test_client()


def statuses(http: FlaskClient, count: int, forwarded_for: str | None = None) -> list[int]:
    """The statuses of ``count`` calls to the public endpoint through the ingress."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return [http.get("/boom", headers=headers, environ_base=INGRESS).status_code
            for _ in range(count)]


def test_two_app_instances_on_one_database_share_one_bucket(database_url, monkeypatch):
    first = limited(database_url, monkeypatch)
    second = limited(database_url, monkeypatch)
    assert statuses(first, 2) + statuses(second, 1) == [500, 500, 500]
    assert statuses(second, 1) == statuses(first, 1) == [429]


def test_concurrent_requests_take_no_more_than_the_bucket_holds(database_url, monkeypatch):
    apps = [limited(database_url, monkeypatch, per_minute=5) for _ in range(2)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda n: statuses(apps[n % 2], 1)[0], range(12)))
    assert answers.count(500) == 5
    assert answers.count(429) == 7


def test_a_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(database_url, monkeypatch):
    http = limited(database_url, monkeypatch)
    answers = [statuses(http, 1, forwarded_for=f"203.0.113.{n}")[0] for n in range(4)]
    assert answers == [500, 500, 500, 429]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_bucket(database_url,
                                                                         monkeypatch):
    http = limited(database_url, monkeypatch,
                   MEDMASSAGE_TRUSTED_PROXY_HEADER="X-Forwarded-For")
    assert statuses(http, 4, forwarded_for="203.0.113.7") == [500, 500, 500, 429]
    assert statuses(http, 1, forwarded_for="198.51.100.9") == [500]
    # What the client put before the proxy's entry is not its address.
    assert statuses(http, 1, forwarded_for="198.51.100.1, 203.0.113.7") == [429]


def test_the_client_is_taken_as_many_hops_from_the_right_as_there_are_proxies(database_url,
                                                                               monkeypatch):
    http = limited(database_url, monkeypatch,
                   MEDMASSAGE_TRUSTED_PROXY_HEADER="X-Forwarded-For",
                   MEDMASSAGE_TRUSTED_PROXY_HOPS="2")
    assert statuses(http, 4, forwarded_for="6.6.6.6, 203.0.113.7, 10.0.0.9") == [
        500, 500, 500, 429]
    assert statuses(http, 1, forwarded_for="7.7.7.7, 198.51.100.9, 10.0.0.9") == [500]


def test_the_audit_trail_records_the_client_address_the_proxy_saw(database_url, monkeypatch):
    http = limited(database_url, monkeypatch,
                   MEDMASSAGE_TRUSTED_PROXY_HEADER="X-Forwarded-For")
    http.get("/notes/n1", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base=INGRESS)
    entries = http.get("/audit", headers=auth("admin")).get_json()["entries"]
    assert entries[-1]["remote_addr"] == "203.0.113.7"


def test_a_bucket_allows_a_burst_then_refills_at_its_rate(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    now = [1_000.0]
    limit = RateLimit(per_minute=2, clock=lambda: now[0])

    def take(key: str) -> float:
        with write_transaction(engine) as connection:
            return limit.take(connection, key)

    assert take("a") == take("a") == 0
    assert take("a") == pytest.approx(30.0)
    assert take("b") == 0
    now[0] += 30
    assert take("a") == 0
    assert take("a") == pytest.approx(30.0)
    now[0] -= 10  # another host's clock, a little behind: it adds no tokens
    assert take("a") > 0


def test_taking_a_token_is_one_statement_compiled_once_per_engine(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    limit = RateLimit(per_minute=60)
    with statements_sent(engine) as sent:
        for _ in range(3):
            with write_transaction(engine) as connection:
                assert limit.take(connection, "a") == 0
    takes = [one.cache_hit for one in sent
             if "rate_limit_buckets" in one.statement]
    # The first take also sweeps full buckets away.
    assert takes[0] is CacheStats.CACHE_MISS
    assert takes[-2:] == [CacheStats.CACHE_HIT, CacheStats.CACHE_HIT]
