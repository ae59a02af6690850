"""How a client is reached: a phone number kept in E.164, a real IANA time zone."""

import pytest

from services.screening.domain import e164_phone, is_time_zone


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("+15185550100", "+15185550100"),
        ("+1 518 555 0100", "+15185550100"),
        ("(518) 555-0100", "+15185550100"),
        ("518.555.0100", "+15185550100"),
        ("1 518 555 0100", "+15185550100"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_a_phone_number_is_kept_in_e164(written, kept):
    assert e164_phone(written) == kept


@pytest.mark.parametrize(
    "written",
    ["call me", "555 0100", "7946 0958", "+1 018 555 0100", "+1 518 155 0100",
     "+0 123 456 789", "+1234567890123456", "518-555-0100 ext 2"],
)
def test_a_number_that_is_not_a_whole_e164_number_is_refused(written):
    assert e164_phone(written) is None


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "UTC"])
def test_iana_zones_are_time_zones(zone):
    assert is_time_zone(zone)


@pytest.mark.parametrize("zone", ["Eastern", "America/Springfield", "../etc/passwd", "", "EST "])
def test_other_names_are_not(zone):
    assert not is_time_zone(zone)
