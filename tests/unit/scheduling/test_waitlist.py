"""Waitlist rules: who a freed slot suits, in what order, and when an offer can be answered."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.scheduling.domain.availability import Slot
from services.scheduling.domain.waitlist import (
    OfferPolicy,
    WaitlistEntry,
    Window,
    first_match,
    may_answer,
    moved,
    new_token,
    token_hash,
)
from tests.unit.scheduling.builders import NEW_YORK, local

ZONE = ZoneInfo(NEW_YORK)
TUESDAY_10 = Slot("t-1", "r-1", local(2026, 3, 3, 10), local(2026, 3, 3, 11))
WEDNESDAY_10 = Slot("t-1", "r-1", local(2026, 3, 4, 10), local(2026, 3, 4, 11))


def an_entry(entry_id: str, position: int, **overrides) -> WaitlistEntry:  # type: ignore[no-untyped-def]
    values = {"id": entry_id, "client_id": f"client-{entry_id}", "service_id": "massage",
              "therapist_id": None, "position": position}
    return WaitlistEntry(**(values | overrides))


def everyone_eligible(client_id: str, day: date) -> bool:
    return True


def match(entries, slots=(TUESDAY_10,), eligible=everyone_eligible, **options):  # type: ignore[no-untyped-def]
    return first_match(entries, lambda service_id: list(slots), ZONE, eligible, **options)


def test_the_first_on_the_list_gets_the_slot_whatever_order_they_are_read_in():
    entries = [an_entry("b", 2), an_entry("a", 1), an_entry("c", 3)]
    assert match(entries) == (entries[1], TUESDAY_10)


def test_a_client_not_eligible_on_the_slots_day_is_passed_over():
    entries = [an_entry("a", 1), an_entry("b", 2)]
    result = match(entries, eligible=lambda client_id, day: client_id != "client-a")
    assert result == (entries[1], TUESDAY_10)


def test_eligibility_is_asked_for_the_clinics_local_day():
    late_evening = Slot("t-1", "r-1", local(2026, 3, 3, 21), local(2026, 3, 3, 22))  # 02:00 UTC
    asked = []
    match([an_entry("a", 1)], slots=[late_evening],
          eligible=lambda client_id, day: asked.append(day) or True)
    assert asked == [date(2026, 3, 3)]


def test_a_client_ineligible_one_day_gets_a_later_day_they_may_be_booked_on():
    result = match([an_entry("a", 1)], slots=[TUESDAY_10, WEDNESDAY_10],
                   eligible=lambda client_id, day: day == date(2026, 3, 4))
    assert result is not None and result[1] == WEDNESDAY_10


def test_windows_weekdays_and_times_decide_what_suits():
    mornings_tuesday = an_entry("a", 1, windows=(Window(1, time(9), time(12)),))
    afternoons = an_entry("b", 1, windows=(Window(1, time(13), time(17)),))
    ends_too_late = an_entry("c", 1, windows=(Window(1, time(9), time(10, 30)),))
    assert match([mornings_tuesday]) is not None
    assert match([afternoons]) is None
    assert match([ends_too_late]) is None


def test_dates_and_therapist_limit_what_suits():
    assert match([an_entry("a", 1, earliest_on=date(2026, 3, 4))]) is None
    assert match([an_entry("a", 1, latest_on=date(2026, 3, 2))]) is None
    assert match([an_entry("a", 1, therapist_id="t-2")]) is None
    assert match([an_entry("a", 1, therapist_id="t-1", latest_on=date(2026, 3, 3))]) is not None


def test_only_waiting_entries_are_offered_and_a_slot_never_goes_back_to_who_let_it_go():
    holding = an_entry("a", 1, status="offered")
    declined = an_entry("b", 2)
    nextone = an_entry("c", 3)
    result = match([holding, declined, nextone],
                   offered_before=lambda entry_id, slot: entry_id == "b")
    assert result == (nextone, TUESDAY_10)


def test_each_entry_is_matched_with_its_own_services_slots():
    other = an_entry("a", 1, service_id="other")
    wanted = an_entry("b", 2)
    result = first_match([other, wanted],
                         lambda service: [TUESDAY_10] if service == "massage" else [], ZONE,
                         everyone_eligible)
    assert result == (wanted, TUESDAY_10)


def test_moving_an_entry_keeps_the_others_in_order():
    assert moved(["a", "b", "c", "d"], "d", 1) == ["d", "a", "b", "c"]
    assert moved(["a", "b", "c"], "a", 2) == ["b", "a", "c"]
    assert moved(["a", "b", "c"], "a", 99) == ["b", "c", "a"]
    with pytest.raises(ValueError):
        moved(["a"], "z", 1)


def test_an_offer_is_answered_only_while_open_and_held():
    hold_until = local(2026, 3, 2, 9)
    assert may_answer("open", hold_until, hold_until - timedelta(seconds=1)) is None
    assert may_answer("open", hold_until, hold_until) == "offer_expired"
    assert may_answer("accepted", hold_until, hold_until - timedelta(hours=1)) == "offer_accepted"
    assert may_answer("declined", hold_until, hold_until) == "offer_declined"


def test_a_link_token_is_random_and_only_its_hash_is_kept():
    token = new_token()
    assert token != new_token()
    assert len(token) >= 43
    assert token_hash(token) == token_hash(token) != token
    link = OfferPolicy(timedelta(hours=1), "https://clinic.example/widget/").link(token)
    assert link == f"https://clinic.example/widget/#offer={token}"


def test_a_window_must_be_a_real_weekday_and_end_after_it_starts():
    with pytest.raises(ValueError):
        Window(7, time(9), time(10))
    with pytest.raises(ValueError):
        Window(1, time(10), time(9))
