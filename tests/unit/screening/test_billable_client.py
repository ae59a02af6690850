"""A client's record holds only what a claim can carry: identifiers, names, payer order."""

from datetime import date
from typing import Any

import pytest

from services.screening.domain import NotBillable, billable_client


def an_address(**fields: Any) -> dict[str, Any]:
    return {"line1": "12 Elm St", "line2": None, "city": "Albany", "state": "NY",
            "postal_code": "12207", **fields}


def a_coverage(**fields: Any) -> dict[str, Any]:
    return {"payer_id": "60054", "payer_name": "Aetna", "member_id": "W123456789",
            "group_number": "GRP-1", "relationship_to_subscriber": "self", "subscriber": None,
            **fields}


def a_client(**fields: Any) -> dict[str, Any]:
    return {"first_name": "Maria", "last_name": "Lopez", "birth_date": date(1980, 4, 12),
            "sex": "F", "address": an_address(), "phone": None, "email": None,
            "time_zone": None, "coverage": a_coverage(), "secondary_coverage": None, **fields}


def refusal(details: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(NotBillable) as refused:
        billable_client(details)
    return refused.value.errors


@pytest.mark.parametrize("member_id", ["W123\x0b456", "W123\x1e", "WÉ12345", "W12 Ø5"])
def test_a_control_character_or_a_non_ascii_letter_in_a_member_id_is_refused(member_id):
    # The finding: one such member id made the clearinghouse reject a whole interchange.
    errors = refusal(a_client(coverage=a_coverage(member_id=member_id)))

    assert list(errors) == ["coverage"] and list(errors["coverage"]) == ["member_id"]


@pytest.mark.parametrize(("field", "value"), [
    ("group_number", "GRP~1"), ("group_number", "G" * 51), ("payer_id", "6005*4"),
    ("payer_id", "6"),
])
def test_group_numbers_and_payer_ids_are_held_to_their_elements_too(field, value):
    errors = refusal(a_client(coverage=a_coverage(**{field: value})))

    assert list(errors["coverage"]) == [field]


def test_identifiers_are_kept_trimmed_and_in_capitals():
    kept = billable_client(a_client(coverage=a_coverage(member_id=" w123abc ",
                                                        group_number="grp-1")))

    assert (kept["coverage"]["member_id"], kept["coverage"]["group_number"]) == ("W123ABC",
                                                                                "GRP-1")


def test_a_secondary_payer_is_checked_like_the_primary():
    errors = refusal(a_client(secondary_coverage=a_coverage(payer_id="87726",
                                                            member_id="U\x009")))

    assert list(errors) == ["secondary_coverage"]
    assert list(errors["secondary_coverage"]) == ["member_id"]


def test_a_secondary_payer_without_a_primary_is_refused():
    errors = refusal(a_client(coverage=None, secondary_coverage=a_coverage()))

    assert "needs a primary" in errors["secondary_coverage"][0]


def test_the_same_payer_as_primary_and_secondary_is_refused():
    errors = refusal(a_client(secondary_coverage=a_coverage(payer_id=" 60054",
                                                            member_id="OTHER-1")))

    assert "is the primary payer" in errors["secondary_coverage"]["payer_id"][0]


def test_names_keep_their_spelling_when_they_have_a_latin_reading():
    kept = billable_client(a_client(first_name="Zoë", last_name="Ångström",
                                    address=an_address(city="Montréal")))

    assert (kept["first_name"], kept["last_name"], kept["address"]["city"]) == (
        "Zoë", "Ångström", "Montréal")


def test_a_billed_client_whose_name_has_no_latin_reading_is_asked_for_the_cards_spelling():
    errors = refusal(a_client(first_name="Анна", address=an_address(line1="東京")))

    assert set(errors) == {"first_name", "address"} and list(errors["address"]) == ["line1"]
    assert "insurance card" in errors["first_name"][0]


def test_a_self_paying_client_may_be_named_in_any_script():
    kept = billable_client(a_client(first_name="李", last_name="娜", coverage=None))

    assert kept["first_name"] == "李"


def test_a_subscribers_name_must_have_a_latin_reading_too():
    subscriber = {"first_name": "Иван", "last_name": "Lopez", "birth_date": date(1978, 1, 2),
                  "sex": "M", "address": an_address()}
    errors = refusal(a_client(coverage=a_coverage(relationship_to_subscriber="spouse",
                                                  subscriber=subscriber)))

    assert list(errors["coverage"]["subscriber"]) == ["first_name"]
