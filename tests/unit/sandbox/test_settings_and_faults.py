"""Stage delays come from arguments, the environment or defaults; faults of different
families stay armed side by side and are used up only by the requests they concern."""

import pytest

from deploy.sandbox_clearinghouse.__main__ import parse_arguments
from deploy.sandbox_clearinghouse.clearinghouse import Timings
from deploy.sandbox_clearinghouse.faults import ANSWER_MODES, Fault, FaultPlan
from deploy.sandbox_clearinghouse.server import make_server


def test_delays_default_to_0_1_and_2_seconds():
    assert Timings.from_environment({}) == Timings(0.0, 1.0, 2.0)


def test_delays_come_from_the_environment_unless_given():
    environ = {
        "SANDBOX_RECEIPT_DELAY_SECONDS": "0.5",
        "SANDBOX_ADJUDICATION_DELAY_SECONDS": "3",
        "SANDBOX_REMITTANCE_DELAY_SECONDS": "",
    }

    timings = Timings.from_environment(environ, adjudication_delay=0.1)

    assert timings == Timings(0.5, 0.1, 2.0)


@pytest.mark.parametrize(
    "environ",
    [{"SANDBOX_ADJUDICATION_DELAY_SECONDS": "soon"}, {"SANDBOX_RECEIPT_DELAY_SECONDS": "-1"}],
)
def test_a_delay_that_is_not_a_number_of_seconds_is_refused(environ):
    with pytest.raises(ValueError, match=r"SANDBOX_|receipt_delay"):
        Timings.from_environment(environ)


def test_make_server_takes_the_delays_and_the_command_line_passes_them(monkeypatch):
    monkeypatch.setenv("SANDBOX_REMITTANCE_DELAY_SECONDS", "7")
    with make_server(port=0, receipt_delay=0.1, adjudication_delay=0.2) as server:
        assert server.clearinghouse.timings == Timings(0.1, 0.2, 7.0)

    arguments = parse_arguments(["--adjudication-delay", "0.25", "--remittance-delay", "1"])
    assert (arguments.receipt_delay, arguments.adjudication_delay) == (None, 0.25)
    assert arguments.remittance_delay == 1.0


def test_faults_of_different_families_stay_armed_and_are_taken_by_their_own_requests():
    plan = FaultPlan()
    plan.arm(Fault.from_json({"mode": "503", "count": 1}))
    plan.arm(Fault.from_json({"mode": "ta1", "count": 2}))
    plan.arm(Fault.from_json({"mode": "truncate_clm01"}))

    assert plan.take().mode == "503"
    assert plan.take() is None  # transport used up; the others were not touched
    assert [plan.take(ANSWER_MODES).mode for _ in range(2)] == ["ta1", "ta1"]
    assert plan.take(ANSWER_MODES) is None
    assert plan.take(["truncate_clm01"]).mode == "truncate_clm01"
    assert plan.take(["truncate_clm01"]) is None


def test_arming_a_transport_fault_replaces_the_armed_one_and_clear_disarms_everything():
    plan = FaultPlan()
    plan.arm(Fault.from_json({"mode": "503", "count": 5}))
    plan.arm(Fault.from_json({"mode": "drop", "count": 1}))
    plan.arm(Fault.from_json({"mode": "garbage_999"}))

    assert plan.take().mode == "drop"
    assert plan.take() is None
    plan.clear()
    assert plan.take(ANSWER_MODES) is None


def test_drop_claim_from_277ca_defaults_to_every_stage():
    assert Fault.from_json({"mode": "drop_claim_from_277ca"}).stage == "all"


def test_a_transport_fault_armed_for_submissions_spares_the_report_mailbox():
    plan = FaultPlan()
    plan.arm(Fault.from_json({"mode": "503", "count": 1, "endpoint": "submit"}))
    assert plan.take(endpoint="reports") is None  # a client polls the mailbox all the time
    assert plan.take(endpoint="submit").mode == "503"
    assert plan.take(endpoint="submit") is None


def test_an_endpoint_is_only_for_transport_faults():
    with pytest.raises(ValueError, match="endpoint"):
        Fault.from_json({"mode": "ta1", "endpoint": "submit"})
    with pytest.raises(ValueError, match="endpoint must be one of"):
        Fault.from_json({"mode": "503", "endpoint": "everywhere"})
