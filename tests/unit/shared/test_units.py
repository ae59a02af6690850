"""The 15-minute unit rules, checked against the worked examples of Pub 100-04 ch.5 §20.2."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.billing.techniques import load_technique_codes, minutes_by_code
from shared.billing.units import compute_units, units_for_minutes

TABLE_EDGES = [
    (0, 0),
    (7, 0),
    (8, 1),
    (22, 1),
    (23, 2),
    (37, 2),
    (38, 3),
    (52, 3),
    (53, 4),
    (67, 4),
    (68, 5),
    (127, 8),
    (128, 9),
]


# --- Pub 100-04 ch.5 §20.2 worked examples (CMS total-time method) -----------------


def test_manual_example_1_more_units_go_to_the_code_with_more_time():
    # 24 min 97112 + 23 min 97110 = 47 min -> 3 units: 2 x 97112, 1 x 97110.
    assert compute_units({"97112": 24, "97110": 23}) == {"97112": 2, "97110": 1}


def test_manual_example_2_equal_times_give_the_extra_unit_to_one_code_only():
    # 20 min 97112 + 20 min 97110 = 40 min -> 3 units: "choose either code for 2 units",
    # never 3 of one. Our tie-break picks the lower code number.
    assert compute_units({"97112": 20, "97110": 20}) == {"97110": 2, "97112": 1}


def test_manual_example_3_a_code_under_8_minutes_still_bills_when_its_minutes_are_larger():
    # 33 min 97110 + 7 min 97140 = 40 min -> 3 units: 2 x 97110 (first 30 min), then the
    # 7 min of 97140 beat the 3 leftover min of 97110.
    assert compute_units({"97110": 33, "97140": 7}) == {"97110": 2, "97140": 1}


def test_manual_example_4_the_smallest_service_is_dropped_when_units_run_out():
    # 18 min 97110 + 13 min 97140 + 10 min 97116 + 8 min 97035 = 49 min -> 3 units:
    # one each of 97110, 97140, 97116 and none of 97035.
    minutes = {"97110": 18, "97140": 13, "97116": 10, "97035": 8}
    assert compute_units(minutes) == {"97110": 1, "97116": 1, "97140": 1}


def test_two_short_services_totalling_8_minutes_bill_one_unit_of_the_longer():
    # §20.2: two services of 7 minutes or less whose total is 8 or more -> "bill one
    # unit for the service performed for the most minutes".
    assert compute_units({"97124": 5, "97140": 4}) == {"97124": 1}


def test_cms_three_equal_short_services_bill_one_unit_chosen_by_code_order():
    assert compute_units({"97140": 7, "97124": 7, "97112": 7}) == {"97112": 1}


def test_cms_equal_leftovers_prefer_the_code_with_more_total_minutes():
    # 24 + 9 = 33 min -> 2 units; 97140 has its whole unit, both leftovers are 9 min.
    assert compute_units({"97124": 9, "97140": 24}) == {"97140": 2}


def test_cms_visit_under_8_minutes_bills_nothing():
    assert compute_units({"97124": 4, "97140": 3}) == {}


def test_medical_massage_example_53_minutes_bills_two_of_each_code():
    # 23 min myofascial release (97140) + 30 min Swedish (97124) = 53 min -> 4 units.
    assert compute_units({"97140": 23, "97124": 30}) == {"97124": 2, "97140": 2}


# --- per-code ("substantial portion") method ---------------------------------------


def test_per_code_counts_each_code_on_its_own():
    assert compute_units({"97110": 33, "97140": 7}, method="per_code") == {"97110": 2}


def test_per_code_can_bill_more_units_than_total_time_would():
    # 10 + 10 = 20 min is 1 unit under CMS, but each code alone reaches 8 minutes.
    assert compute_units({"97124": 10, "97140": 10}, method="per_code") == {
        "97124": 1,
        "97140": 1,
    }
    assert compute_units({"97124": 10, "97140": 10}) == {"97124": 1}


@pytest.mark.parametrize(("minutes", "units"), TABLE_EDGES)
@pytest.mark.parametrize("method", ["cms", "per_code"])
def test_single_code_follows_the_8_minute_table_edges(method, minutes, units):
    expected = {"97124": units} if units else {}
    assert compute_units({"97124": minutes}, method=method) == expected


@pytest.mark.parametrize(("minutes", "units"), TABLE_EDGES)
def test_units_for_minutes_follows_the_table(minutes, units):
    assert units_for_minutes(minutes) == units


# --- refusals ----------------------------------------------------------------------


def test_unknown_counting_method_is_refused():
    with pytest.raises(ValueError, match="unknown counting method"):
        compute_units({"97124": 30}, method="rounded")


@pytest.mark.parametrize("method", ["cms", "per_code"])
def test_negative_minutes_are_refused(method):
    with pytest.raises(ValueError, match="negative"):
        compute_units({"97124": 30, "97140": -1}, method=method)


def test_no_minutes_bill_no_units():
    assert compute_units({}) == {}
    assert compute_units({}, method="per_code") == {}


# --- properties ----------------------------------------------------------------------

codes = st.sampled_from(["97124", "97140", "97110", "97112", "97116"])
visits = st.dictionaries(codes, st.integers(min_value=0, max_value=200), max_size=5)
methods = st.sampled_from(["cms", "per_code"])


@given(visits)
def test_cms_total_units_equal_the_table_for_the_summed_minutes(minutes):
    assert sum(compute_units(minutes).values()) == units_for_minutes(sum(minutes.values()))


@given(visits)
def test_cms_gives_each_code_at_least_its_whole_15_minute_units(minutes):
    units = compute_units(minutes)
    for code, code_minutes in minutes.items():
        assert units.get(code, 0) >= code_minutes // 15


@given(visits)
def test_per_code_never_bills_a_code_under_8_minutes(minutes):
    units = compute_units(minutes, method="per_code")
    for code, code_minutes in minutes.items():
        if code_minutes < 8:
            assert code not in units


@given(visits, methods)
def test_every_listed_code_bills_a_positive_number_of_units(minutes, method):
    assert all(units > 0 for units in compute_units(minutes, method).values())


@given(visits, methods, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_codes_were_recorded(minutes, method, rnd):
    items = list(minutes.items())
    rnd.shuffle(items)
    reordered = compute_units(dict(items), method)
    original = compute_units(minutes, method)
    assert reordered == original
    assert list(reordered) == list(original)


@given(codes, st.integers(min_value=0, max_value=500))
def test_per_code_and_cms_agree_for_a_single_code(code, minutes):
    assert compute_units({code: minutes}, "per_code") == compute_units({code: minutes}, "cms")


# --- technique -> code map ------------------------------------------------------------


def test_default_map_bills_swedish_and_deep_tissue_as_massage():
    technique_codes = load_technique_codes()
    assert technique_codes["swedish"] == technique_codes["deep_tissue"] == "97124"


def test_default_map_bills_manual_therapy_techniques_as_97140():
    technique_codes = load_technique_codes()
    manual = [
        "myofascial_release",
        "trigger_point",
        "rehabilitative_stretching",
        "manual_lymphatic_drainage",
        "joint_mobilization",
    ]
    assert {technique_codes[t] for t in manual} == {"97140"}


def test_a_clinic_map_naming_an_unknown_technique_is_refused(tmp_path):
    path = tmp_path / "codes.json"
    path.write_text('{"hot_stone": "97124"}', encoding="utf-8")
    with pytest.raises(ValueError, match="hot_stone"):
        load_technique_codes(path)


def test_a_clinic_map_naming_an_untimed_code_is_refused(tmp_path):
    path = tmp_path / "codes.json"
    path.write_text('{"swedish": "97010"}', encoding="utf-8")
    with pytest.raises(ValueError, match="97010"):
        load_technique_codes(path)


def test_minutes_of_techniques_sharing_a_code_add_up():
    technique_minutes = [("swedish", 20), ("myofascial_release", 15), ("deep_tissue", 10)]
    assert minutes_by_code(technique_minutes, load_technique_codes()) == {
        "97124": 30,
        "97140": 15,
    }


def test_minutes_of_a_technique_without_a_code_are_refused():
    with pytest.raises(ValueError, match="trigger_point"):
        minutes_by_code({"trigger_point": 10}, {"swedish": "97124"})
