"""The default contraindications table (docs/DOMAIN.md §Screening), finding by finding and mixed."""

import pytest

from services.screening.domain import Injury, InvalidQuestionnaire, Questionnaire, evaluate
from tests.unit.screening.builders import RULES, SCREENED_ON, a_screening, an_injury


def test_a_client_with_nothing_to_report_is_cleared_without_precautions():
    screening = a_screening()

    assert screening.outcome == "cleared"
    assert screening.reasons == ()
    assert not screening.has_precautions()


def test_suspected_dvt_makes_a_client_not_eligible():
    screening = a_screening(conditions={"dvt_suspected"})

    assert screening.outcome == "not_eligible"
    assert [reason.code for reason in screening.reasons] == ["deep_vein_thrombosis"]


def test_current_dvt_makes_a_client_not_eligible():
    assert a_screening(conditions={"dvt_current"}).outcome == "not_eligible"


def test_severe_thrombocytopenia_needs_clearance_and_limits_pressure_to_light():
    screening = a_screening(conditions={"severe_thrombocytopenia"})

    assert screening.outcome == "needs_clearance"
    assert screening.pressure_limit == "light"


def test_a_platelet_count_below_the_threshold_counts_as_severe_thrombocytopenia():
    screening = a_screening(platelet_count=49_999)

    assert screening.outcome == "needs_clearance"
    assert [reason.code for reason in screening.reasons] == ["severe_thrombocytopenia"]
    assert "49,999/µL" in screening.reasons[0].text


def test_a_platelet_count_at_the_threshold_is_no_finding():
    assert a_screening(platelet_count=50_000).outcome == "cleared"


def test_a_bleeding_disorder_needs_clearance_and_rules_out_deep_tissue_and_trigger_point():
    screening = a_screening(conditions={"bleeding_disorder"})

    assert screening.outcome == "needs_clearance"
    assert screening.restricted_techniques == {"deep_tissue", "trigger_point"}
    assert screening.pressure_limit is None


def test_an_anticoagulant_has_the_same_effect_as_a_bleeding_disorder():
    screening = a_screening(medications=["warfarin"])

    assert screening.outcome == "needs_clearance"
    assert screening.restricted_techniques == {"deep_tissue", "trigger_point"}


def test_an_antiplatelet_has_the_same_effect_as_a_bleeding_disorder():
    screening = a_screening(medications=["clopidogrel 75 mg daily"])

    assert screening.outcome == "needs_clearance"
    assert screening.restricted_techniques == {"deep_tissue", "trigger_point"}


def test_severe_osteoporosis_needs_clearance_and_rules_out_deep_pressure_and_joint_mobilization():
    screening = a_screening(conditions={"severe_osteoporosis"})

    assert screening.outcome == "needs_clearance"
    assert screening.pressure_limit == "moderate"
    assert screening.restricted_techniques == {"joint_mobilization"}


def test_an_unhealed_fracture_only_rules_out_its_body_region():
    screening = a_screening(injuries=[an_injury("fracture", "right_arm")])

    assert screening.outcome == "cleared_with_precautions"
    assert screening.restricted_regions == {"right_arm"}
    assert screening.restricted_techniques == frozenset()


def test_a_healed_fracture_restricts_nothing():
    screening = a_screening(injuries=[an_injury("fracture", "right_arm", healed=True)])

    assert screening.outcome == "cleared"
    assert not screening.has_precautions()


def test_an_open_or_healing_wound_rules_out_its_body_region():
    screening = a_screening(injuries=[an_injury("wound", "left_leg")])

    assert screening.outcome == "cleared_with_precautions"
    assert screening.restricted_regions == {"left_leg"}


def test_a_burn_rules_out_its_body_region():
    screening = a_screening(injuries=[an_injury("burn", "left_hand")])

    assert screening.outcome == "cleared_with_precautions"
    assert screening.restricted_regions == {"left_hand"}
    assert [reason.code for reason in screening.reasons] == ["burn_or_wound"]


def test_a_client_on_warfarin_with_a_left_leg_wound_gets_both_effects():
    screening = a_screening(medications=["Warfarin 5mg"], injuries=[an_injury("wound", "left_leg")])

    assert screening.outcome == "needs_clearance"
    assert screening.restricted_techniques == {"deep_tissue", "trigger_point"}
    assert screening.restricted_regions == {"left_leg"}
    assert {reason.code for reason in screening.reasons} == {"bleeding_risk", "burn_or_wound"}


def test_dvt_with_a_fracture_is_not_eligible_and_still_rules_out_the_fractured_region():
    screening = a_screening(
        conditions={"dvt_current"}, injuries=[an_injury("fracture", "right_leg")]
    )

    assert screening.outcome == "not_eligible"
    assert screening.restricted_regions == {"right_leg"}


def test_the_lightest_pressure_limit_wins_when_rules_disagree():
    screening = a_screening(conditions={"severe_osteoporosis", "severe_thrombocytopenia"})

    assert screening.pressure_limit == "light"
    assert screening.restricted_techniques == {"joint_mobilization"}


def test_every_injured_region_is_ruled_out():
    screening = a_screening(
        injuries=[an_injury("wound", "left_leg"), an_injury("burn", "right_hand")]
    )

    assert screening.restricted_regions == {"left_leg", "right_hand"}


def test_each_reason_says_what_was_found():
    screening = a_screening(medications=["Eliquis 5 mg twice daily"])

    assert "Eliquis 5 mg twice daily (apixaban, anticoagulant)" in screening.reasons[0].text


def test_the_outcome_reports_the_rules_version_it_was_decided_under():
    assert a_screening().rules_version == RULES.version == "2026.1"


def test_a_condition_the_rules_do_not_know_is_refused_rather_than_ignored():
    with pytest.raises(InvalidQuestionnaire) as refusal:
        evaluate(Questionnaire(conditions={"dvt"}), RULES, SCREENED_ON)

    assert "'dvt'" in refusal.value.errors["conditions"][0]


def test_an_injury_of_an_unknown_kind_or_region_is_refused():
    with pytest.raises(InvalidQuestionnaire):
        Injury("bruise", "left_leg", healed=False)
    with pytest.raises(InvalidQuestionnaire):
        Injury("wound", "left_elbow", healed=False)


def test_a_negative_platelet_count_is_refused():
    with pytest.raises(InvalidQuestionnaire):
        Questionnaire(platelet_count=-1)
