"""StackSetView.start_drift_detection (private_bedrock/tools/verify/fleet_stacksets.py) while another
operation runs on the StackSet: it waits and retries, then gives up with the reason."""

from __future__ import annotations

from botocore.exceptions import ClientError

from private_bedrock.tools.verify.fleet_stacksets import StackSetView


def _in_progress() -> ClientError:
    return ClientError({"Error": {"Code": "OperationInProgressException", "Message": "Another Operation on StackSet is in progress"}},
                       "DetectStackSetDrift")


class BusyStackSet:
    """DetectStackSetDrift refused `busy` times, then started."""

    def __init__(self, busy: int) -> None:
        self.busy, self.calls = busy, 0

    def detect_stack_set_drift(self, **_: object) -> dict:
        self.calls += 1
        if self.calls <= self.busy:
            raise _in_progress()
        return {"OperationId": "op-1"}


def test_another_operation_in_progress_is_waited_for() -> None:
    view, cfn, slept = StackSetView("PrivateBedrock-us-east-1", "SELF"), BusyStackSet(busy=2), []
    view.start_drift_detection(cfn, sleep=slept.append)
    assert (view.drift_operation, view.drift_error, cfn.calls, slept) == ("op-1", None, 3, [5.0, 5.0])


def test_an_operation_that_outlasts_the_wait_is_the_reason() -> None:
    view, cfn, slept = StackSetView("PrivateBedrock-us-east-1", "SELF"), BusyStackSet(busy=100), []
    view.start_drift_detection(cfn, sleep=slept.append, wait_for_other=10.0)
    assert view.drift_operation is None and slept == [5.0, 5.0] and cfn.calls == 3
    assert view.drift_error is not None
    assert view.drift_error.startswith("StackSet PrivateBedrock-us-east-1: drift detection could not start: ")
