"""What the StackSets themselves say about a fleet, asked from the administrator account.

`make verify FLEET=...` judges each stack instance twice over: by its own deployed template
(private_bedrock/tools/verify/regional.py, in the member account) and by the StackSet that delivered it (here):

- the StackSet's template (DescribeStackSet `TemplateBody`) is the reference private_bedrock/tools/verify/regional.py
  judges each instance by: an instance whose own template (GetTemplate, read with the
  verifier role) differs was updated by hand (UpdateStack in the member account) and is
  named, with the resources that differ (private_bedrock/tools/verify/deployed_template.py template_differences);
- drift: DetectStackSetDrift runs CloudFormation's drift detection on every instance's stack;
  when the operation has finished, ListStackInstances gives each instance's `DriftStatus`
  and DescribeStackSet the StackSet's. Only `IN_SYNC` passes.

The two are complementary: drift detection compares an instance's resources with that
instance's *own* template (CloudFormation User Guide, "Performing drift detection on
CloudFormation StackSets": it "performs drift detection on the stack associated with each
stack instance"; read 2026-12-03), so a stack whose template was replaced by hand is in sync
with itself; the template comparison catches it.

Facts used (CloudFormation API Reference, read 2026-12-03): only one drift detection
operation runs on a StackSet at a time (OperationInProgressException otherwise);
StackSetDriftDetectionDetails describes the last *completed* detection; a DriftStatus is
DRIFTED, IN_SYNC, UNKNOWN or NOT_CHECKED. StackSets created by a delegated administrator
live in the management account ("Register a delegated administrator"), which is why the
caller policy (private_bedrock/policies/fleet.py) cannot name their account when callAs is
DELEGATED_ADMIN.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

# Drift detection changes nothing: every instance at once, and an instance whose detection
# fails (its DriftStatus then UNKNOWN, reported as not verified) does not stop the others.
DRIFT_PREFERENCES = {"MaxConcurrentPercentage": 100, "FailureTolerancePercentage": 100}
DRIFT_FINISHED = ("SUCCEEDED", "FAILED", "STOPPED")


class StackSetUnreadable(Exception):
    """One sentence: why a StackSet's template or drift could not be read."""


def canonical_template(body: Any) -> dict:
    """A template body (GetTemplate/DescribeStackSet give a JSON string; boto3 may already
    have parsed it) as a document. CDK writes JSON; a YAML body is refused, not guessed at."""
    if isinstance(body, Mapping):
        return dict(body)
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError):
        raise StackSetUnreadable("the template body is not JSON (this app's templates are; was it replaced by a YAML one?)") from None
    if not isinstance(parsed, dict):
        raise StackSetUnreadable("the template body is not a JSON object")
    return parsed


def template_sha256(template: Mapping) -> str:
    return hashlib.sha256(json.dumps(template, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass
class StackSetView:
    """One StackSet as its administrator sees it; filled in by `describe` and `drift`."""

    name: str
    call_as: str
    template: dict | None = None
    template_sha256: str | None = None
    error: str | None = None  # why the template could not be read (every instance is then unverified)
    drift_operation: str | None = None
    drift_operation_status: str | None = None
    drift_status: str | None = None  # the StackSet's (StackSetDriftDetectionDetails.DriftStatus)
    drift_error: str | None = None  # why drift could not be established
    instance_drift: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, region) -> DriftStatus

    def describe(self, cfn: Any) -> None:
        from private_bedrock.tools.verify.fleet_errors import explain

        try:
            stack_set = cfn.describe_stack_set(StackSetName=self.name, CallAs=self.call_as)["StackSet"]
            self.template = canonical_template(stack_set["TemplateBody"])
            self.template_sha256 = template_sha256(self.template)
        except StackSetUnreadable as exc:
            self.error = f"StackSet {self.name}: {exc}"
        except Exception as exc:  # noqa: BLE001
            self.error = f"StackSet {self.name}: {explain(exc, 'DescribeStackSet')}"

    def start_drift_detection(self, cfn: Any, sleep: Callable[[float], None] = time.sleep, wait_for_other: float = 300.0) -> None:
        """DetectStackSetDrift; while another operation runs on the StackSet (a deployment,
        someone else's detection), wait for it, up to `wait_for_other` seconds."""
        from private_bedrock.tools.verify.fleet_errors import error_code, explain

        waited, delay = 0.0, 5.0
        while True:
            try:
                self.drift_operation = cfn.detect_stack_set_drift(StackSetName=self.name, CallAs=self.call_as, OperationPreferences=DRIFT_PREFERENCES)["OperationId"]
                return
            except Exception as exc:  # noqa: BLE001
                if error_code(exc) == "OperationInProgressException" and waited < wait_for_other:
                    sleep(delay)
                    waited += delay
                    continue
                self.drift_error = f"StackSet {self.name}: drift detection could not start: {explain(exc, 'DetectStackSetDrift')}"
                return

    def finish_drift_detection(self, cfn: Any, deadline: float, poll: float = 15.0, sleep: Callable[[float], None] = time.sleep) -> None:
        """Wait for the detection (DescribeStackSetOperation: after 1 s, then twice as long
        each time up to `poll` s), then read the StackSet's and each instance's drift status
        (DescribeStackSet, ListStackInstances)."""
        from private_bedrock.tools.verify.fleet_errors import explain

        if self.drift_operation is None:
            return
        delay = 1.0
        try:
            while True:
                op = cfn.describe_stack_set_operation(StackSetName=self.name, OperationId=self.drift_operation, CallAs=self.call_as)["StackSetOperation"]
                self.drift_operation_status = op["Status"]
                if op["Status"] in DRIFT_FINISHED:
                    break
                if time.monotonic() >= deadline:
                    self.drift_error = f"StackSet {self.name}: drift detection {self.drift_operation} had not finished when the drift timeout passed (status {op['Status']})"
                    return
                sleep(delay)
                delay = min(poll, delay * 2)
            details = cfn.describe_stack_set(StackSetName=self.name, CallAs=self.call_as)["StackSet"].get("StackSetDriftDetectionDetails") or {}
            self.drift_status = details.get("DriftStatus")
            pages = cfn.get_paginator("list_stack_instances").paginate(StackSetName=self.name, CallAs=self.call_as)
            for page in pages:
                for s in page["Summaries"]:
                    self.instance_drift[(str(s["Account"]), s["Region"])] = s.get("DriftStatus", "NOT_CHECKED")
        except Exception as exc:  # noqa: BLE001
            self.drift_error = f"StackSet {self.name}: drift could not be read: {explain(exc, 'reading the drift detection')}"
