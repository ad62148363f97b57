"""Scanner exceptions, written once: each names one finding and says why it is acceptable.

Security teams run cdk-nag (at synth) and checkov (on the templates). An exception is
recorded for both from the same call and the same reason: the cdk-nag acknowledgment, and
`Metadata.checkov.skip: [{id, comment}]` on the CloudFormation resource(s) concerned.
"""

from __future__ import annotations

from typing import Sequence

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct

# The compliance packs whose rules share names (NIST 800-53 R5 and HIPAA Security).
COMPLIANCE_PACKS = ("NIST.800.53.R5", "HIPAA.Security")


def acknowledge(construct: IConstruct, rule_id: str, reason: str, *, checkov: Sequence[str] = ()) -> None:
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))
    for check in checkov:
        skip_checkov(construct, check, reason)


def acknowledge_compliance(construct: IConstruct, rule: str, reason: str, *, checkov: Sequence[str] = ()) -> None:
    """Acknowledge a rule that both compliance packs report under the same name."""
    for pack in COMPLIANCE_PACKS:
        acknowledge(construct, f"{pack}-{rule}", reason)
    for check in checkov:
        skip_checkov(construct, check, reason)


def skip_checkov(construct: IConstruct, check_id: str, reason: str) -> None:
    """A checkov finding no cdk-nag rule reports (or the checkov half of one that does)."""
    for resource in _resources(construct):
        entry = resource.get_metadata("checkov") or {}
        skips = [s for s in entry.get("skip", []) if s["id"] != check_id]
        resource.add_metadata("checkov", {**entry, "skip": [*skips, {"id": check_id, "comment": reason}]})


def _resources(construct: IConstruct) -> list[CfnResource]:
    """The CloudFormation resource an L2 stands for, or every one under a plain construct."""
    if isinstance(construct, CfnResource):
        return [construct]
    child = construct.node.default_child
    if isinstance(child, CfnResource):
        return [child]
    return [c for c in construct.node.find_all() if isinstance(c, CfnResource)]
