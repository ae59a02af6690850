"""The per-process store of availability answers: versions, the clock, and its bounds."""

import gzip
from datetime import UTC, datetime, timedelta

import pytest

from services.scheduling.api import availability_cache
from services.scheduling.api.availability_cache import Answer, AnswerCache

NOW = datetime(2026, 3, 2, 13, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
V1 = (("clinic", 1), ("therapist:t-1", 4))
V2 = (("clinic", 1), ("therapist:t-1", 5))
V3 = (("clinic", 2), ("therapist:t-1", 5))


@pytest.fixture
def compressions(monkeypatch) -> list[bytes]:  # type: ignore[no-untyped-def]
    """What the cache hands to gzip, in order (compression still done for real)."""
    seen: list[bytes] = []
    real = gzip.compress

    def compress(data: bytes, level: int, mtime: float) -> bytes:
        seen.append(data)
        return real(data, level, mtime=mtime)

    monkeypatch.setattr(availability_cache.gzip, "compress", compress)
    return seen


def kept(cache: AnswerCache, question: str, versions, now: datetime) -> bytes | None:  # type: ignore[no-untyped-def]
    """The plain bytes the cache gives back, or None."""
    answer = cache.get(question, versions, now)
    return None if answer is None else answer.plain


def test_an_answer_is_given_back_only_at_the_versions_it_was_computed_at():
    cache = AnswerCache(4)
    cache.put("q", V1, NOW, LATER, Answer(b"answer"))
    assert kept(cache, "q", V1, NOW) == b"answer"
    assert kept(cache, "q", V2, NOW) is None


def test_an_answer_put_at_new_versions_replaces_the_stale_one():
    cache = AnswerCache(4)
    cache.put("q", V1, NOW, LATER, Answer(b"answer"))
    assert kept(cache, "q", V2, NOW) is None
    cache.put("q", V2, NOW, LATER, Answer(b"another"))
    assert kept(cache, "q", V2, NOW) == b"another"
    assert kept(cache, "q", V1, NOW) is None


def test_an_answer_is_not_given_back_once_the_clock_reaches_its_steady_until():
    cache = AnswerCache(4)
    cache.put("q", V1, NOW, LATER, Answer(b"answer"))
    assert kept(cache, "q", V1, LATER - timedelta(microseconds=1)) == b"answer"
    assert kept(cache, "q", V1, LATER) is None


def test_an_answer_is_not_given_back_to_a_clock_set_back_before_it_was_computed():
    cache = AnswerCache(4)
    cache.put("q", V1, NOW, LATER, Answer(b"answer"))
    assert kept(cache, "q", V1, NOW - timedelta(microseconds=1)) is None


def test_the_least_recently_asked_answer_goes_first_when_full():
    cache = AnswerCache(2)
    cache.put("a", V1, NOW, LATER, Answer(b"a"))
    cache.put("b", V1, NOW, LATER, Answer(b"b"))
    assert kept(cache, "a", V1, NOW) == b"a"
    cache.put("c", V1, NOW, LATER, Answer(b"c"))
    assert [kept(cache, q, V1, NOW) for q in "abc"] == [b"a", None, b"c"]


def test_answers_beyond_the_byte_budget_push_out_the_oldest(monkeypatch):
    monkeypatch.setattr(availability_cache, "MAX_BYTES", 10)
    cache = AnswerCache(8)
    cache.put("a", V1, NOW, LATER, Answer(b"12345"))
    cache.put("b", V1, NOW, LATER, Answer(b"12345"))
    cache.put("c", V1, NOW, LATER, Answer(b"123"))
    cache.put("huge", V1, NOW, LATER, Answer(b"x" * 11))
    assert [kept(cache, q, V1, NOW) for q in ("a", "b", "c", "huge")] == [
        None, b"12345", b"123", None]


def test_a_cache_of_no_entries_keeps_nothing():
    cache = AnswerCache(0)
    cache.put("q", V1, NOW, LATER, Answer(b"answer"))
    assert kept(cache, "q", V1, NOW) is None


def test_a_kept_answer_is_served_with_the_compressed_bytes_made_the_first_time(compressions):
    cache = AnswerCache(4)
    cache.put("q", V1, NOW, LATER, Answer(b'{"slots":[]}'))
    served = [cache.get("q", V1, NOW).gzipped() for _ in range(3)]  # type: ignore[union-attr]
    assert compressions == [b'{"slots":[]}']
    assert served[0] is served[1] is served[2]
    assert gzip.decompress(served[0]) == b'{"slots":[]}'


def test_an_answer_compresses_to_the_same_bytes_every_time():
    # No timestamp in the gzip header: two workers' copies of an answer are byte-equal.
    assert Answer(b"x" * 1000).gzipped() == Answer(b"x" * 1000).gzipped()


def test_an_answer_computed_again_the_same_keeps_the_compressed_bytes_made_before(
    compressions
):
    cache = AnswerCache(4)
    first = cache.put("q", V1, NOW, LATER, Answer(b'{"slots":[1]}'))
    compressed = first.gzipped()
    # A change elsewhere in the calendar: new versions, the same answer.
    same = cache.put("q", V2, NOW, LATER, Answer(b'{"slots":[1]}'))
    assert same.gzipped() is compressed
    assert cache.get("q", V2, NOW) is same
    # A change in the window: compressed anew.
    other = cache.put("q", V3, NOW, LATER, Answer(b'{"slots":[2]}'))
    assert gzip.decompress(other.gzipped()) == b'{"slots":[2]}'
    assert compressions == [b'{"slots":[1]}', b'{"slots":[2]}']
