"""How the new forms become API bodies, and the APIs' field names become the forms'."""

from pathlib import Path

import yaml
from werkzeug.datastructures import MultiDict

from services.console.apis.base import ApiProblem
from services.console.config import ConsoleConfig
from services.console.views.billing import _in_form
from services.console.views.front_desk import _diagnosis_regions, _referral, _registration
from services.console.views.waitlist import _entry
from shared.config import Settings


def test_each_diagnosis_row_maps_the_regions_chosen_for_the_code_typed_in_that_place():
    form = MultiDict([("diagnosis_regions.0", "lower_back"), ("diagnosis_regions.1", "neck"),
                      ("diagnosis_regions.1", "upper_back")])
    assert _diagnosis_regions(form, ["M54.50", "M62.830"]) == [
        {"diagnosis": "M54.50", "body_regions": ["lower_back"]},
        {"diagnosis": "M62.830", "body_regions": ["neck", "upper_back"]}]


def test_with_no_region_chosen_for_any_diagnosis_the_map_is_left_out():
    assert _diagnosis_regions(MultiDict(), ["M54.50", "M62.830"]) is None


def test_the_referral_names_the_physician_in_parts_and_upper_cases_the_codes():
    body = _referral(MultiDict({"physician_last_name": " Osei ", "physician_first_name": "Helen",
                                "physician_credential": "", "physician_npi": "1234567893",
                                "diagnoses": "m54.50; m62.830"}))
    assert (body["physician_last_name"], body["physician_first_name"],
            body["physician_credential"]) == ("Osei", "Helen", None)
    assert body["diagnoses"] == ["M54.50", "M62.830"] and "physician_name" not in body


def test_a_secondary_coverage_is_sent_only_when_its_payer_or_member_is_given():
    base = {"first_name": "Nora", "coverage.payer_id": "ACME01", "coverage.member_id": "A1"}
    assert _registration(MultiDict(base))["secondary_coverage"] is None
    body = _registration(MultiDict(base | {"secondary_coverage.payer_id": "87726",
                                           "secondary_coverage.member_id": "U99",
                                           "secondary_coverage.relationship_to_subscriber":
                                               "self"}))
    assert body["secondary_coverage"]["member_id"] == "U99"
    assert body["coverage"]["member_id"] == "A1"


def test_a_waitlist_entry_has_one_preferred_window_or_any_time():
    anytime = _entry(MultiDict({"client_id": " c1 ", "service_id": "s1", "weekday": ""}))
    assert anytime["windows"] == [] and anytime["client_id"] == "c1"
    assert anytime["therapist_id"] is None
    tuesday = _entry(MultiDict({"client_id": "c1", "service_id": "s1", "weekday": "1",
                                "window_start": "09:00", "window_end": "12:00"}))
    assert tuesday["windows"] == [{"weekday": 1, "start": "09:00", "end": "12:00"}]


def test_the_fee_apis_field_names_become_the_fee_forms():
    problem = ApiProblem(400, "Invalid", errors={"entries.0.allowed_per_unit": ["Too small."],
                                                 "entries._schema": ["Ends before it starts."]})
    assert _in_form(problem, "fee").errors == {"fee.allowed_per_unit": ["Too small."],
                                               "fee._schema": ["Ends before it starts."]}


def test_the_notifications_address_comes_from_its_own_setting():
    settings = Settings(service="console", database_url="sqlite://",
                        extra={"CONSOLE_NOTIFICATIONS_URL": "http://notifications:8004"})
    assert ConsoleConfig.from_settings(settings).notifications_url == "http://notifications:8004"
    assert ConsoleConfig.from_settings(Settings(service="console", database_url="sqlite://")
                                       ).notifications_url == "http://127.0.0.1:8004"


def test_every_deployment_tells_the_console_where_each_of_the_four_services_is():
    root = Path(__file__).resolve().parents[3]
    compose = yaml.safe_load((root / "deploy" / "compose.yaml").read_text())["services"]
    k8s = "\n".join((root / "deploy" / "k8s" / "medmassage.yaml").read_text().splitlines())
    for service, port in (("screening", 8001), ("scheduling", 8002), ("claims", 8003),
                          ("notifications", 8004)):
        setting = f"CONSOLE_{service.upper()}_URL"
        assert compose["console"]["environment"][setting] == f"http://{service}:{port}"
        assert f"{setting}: http://{service}:{port}" in k8s
