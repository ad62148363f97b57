"""cdk-nag 3.x acknowledgments: each one names one finding and says why it is acceptable."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

# The compliance packs whose rules share names (NIST 800-53 R5 and HIPAA Security).
COMPLIANCE_PACKS = ("NIST.800.53.R5", "HIPAA.Security")


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def acknowledge_compliance(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge a rule that both compliance packs report under the same name."""
    for pack in COMPLIANCE_PACKS:
        acknowledge(construct, f"{pack}-{rule}", reason)
