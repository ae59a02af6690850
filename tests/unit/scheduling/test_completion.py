"""Recording a session: refusals with field-level messages, and the units it bills."""

from datetime import date

import pytest

from services.scheduling.domain.completion import (
    BilledCode,
    TechniqueRecord,
    VisitFacts,
    record_session,
)
from services.scheduling.domain.errors import SessionRejected
from services.scheduling.domain.precautions import Restrictions
from shared.billing.techniques import load_technique_codes
from tests.unit.scheduling.builders import an_appointment, local

CODES = load_technique_codes()
NO_RESTRICTIONS = Restrictions()


def a_60_minute_visit(status="booked"):
    return an_appointment(local(2026, 3, 10, 10), minutes=60, status=status)


def technique(name="swedish", minutes=30, regions=("lower_back",), pressure=None):
    return TechniqueRecord(name, minutes, tuple(regions), pressure)


def record(techniques, restrictions=NO_RESTRICTIONS, override_reason=None, method="cms"):
    return record_session(
        a_60_minute_visit(), techniques, restrictions, override_reason, CODES, method
    )


def rejection(**kwargs):
    with pytest.raises(SessionRejected) as caught:
        record(**kwargs)
    return caught.value.errors


def test_53_minutes_of_myofascial_release_and_swedish_bill_two_units_of_each_code():
    session = record([technique("myofascial_release", 23), technique("swedish", 30)])
    assert session.codes == (BilledCode("97124", 30, 2), BilledCode("97140", 23, 2))
    assert session.counting_method == "cms"
    assert session.total_minutes == 53


def test_per_code_payer_does_not_bill_a_technique_under_8_minutes():
    session = record([technique("swedish", 33), technique("trigger_point", 7)], method="per_code")
    assert session.codes == (BilledCode("97124", 33, 2), BilledCode("97140", 7, 0))
    assert session.counting_method == "per_code"


def test_cms_payer_bills_a_short_technique_when_the_total_allows():
    # Pub 100-04 ch.5 §20.2 example 3, with massage codes.
    session = record([technique("swedish", 33), technique("trigger_point", 7)])
    assert session.codes == (BilledCode("97124", 33, 2), BilledCode("97140", 7, 1))


def test_session_keeps_minutes_and_regions_per_technique():
    techniques = [
        technique("deep_tissue", 20, ["upper_back", "neck"]),
        technique("deep_tissue", 15, ["lower_back"]),
    ]
    session = record(techniques)
    assert session.techniques == tuple(techniques)
    assert session.codes == (BilledCode("97124", 35, 2),)


def test_more_minutes_than_the_appointment_lasts_are_refused():
    errors = rejection(techniques=[technique("swedish", 40), technique("myofascial_release", 25)])
    assert errors == {"techniques": ["65 minutes recorded in a 60-minute appointment"]}


def test_an_unknown_technique_is_refused_on_its_own_field():
    errors = rejection(techniques=[technique("swedish", 20), technique("hot_stone", 20)])
    assert errors == {"techniques[1].technique": ["unknown technique 'hot_stone'"]}


def test_a_technique_without_a_billing_code_is_refused():
    with pytest.raises(SessionRejected) as caught:
        record_session(
            a_60_minute_visit(), [technique("swedish")], NO_RESTRICTIONS, None, {}, "cms"
        )
    assert caught.value.errors == {"techniques[0].technique": ["no billing code for 'swedish'"]}


def test_unknown_body_regions_and_non_positive_minutes_are_refused():
    errors = rejection(techniques=[technique("swedish", 0, ["elbow"])])
    assert errors == {
        "techniques[0].minutes": ["minutes must be positive"],
        "techniques[0].body_regions": ["unknown body region 'elbow'"],
    }


def test_a_session_without_techniques_is_refused():
    assert rejection(techniques=[]) == {"techniques": ["record at least one technique"]}


def test_a_cancelled_appointment_cannot_be_recorded_as_a_session():
    with pytest.raises(SessionRejected) as caught:
        record_session(a_60_minute_visit("cancelled"), [technique()], NO_RESTRICTIONS, None, CODES)
    assert caught.value.errors == {"appointment": ["appointment is cancelled, not booked"]}


def test_a_restricted_technique_without_an_override_reason_is_refused():
    anticoagulant = Restrictions(restricted_techniques=frozenset({"deep_tissue", "trigger_point"}))
    errors = rejection(techniques=[technique("deep_tissue", 30)], restrictions=anticoagulant)
    assert errors == {"override_reason": ["needed to go past precautions: technique deep_tissue"]}


def test_a_restricted_region_without_an_override_reason_is_refused():
    healing_wound = Restrictions(restricted_regions=frozenset({"left_leg"}))
    errors = rejection(
        techniques=[technique("swedish", 30, ["left_leg", "right_leg"])],
        restrictions=healing_wound,
        override_reason="   ",
    )
    assert errors == {"override_reason": ["needed to go past precautions: region left_leg"]}


def test_pressure_over_the_limit_without_an_override_reason_is_refused():
    light_only = Restrictions(pressure_limit="light")
    errors = rejection(
        techniques=[technique("swedish", 30, pressure="moderate")], restrictions=light_only
    )
    assert errors == {
        "override_reason": ["needed to go past precautions: pressure moderate (limit light)"]
    }


def test_pressure_must_be_recorded_for_a_client_with_a_pressure_limit():
    errors = rejection(
        techniques=[technique("swedish", 30)], restrictions=Restrictions(pressure_limit="light")
    )
    assert errors == {"techniques[0].pressure": ["record the pressure (limit light)"]}


def test_pressure_within_the_limit_needs_no_override():
    session = record(
        [technique("swedish", 30, pressure="light")],
        restrictions=Restrictions(pressure_limit="moderate"),
    )
    assert session.overridden == ()
    assert session.override_reason is None


def test_a_restricted_technique_with_an_override_reason_is_recorded_with_the_reason():
    anticoagulant = Restrictions(restricted_techniques=frozenset({"trigger_point"}))
    session = record(
        [technique("trigger_point", 10), technique("trigger_point", 10, ["neck"])],
        restrictions=anticoagulant,
        override_reason="Physician cleared gentle trigger point work on 2026-03-01",
    )
    assert session.overridden == ("technique trigger_point",)
    assert session.override_reason == "Physician cleared gentle trigger point work on 2026-03-01"
    assert session.codes == (BilledCode("97140", 20, 1),)


def test_all_problems_are_reported_at_once():
    errors = rejection(
        techniques=[technique("hot_stone", 50), technique("swedish", 20, ["left_leg"])],
        restrictions=Restrictions(restricted_regions=frozenset({"left_leg"})),
    )
    assert set(errors) == {"techniques[0].technique", "techniques", "override_reason"}


# -- issue #13: where, when, and what the referral prescribes --------------------------------


def visited(place="11", day=(2026, 3, 10), today=(2026, 3, 10), prescribed=None, reason=None):
    return VisitFacts(date(*day), date(*today), place,
                        frozenset(prescribed) if prescribed is not None else None, reason)


def record_visit(techniques, visit):
    return record_session(a_60_minute_visit(), techniques, NO_RESTRICTIONS, None, CODES, "cms",
                          visit)


def visit_rejection(techniques, visit):
    with pytest.raises(SessionRejected) as caught:
        record_visit(techniques, visit)
    return caught.value.errors


def test_place_of_service_00_is_refused_naming_the_field():
    errors = visit_rejection([technique()], visited(place="00"))
    assert "place_of_service" in errors


def test_a_place_of_service_on_the_cms_list_is_recorded():
    session = record_visit([technique()], visited(place="12"))
    assert session.place_of_service == "12"


def test_a_date_of_service_still_to_come_is_refused():
    errors = visit_rejection([technique()], visited(day=(2026, 3, 11), today=(2026, 3, 10)))
    assert "date_of_service" in errors


def test_a_region_the_referral_does_not_prescribe_needs_a_reason():
    knee = [technique(regions=("lower_back", "left_knee"))]

    errors = visit_rejection(knee, visited(prescribed={"lower_back"}))
    session = record_visit(knee, visited(prescribed={"lower_back"}, reason="Gait compensation"))

    assert "left_knee" in errors["outside_referral_reason"][0]
    assert session.regions_outside_referral == ("left_knee",)
    assert session.outside_referral_reason == "Gait compensation"


def test_without_known_prescribed_regions_nothing_is_flagged():
    session = record_visit([technique(regions=("left_knee",))], visited(prescribed=None))
    assert session.regions_outside_referral == ()


def test_each_technique_is_a_line_under_its_code_and_a_codes_lines_add_up_to_its_units():
    session = record([technique("myofascial_release", 20, ("neck",)),
                      technique("trigger_point", 18, ("upper_back",)),
                      technique("swedish", 7, ("lower_back",))])

    by_code: dict[str, int] = {}
    for line in session.lines:
        by_code[line.code] = by_code.get(line.code, 0) + line.units
    assert by_code == {code.code: code.units for code in session.codes}
    assert [(line.code, line.technique) for line in session.lines] == [
        ("97124", "swedish"), ("97140", "myofascial_release"), ("97140", "trigger_point")]
