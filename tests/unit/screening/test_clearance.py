"""A physician's clearance lifts needs_clearance / not_eligible but keeps what must stay."""

import pytest

from services.screening.domain import (
    ClearanceNotNeeded,
    InvalidClearance,
    apply_clearance,
    is_current,
)
from shared.vocabulary import BOOKABLE_OUTCOMES
from tests.unit.screening.builders import SCREENED_ON, a_clearance, a_screening, an_injury


def test_thrombocytopenia_once_cleared_allows_light_pressure_only():
    cleared = apply_clearance(a_screening(conditions={"severe_thrombocytopenia"}), a_clearance())

    assert cleared.outcome == "cleared_with_precautions"
    assert cleared.pressure_limit == "light"


def test_a_cleared_dvt_with_nothing_else_restricted_is_simply_cleared():
    cleared = apply_clearance(a_screening(conditions={"dvt_suspected"}), a_clearance())

    assert cleared.outcome == "cleared"
    assert cleared.outcome in BOOKABLE_OUTCOMES and is_current(cleared, SCREENED_ON)


def test_a_cleared_client_on_warfarin_still_may_not_have_deep_tissue_or_trigger_point():
    cleared = apply_clearance(a_screening(medications=["Coumadin 5 mg"]), a_clearance())

    assert cleared.outcome == "cleared_with_precautions"
    assert cleared.restricted_techniques == {"deep_tissue", "trigger_point"}


def test_a_cleared_dvt_keeps_the_fractured_region_ruled_out():
    screening = a_screening(
        conditions={"dvt_current"}, injuries=[an_injury("fracture", "right_leg")]
    )

    cleared = apply_clearance(screening, a_clearance())

    assert cleared.outcome == "cleared_with_precautions"
    assert cleared.restricted_regions == {"right_leg"}


def test_the_physicians_own_restrictions_are_added_to_the_rules():
    screening = a_screening(conditions={"severe_osteoporosis"})
    clearance = a_clearance(
        restricted_techniques={"rehabilitative_stretching"},
        restricted_regions={"lower_back"},
        pressure_limit="light",
    )

    cleared = apply_clearance(screening, clearance)

    assert cleared.restricted_techniques == {"joint_mobilization", "rehabilitative_stretching"}
    assert cleared.restricted_regions == {"lower_back"}
    assert cleared.pressure_limit == "light"


def test_a_physician_cannot_loosen_a_pressure_limit_set_by_the_rules():
    screening = a_screening(conditions={"severe_thrombocytopenia"})

    cleared = apply_clearance(screening, a_clearance(pressure_limit="deep"))

    assert cleared.pressure_limit == "light"


def test_the_cleared_screening_records_the_clearance_and_keeps_its_reasons_and_expiry():
    screening = a_screening(conditions={"bleeding_disorder"})
    clearance = a_clearance(note="Gentle work only, recheck in 3 months.")

    cleared = apply_clearance(screening, clearance)

    assert cleared.clearance == clearance
    assert cleared.reasons == screening.reasons
    assert cleared.expires_on == screening.expires_on
    assert cleared.rules_version == screening.rules_version


def test_a_clearance_is_refused_for_a_cleared_screening():
    with pytest.raises(ClearanceNotNeeded):
        apply_clearance(a_screening(), a_clearance())


def test_a_clearance_is_refused_for_a_screening_already_cleared_with_precautions():
    screening = a_screening(injuries=[an_injury("burn", "chest")])

    with pytest.raises(ClearanceNotNeeded):
        apply_clearance(screening, a_clearance())


def test_a_clearance_with_a_luhn_invalid_npi_is_refused():
    with pytest.raises(InvalidClearance, match="NPI"):
        a_clearance(physician_npi="1234567890")


def test_a_clearance_without_the_physicians_name_is_refused():
    with pytest.raises(InvalidClearance, match="name"):
        a_clearance(physician_name="  ")


@pytest.mark.parametrize(
    "restriction",
    [
        {"restricted_techniques": {"cupping"}},
        {"restricted_regions": {"left_elbow"}},
        {"pressure_limit": "firm"},
    ],
)
def test_a_clearance_restriction_outside_the_shared_vocabulary_is_refused(restriction):
    with pytest.raises(InvalidClearance):
        a_clearance(**restriction)
