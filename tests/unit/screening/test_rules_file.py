"""The rules table is data: the shipped file covers docs/DOMAIN.md §Screening; bad ones fail."""

import pytest

from services.screening.domain import RulesFileError, evaluate, parse_rules
from tests.unit.screening.builders import (
    RULES,
    SCREENED_ON,
    a_questionnaire,
    a_rule_entry,
    an_injury,
    shipped_rules_data,
)


def test_the_shipped_rules_cover_every_contraindication_of_the_domain_table():
    assert {rule.code for rule in RULES.rules} == {
        "deep_vein_thrombosis",
        "severe_thrombocytopenia",
        "bleeding_risk",
        "severe_osteoporosis",
        "unhealed_fracture",
        "burn_or_wound",
    }


def test_a_clinic_can_change_an_outcome_by_editing_the_data():
    data = shipped_rules_data()
    data["version"] = "clinic-7"
    data["rules"] = [a_rule_entry(outcome="needs_clearance")]
    rules = parse_rules(data, RULES.medications)

    screening = evaluate(a_questionnaire(injuries=[an_injury()]), rules, SCREENED_ON)

    assert screening.outcome == "needs_clearance"
    assert screening.rules_version == "clinic-7"


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        (a_rule_entry(outcome="maybe"), "maybe"),
        (a_rule_entry(when={"conditions": ["pregnancy"]}), "pregnancy"),
        (a_rule_entry(when={"medication_classes": ["thrombolytic"]}), "thrombolytic"),
        (a_rule_entry(when={"unhealed_injuries": ["bruise"]}), "bruise"),
        (a_rule_entry(precautions={"restricted_techniques": ["cupping"]}), "cupping"),
        (a_rule_entry(precautions={"pressure_limit": "firm"}), "firm"),
        (a_rule_entry(when={"platelet_count_bellow": 50_000}), "platelet_count_bellow"),
        (a_rule_entry(precautions={"avoid_region": True}), "avoid_region"),
    ],
)
def test_a_rule_naming_something_unknown_is_refused(entry, named):
    data = shipped_rules_data()
    data["rules"].append(entry)

    with pytest.raises(RulesFileError, match=named):
        parse_rules(data, RULES.medications)


def test_a_rule_without_any_trigger_is_refused():
    data = shipped_rules_data()
    data["rules"].append(a_rule_entry(when={}))

    with pytest.raises(RulesFileError, match="no trigger"):
        parse_rules(data, RULES.medications)


def test_a_rules_file_without_a_version_is_refused():
    data = shipped_rules_data()
    del data["version"]

    with pytest.raises(RulesFileError, match="version"):
        parse_rules(data, RULES.medications)
