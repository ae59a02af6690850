"""The sandbox's rules file: the documented example loads, and mistakes are refused loudly."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from deploy.sandbox_clearinghouse.rules import Denial, ProviderAdjustment, RejectionRules

EXAMPLE = {
    "reject_member_ids": ["BAD123"],
    "reject_payer_ids": ["NOPAYER"],
    "reject_when_missing_prior_auth_for_payers": ["AUTHPLAN"],
    "allowed": {"ACME01": {"97124": "30.00", "97140": "35.00"}},
    "deductible": {"ACME01": "100.00", "MEM123456": "20.00"},
    "coinsurance_percent": {"ACME01": "20"},
    "copay": {"MEMCOPAY": "15.00"},
    "deny": [
        {"procedure_code": "97124", "reason": "97", "remark": "M15"},
        {"member_id": "MEMNOTNEEDED", "reason": "50", "remark": "N115"},
        {"payer_id": "ACME01", "without_prior_authorization": True, "reason": "197"},
    ],
    "provider_adjustments": {"ACME01": [{"reason": "WO", "reference": "OVP-1", "amount": "12.50"}]},
}


def test_the_documented_example_loads_from_a_file(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(EXAMPLE))

    rules = RejectionRules.from_file(path)

    assert rules.reject_member_ids == frozenset({"BAD123"})
    adjudication = rules.adjudication
    assert adjudication.fee("ACME01", "97140") == Decimal("35.00")
    assert adjudication.fee("ACME01", "97530") is None
    assert adjudication.fee("OTHER", "97140") is None
    assert adjudication.deductible == {"ACME01": Decimal("100.00"), "MEM123456": Decimal("20.00")}
    assert adjudication.coinsurance_percent == {"ACME01": Decimal("20")}
    assert adjudication.deny[0] == Denial(reason="97", remark="M15", procedure_code="97124")
    assert adjudication.deny[2].without_prior_authorization
    assert adjudication.provider_adjustments["ACME01"] == (
        ProviderAdjustment("WO", Decimal("12.50"), "OVP-1"),
    )


def test_no_rules_means_no_rejections_and_nothing_but_full_payment():
    rules = RejectionRules.from_mapping({})

    assert rules == RejectionRules()
    assert rules.adjudication.deny == ()
    assert rules.adjudication.allowed == {}


@pytest.mark.parametrize(
    ("rules", "complaint"),
    [
        ({"reject_member_id": ["X"]}, "unknown rule keys"),
        ({"reject_member_ids": "BAD123"}, "list of strings"),
        ({"allowed": {"ACME01": {"97140": "35.001"}}}, "whole cents"),
        ({"allowed": {"ACME01": {"97140": "-1"}}}, "not negative"),
        ({"allowed": {"ACME01": ["97140"]}}, "JSON object"),
        ({"deductible": {"MEM1": "lots"}}, "not an amount"),
        ({"copay": {"MEM1": True}}, "an amount"),
        ({"coinsurance_percent": {"ACME01": "120"}}, "between 0 and 100"),
        ({"deny": {"procedure_code": "97124"}}, "list"),
        ({"deny": [{"procedure_code": "97124"}]}, "reason code"),
        ({"deny": [{"procedure_code": "97124", "reason": "97", "carc": "97"}]}, "unknown deny"),
        ({"deny": [{"reason": "50"}]}, "matches nothing"),
        ({"deny": [{"member_id": "M", "reason": "50", "group": "XX"}]}, "group"),
        ({"deny": [{"member_id": "M", "reason": "50", "remark": "see notes"}]}, "remark"),
        ({"provider_adjustments": {"ACME01": [{"reason": "ZZ", "amount": "1"}]}}, "PLB03-1"),
        ({"provider_adjustments": {"ACME01": [{"reason": "WO"}]}}, "amount"),
        ({"provider_adjustments": {"ACME01": {"reason": "WO"}}}, "is a list"),
    ],
)
def test_mistakes_in_the_rules_are_refused_with_the_reason(rules, complaint):
    with pytest.raises(ValueError, match=complaint):
        RejectionRules.from_mapping(rules)


def test_amounts_may_be_json_numbers_and_provider_adjustments_may_be_negative():
    rules = RejectionRules.from_mapping(
        {
            "allowed": {"ACME01": {"97140": 35.5}},
            "provider_adjustments": {"ACME01": [{"reason": "L6", "amount": "-1.25"}]},
        }
    )

    assert rules.adjudication.fee("ACME01", "97140") == Decimal("35.50")
    assert rules.adjudication.provider_adjustments["ACME01"][0].amount == Decimal("-1.25")


def test_the_example_rules_file_next_to_the_sandbox_loads():
    path = Path(__file__).parents[3] / "deploy" / "sandbox_clearinghouse" / "rules.example.json"

    rules = RejectionRules.from_file(path)

    assert rules.adjudication.fee("ACME01", "97124") == Decimal("30.00")
    assert len(rules.adjudication.deny) == 3
