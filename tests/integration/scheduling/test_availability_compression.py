"""Availability answers on the wire: gzip-compressed for a client that accepts it (the widget's
browser), plain for one that does not, and a kept answer compressed once."""

from __future__ import annotations

import gzip

import pytest

from services.scheduling.api import availability_cache
from tests.integration.scheduling.clinic import book, eligible_client, local

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture
def scheduling_db(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Availability only reads: SQLite is enough here."""
    return f"sqlite:///{tmp_path / 'availability.db'}"


@pytest.fixture
def question(clinic) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Two weeks of the clinic's service (from the next day: a kept answer holds for it)."""
    return {"service": clinic.service_id, "from": local(2026, 3, 3).isoformat(),
            "to": local(2026, 3, 17).isoformat()}


def test_a_client_accepting_gzip_gets_exactly_the_plain_answer_compressed(http, question):
    plain = http.get("/availability", query_string=question)
    compressed = http.get("/availability", query_string=question, headers=GZIP)
    assert compressed.status_code == plain.status_code == 200
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert compressed.headers["Content-Type"] == "application/json"
    assert int(compressed.headers["Content-Length"]) == len(compressed.data) < len(plain.data)
    assert gzip.decompress(compressed.data) == plain.data
    assert plain.json["slots"]


@pytest.mark.parametrize("accepted", [None, "identity", "br", "gzip;q=0", "deflate, *;q=0"])
def test_a_client_not_accepting_gzip_gets_the_plain_answer(http, question, accepted):
    headers = {"Accept-Encoding": accepted} if accepted else {}
    response = http.get("/availability", query_string=question, headers=headers)
    assert "Content-Encoding" not in response.headers
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert response.json["slots"]


@pytest.mark.parametrize("headers", [{}, GZIP], ids=["plain", "gzip"])
def test_both_encodings_tell_shared_caches_they_vary_with_accept_encoding(http, question,
                                                                            headers):
    response = http.get("/availability", query_string=question, headers=headers)
    assert response.headers["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize("headers", [{}, GZIP], ids=["plain", "gzip"])
def test_a_head_request_announces_what_the_get_would_send_and_sends_nothing(http, question,
                                                                          headers):
    got = http.get("/availability", query_string=question, headers=headers)
    head = http.head("/availability", query_string=question, headers=headers)
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Length", "Content-Encoding", "Content-Type", "Vary"):
        assert head.headers.get(name) == got.headers.get(name)


@pytest.fixture
def compressions(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """The sizes of the answers compressed, as they are."""
    compressed: list[int] = []
    real = gzip.compress

    def compress(data: bytes, level: int, mtime: float) -> bytes:
        compressed.append(len(data))
        return real(data, level, mtime=mtime)

    monkeypatch.setattr(availability_cache.gzip, "compress", compress)
    return compressed


def test_a_kept_answer_is_compressed_once_however_often_it_is_asked(http, question,
                                                                    compressions):
    answers = {http.get("/availability", query_string=question, headers=GZIP).data
               for _ in range(3)}
    assert len(answers) == 1
    assert len(compressions) == 1


def test_a_booking_outside_the_window_leaves_the_answer_and_its_compressed_bytes(
    http, clinic, engine, question, compressions
):
    before = http.get("/availability", query_string=question, headers=GZIP).data
    later = local(2026, 3, 24, 10)  # a week after the window
    assert book(http, clinic, eligible_client(engine), later).status_code == 201
    assert http.get("/availability", query_string=question, headers=GZIP).data == before
    assert len(compressions) == 1
    assert book(http, clinic, eligible_client(engine), local(2026, 3, 10, 10)).status_code == 201
    assert http.get("/availability", query_string=question, headers=GZIP).data != before
    assert len(compressions) == 2
