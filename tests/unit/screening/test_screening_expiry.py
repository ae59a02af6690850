"""How long a screening lasts (docs/DOMAIN.md §Screening)."""

from datetime import date

from services.screening.domain import evaluate, is_current
from tests.unit.screening.builders import RULES, a_questionnaire


def test_a_screening_expires_one_year_after_it_was_done_by_default():
    screening = evaluate(a_questionnaire(), RULES, date(2026, 3, 2))

    assert screening.expires_on == date(2027, 3, 2)


def test_a_screening_done_on_29_february_expires_on_28_february():
    screening = evaluate(a_questionnaire(), RULES, date(2028, 2, 29))

    assert screening.expires_on == date(2029, 2, 28)


def test_a_screening_is_current_from_its_day_until_the_day_before_it_expires():
    screening = evaluate(a_questionnaire(), RULES, date(2026, 3, 2))

    assert is_current(screening, date(2026, 3, 2))
    assert is_current(screening, date(2027, 3, 1))
    assert not is_current(screening, date(2027, 3, 2))
    assert not is_current(screening, date(2026, 3, 1))

