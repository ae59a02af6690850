"""The therapist's calendar feed: RFC 5545 text, UTC times, folding, no client names."""

from datetime import UTC, datetime, timedelta

import pytest

from services.scheduling.domain.ical import feed_window, render_therapist_calendar
from shared.errors import InvalidInput
from tests.unit.scheduling.builders import a_therapist, an_appointment, local

STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_calendar_lists_the_therapists_appointments_in_utc():
    booked = an_appointment(local(2026, 3, 10, 10), appointment_id="a-42")
    text = render_therapist_calendar(a_therapist(), [booked], STAMP)
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-2:] == ["END:VCALENDAR", ""]
    assert "UID:a-42@medmassage" in lines
    assert "DTSTAMP:20260301T120000Z" in lines
    assert "DTSTART:20260310T140000Z" in lines
    assert "DTEND:20260310T150000Z" in lines
    assert "STATUS:CONFIRMED" in lines


def test_summary_names_no_client_only_a_short_id():
    booked = an_appointment(
        local(2026, 3, 10, 10), client_id="c0ffee00-1234-4bcd-9abc-0123456789ab"
    )
    lines = unfold(render_therapist_calendar(a_therapist(), [booked], STAMP))
    assert "SUMMARY:Medical massage — client c0ffee00" in lines


def test_cancelled_appointments_are_marked_cancelled():
    cancelled = an_appointment(local(2026, 3, 10, 10), status="cancelled")
    lines = unfold(render_therapist_calendar(a_therapist(), [cancelled], STAMP))
    assert "STATUS:CANCELLED" in lines


def test_other_therapists_appointments_are_left_out():
    mine = an_appointment(local(2026, 3, 10, 10), appointment_id="mine")
    theirs = an_appointment(local(2026, 3, 10, 10), therapist_id="t-2", appointment_id="theirs")
    lines = unfold(render_therapist_calendar(a_therapist(), [theirs, mine], STAMP))
    assert "UID:mine@medmassage" in lines
    assert "UID:theirs@medmassage" not in lines


def test_every_line_ends_with_crlf_and_fits_75_octets():
    long_id = "appointment-" + "x" * 150
    booked = an_appointment(local(2026, 3, 10, 10), appointment_id=long_id)
    text = render_therapist_calendar(a_therapist(), [booked], STAMP)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert f"UID:{long_id}@medmassage" in unfold(text)


def test_folding_continues_with_a_space_that_counts_toward_75_octets():
    booked = an_appointment(local(2026, 3, 10, 10), appointment_id="X" * 160)
    text = render_therapist_calendar(a_therapist(), [booked], STAMP)
    start = text.index("UID:")
    end = text.index("\r\n", text.index("@medmassage", start))
    pieces = text[start:end].split("\r\n")
    assert len(pieces) == 3
    assert all(len(p.encode()) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join(p.removeprefix(" ") for p in pieces) == f"UID:{'X' * 160}@medmassage"


def test_folding_never_splits_a_multi_byte_character():
    booked = an_appointment(local(2026, 3, 10, 10), client_id="é" * 80)
    text = render_therapist_calendar(a_therapist(), [booked], STAMP)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    text.encode().decode("utf-8")  # every folded piece is whole UTF-8
    assert f"SUMMARY:Medical massage — client {'é' * 8}" in unfold(text)


def test_short_lines_are_not_folded():
    lines = render_therapist_calendar(a_therapist(), [], STAMP).split("\r\n")
    assert "VERSION:2.0" in lines


def test_the_calendar_names_the_clinics_zone_and_keeps_events_in_utc():
    booked = an_appointment(local(2026, 3, 10, 10))
    lines = unfold(render_therapist_calendar(a_therapist(), [booked], STAMP,
                                             "America/New_York"))
    assert "X-WR-TIMEZONE:America/New_York" in lines
    assert "DTSTART:20260310T140000Z" in lines


def test_text_values_escape_commas_and_semicolons():
    booked = an_appointment(local(2026, 3, 10, 10), appointment_id="a;1,2")
    lines = unfold(render_therapist_calendar(a_therapist(), [booked], STAMP))
    assert "UID:a\\;1\\,2@medmassage" in lines


def test_a_feed_covers_30_days_back_and_180_ahead_unless_asked():
    assert feed_window(STAMP) == (STAMP - timedelta(days=30), STAMP + timedelta(days=180))
    year = (STAMP, STAMP + timedelta(days=366))
    assert feed_window(STAMP, *year) == year


@pytest.mark.parametrize(
    ("window_from", "window_to", "field"),
    [
        (STAMP, STAMP + timedelta(days=367), "to"),
        (STAMP, STAMP, "to"),
        (STAMP - timedelta(days=400), None, "from"),
        (STAMP + timedelta(days=200), None, "from"),
        (None, STAMP - timedelta(days=31), "to"),
    ],
    ids=["over-a-year", "empty", "from-long-ago", "from-past-the-default-end", "to-before"],
)
def test_a_feed_longer_than_a_year_or_ending_before_it_starts_names_the_bound_given(
    window_from, window_to, field
):
    with pytest.raises(InvalidInput) as refused:
        feed_window(STAMP, window_from, window_to)
    assert field in refused.value.errors
