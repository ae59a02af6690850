"""The pure helpers behind the pages: problems from the APIs, units preview, charts, config."""

from pathlib import Path

import pytest
import requests
import yaml

from services.console.apis.base import problem_of
from services.console.charts import bar_chart, line_chart
from services.console.config import ConsoleConfig
from services.console.views.therapist import units_preview
from services.console.views.words import outcome, reason
from shared.config import PRODUCTION, ConfigurationError, Settings
from shared.tokens import generate_signing_key

ROOT = Path(__file__).resolve().parents[3]


def an_answer(status: int, body: bytes, content_type: str = "application/problem+json"):
    answer = requests.Response()
    answer.status_code = status
    answer._content = body
    answer.headers["Content-Type"] = content_type
    return answer


def test_nested_field_errors_of_a_problem_become_dotted_field_names():
    problem = problem_of(an_answer(400, b'{"title": "Invalid request", "detail": "See errors.",'
                                        b' "errors": {"address": {"postal_code": ["Use a ZIP."]},'
                                        b' "techniques": {"0": {"minutes": ["Too many."]}}}}'))
    assert problem.message == "See errors."
    assert problem.field_errors() == {"address.postal_code": ["Use a ZIP."],
                                      "techniques.0.minutes": ["Too many."]}


def test_reasons_given_as_objects_or_codes_are_kept_as_words():
    problem = problem_of(an_answer(422, b'{"title": "Refused", "reasons": ['
                                        b'{"code": "x", "text": "Member id unknown."},'
                                        b' "no_visits_left"]}'))
    assert problem.reasons == ["Member id unknown.", "no_visits_left"]
    assert reason("no_visits_left") == "The referral has no authorized visits left."
    assert reason("something_new") == "something_new"


def test_an_answer_that_is_not_json_still_gives_a_readable_problem():
    problem = problem_of(an_answer(502, b"<html>bad gateway</html>", "text/html"))
    assert problem.status == 502 and problem.message


def test_the_units_preview_applies_the_eight_minute_rule_across_codes():
    preview = units_preview([
        {"technique": "myofascial_release", "minutes": 23, "body_regions": [], "pressure": None},
        {"technique": "swedish", "minutes": 30, "body_regions": [], "pressure": None}])
    assert preview["total_minutes"] == 53 and preview["total_units"] == 4
    assert preview["codes"] == [{"code": "97124", "minutes": 30, "units": 2},
                                {"code": "97140", "minutes": 23, "units": 2}]


def test_the_units_preview_ignores_rows_without_whole_minutes():
    assert units_preview([{"technique": "swedish", "minutes": "ten", "body_regions": [],
                           "pressure": None}])["codes"] == []


def test_a_bar_chart_scales_bars_to_a_round_axis_top():
    chart = bar_chart("A/R", [("0-30", 120), ("31-60", 0), ("61-90", 60)], unit="$")
    tallest, empty, half = chart.bars
    assert chart.ticks[-1][1] == "$200"
    assert tallest.height == pytest.approx(2 * half.height)
    assert empty.height == 0 and tallest.shown == "$120"


def test_an_empty_chart_still_has_an_axis():
    assert bar_chart("Lag", []).ticks[-1][1] == "1"


def test_outcomes_read_as_the_front_desk_says_them():
    assert outcome("needs_clearance") == "Needs a physician's clearance first"


def test_a_production_console_refuses_to_start_without_its_own_signing_key():
    settings = Settings(service="console", database_url="sqlite://", mode=PRODUCTION)
    with pytest.raises(ConfigurationError, match="MEDMASSAGE_JWT_PRIVATE_KEY"):
        ConsoleConfig.from_settings(settings, "")
    production = ConsoleConfig.from_settings(settings, _a_private_key())
    assert production.secure_cookies


def _a_private_key() -> str:
    return generate_signing_key().private_pem().decode()


def test_the_deployments_run_the_console_on_port_8000_after_its_migration():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    assert compose["console"]["environment"]["SERVICE"] == "console"
    assert compose["console"]["ports"] == ["8000:8000"]
    assert compose["console-migrate"]["command"][-2:] == ["services.console", "migrate"]
    documents = list(yaml.safe_load_all((ROOT / "deploy" / "k8s" / "medmassage.yaml")
                                        .read_text()))
    (console,) = [d for d in documents if d["kind"] == "Deployment"
                  and d["metadata"]["name"] == "console"]
    container = console["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 8000}
    assert "CREATE DATABASE console;" in (ROOT / "deploy" / "postgres-init.sql").read_text()


def test_a_line_chart_puts_each_state_s_counts_over_time_on_one_axis():
    chart = line_chart("Claims", ["10:00", "10:10", "10:20"],
                       {"paid": [0, 2, 4], "rejected": [1, 1, 0]})
    paid, rejected = chart.lines
    assert (chart.first, chart.latest) == ("10:00", "10:20")
    assert paid.last == "4" and rejected.last == "0"
    xs = [float(point.split(",")[0]) for point in paid.points.split()]
    ys = [float(point.split(",")[1]) for point in paid.points.split()]
    assert xs == sorted(xs) and ys[0] == chart.baseline and ys[2] < ys[1] < ys[0]
