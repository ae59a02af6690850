"""A referral's frequency in words, turned into the dates of the plan of care's visits."""

from __future__ import annotations

import pytest

from services.scheduling.domain.frequency import Phase, parse_frequency, plan_of_care_starts
from shared.errors import InvalidInput
from tests.unit.scheduling.builders import NEW_YORK, local


@pytest.mark.parametrize(("text", "phases"), [
    ("2x/week for 4 weeks", [Phase(2, 4)]),
    ("2x/week for 4 weeks, then weekly for 4 weeks", [Phase(2, 4), Phase(1, 4)]),
    ("Twice a week for four weeks then once a week for 6 weeks", [Phase(2, 4), Phase(1, 6)]),
    ("3 times per week x 2 weeks; 1x/wk for 2 wks", [Phase(3, 2), Phase(1, 2)]),
    ("2 \N{MULTIPLICATION SIGN} week for 3 weeks.", [Phase(2, 3)]),
    ("weekly for 1 week", [Phase(1, 1)]),
])
def test_a_written_frequency_is_read_as_phases(text, phases):
    assert list(parse_frequency(text)) == phases


@pytest.mark.parametrize("text", ["", "as needed", "2x/week", "9x/week for 2 weeks",
                                  "2x/week for 60 weeks", "2x/month for 3 months"])
def test_a_frequency_that_cannot_be_read_is_refused_on_its_field(text):
    with pytest.raises(InvalidInput) as refused:
        parse_frequency(text)
    assert "frequency" in refused.value.errors


def test_a_phase_reads_back_as_a_clinic_writes_it():
    assert [str(p) for p in parse_frequency("twice a week for 4 weeks then weekly for 1 week")
            ] == ["2x/week for 4 weeks", "weekly for 1 week"]


def test_the_arch_intern_med_plan_gives_twelve_visits_in_eight_weeks():
    # docs/DOMAIN.md: Swedish massage twice weekly for 4 weeks, then weekly for 4 weeks.
    starts = plan_of_care_starts(local(2026, 3, 3, 10),
                                 parse_frequency("2x/week for 4 weeks, then weekly for 4 weeks"),
                                 NEW_YORK)
    assert len(starts) == 12
    assert starts[:4] == [local(2026, 3, 3, 10), local(2026, 3, 6, 10), local(2026, 3, 10, 10),
                          local(2026, 3, 13, 10)]
    # The weekly phase starts four weeks after the first visit, on its weekday.
    assert starts[8:] == [local(2026, 3, 31, 10), local(2026, 4, 7, 10),
                          local(2026, 4, 14, 10), local(2026, 4, 21, 10)]


def test_visits_keep_their_wall_clock_time_across_the_dst_change():
    # 2026-03-08: New York moves to daylight time; a 10:00 visit stays at 10:00.
    starts = plan_of_care_starts(local(2026, 3, 2, 10), [Phase(1, 3)], NEW_YORK)
    assert starts == [local(2026, 3, 2, 10), local(2026, 3, 9, 10), local(2026, 3, 16, 10)]
    assert starts[0].hour != starts[1].hour  # in UTC they differ by the hour DST moved


def test_chosen_weekdays_apply_to_the_phases_with_as_many_visits():
    starts = plan_of_care_starts(local(2026, 3, 2, 10), [Phase(2, 1), Phase(1, 1)], NEW_YORK,
                                 weekdays=[0, 2])
    assert starts == [local(2026, 3, 2, 10), local(2026, 3, 4, 10), local(2026, 3, 9, 10)]


def test_weekdays_that_miss_the_first_visit_are_refused():
    with pytest.raises(InvalidInput) as refused:
        plan_of_care_starts(local(2026, 3, 3, 10), [Phase(2, 1)], NEW_YORK, weekdays=[0, 2])
    assert "weekdays" in refused.value.errors
