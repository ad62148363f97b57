"""Scanner exceptions, written once: each names one finding and says why it is acceptable.

Security teams run cdk-nag (at synth), checkov and cfn-guard with the AWS Control Tower
proactive controls (on the templates). An exception is recorded for each from the same call
and the same reason: the cdk-nag acknowledgment, `Metadata.checkov.skip: [{id, comment}]`,
and `Metadata.guard.SuppressedRules: [rule]` with `Metadata.guard.Reasons: {rule: reason}`
(the AWS Guard Rules Registry's convention, which private_bedrock/tools/dev/cfn_guard.py applies) on the
CloudFormation resource(s) concerned.
"""

from __future__ import annotations

from typing import Sequence

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct

# The compliance packs whose rules share names (NIST 800-53 R5 and HIPAA Security).
COMPLIANCE_PACKS = ("NIST.800.53.R5", "HIPAA.Security")


def acknowledge(construct: IConstruct, rule_id: str, reason: str, *, checkov: Sequence[str] = (), guard: Sequence[str] = ()) -> None:
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))
    skip_scanners(construct, reason, checkov=checkov, guard=guard)


def acknowledge_compliance(construct: IConstruct, rule: str, reason: str, *, checkov: Sequence[str] = (), guard: Sequence[str] = ()) -> None:
    """Acknowledge a rule that both compliance packs report under the same name."""
    for pack in COMPLIANCE_PACKS:
        acknowledge(construct, f"{pack}-{rule}", reason)
    skip_scanners(construct, reason, checkov=checkov, guard=guard)


def skip_scanners(construct: IConstruct, reason: str, *, checkov: Sequence[str] = (), guard: Sequence[str] = ()) -> None:
    """Findings of the template scanners that no cdk-nag rule reports (or their half of one that does)."""
    for check in checkov:
        skip_checkov(construct, check, reason)
    for rule in guard:
        suppress_guard(construct, rule, reason)


def skip_checkov(construct: IConstruct, check_id: str, reason: str) -> None:
    """A checkov finding no cdk-nag rule reports (or the checkov half of one that does)."""
    for resource in _resources(construct):
        entry = resource.get_metadata("checkov") or {}
        skips = [s for s in entry.get("skip", []) if s["id"] != check_id]
        resource.add_metadata("checkov", {**entry, "skip": [*skips, {"id": check_id, "comment": reason}]})


def suppress_guard(construct: IConstruct, rule: str, reason: str) -> None:
    """A Control Tower (cfn-guard) rule, by the name cfn-guard reports, e.g. lambda_inside_vpc_check."""
    for resource in _resources(construct):
        entry = resource.get_metadata("guard") or {}
        rules = [r for r in entry.get("SuppressedRules", []) if r != rule]
        resource.add_metadata("guard", {"SuppressedRules": [*rules, rule], "Reasons": {**entry.get("Reasons", {}), rule: reason}})


def _resources(construct: IConstruct) -> list[CfnResource]:
    """The CloudFormation resource an L2 stands for, or every one under a plain construct."""
    if isinstance(construct, CfnResource):
        return [construct]
    child = construct.node.default_child
    if isinstance(child, CfnResource):
        return [child]
    return [c for c in construct.node.find_all() if isinstance(c, CfnResource)]
