"""The last lines of `make synth`'s summary: what to run next for this configuration.

Every command is a Makefile target with the arguments it takes (Makefile: bootstrap, deploy,
verify, fence-ids, deploy-fence, deploy-fleet); the order is the rollout order of docs/stacksets.md and docs/organisation-fence.md:
regional stacks (or the StackSets) first, the organisation fence last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

# stacks/fence_stack.py: Organizations lives in us-east-1, the fence stack with it.
FENCE_REGION = "us-east-1"


@dataclass(frozen=True)
class RegionalDesign:
    """What the next steps need from one regional stack's template."""

    region: str
    topology: str  # standalone, hub or spoke
    existing_vpc: bool
    probe_role_name: str | None = None  # a spoke's named probe role (the hub lists it)
    hub_cidrs: tuple[str, ...] = ()  # a spoke's route to the hub


def _bootstrap(account: str, regions: Sequence[str], fence_stack: bool, credentials: str, extra: str = "") -> str:
    where = f"once per account and region: {', '.join(regions)}; CDK bootstrap version 21+{extra}"
    if fence_stack:
        # `make bootstrap` bootstraps every environment of the app, the fence's management account included.
        envs = ", ".join(f"`npx cdk bootstrap aws://{account}/{r}`" for r in regions)
        return f"{envs} with {credentials} ({where}; not `make bootstrap`, which would also try the fence's management account)"
    return f"`make bootstrap` with {credentials} ({where})"


def _fence_steps(fence: Mapping[str, Any], credentials: str) -> list[str]:
    account = fence.get("managementAccount") or "<managementAccount>"
    deploy = (
        f"`make deploy-fence` with the management account {account}'s credentials (its {FENCE_REGION} bootstrapped: "
        f"`npx cdk bootstrap aws://{account}/{FENCE_REGION}`); attach to a test OU first"
    )
    enable = "set fence.enabled to true (with managementAccount, targets, breakGlassPrincipalArns) and `make synth` again"
    if fence.get("stack"):
        return [deploy]
    if fence.get("placeholders"):
        return [f"`make fence-ids` with {credentials}: stores the deployed endpoint ids in cdk.context.json (commit it)", enable, deploy]
    return [enable, deploy]


def regional_steps(designs: Sequence[RegionalDesign], fence: Mapping[str, Any] | None) -> list[str]:
    regions = [d.region for d in designs]
    topologies = {d.topology for d in designs}
    fence_stack = bool(fence and fence.get("stack"))
    credentials = "the credentials of the account these stacks are for"
    steps = []
    for d in designs:
        if d.topology == "spoke":
            role = f"arn:aws:iam::<this account>:role/{d.probe_role_name}" if d.probe_role_name else "this spoke's probe role (output ProbeRoleArn)"
            route = f"; this VPC must route to {', '.join(d.hub_cidrs)} (Transit Gateway or peering: yours)" if d.hub_cidrs else ""
            steps.append(f"{d.region}: the hub lists {role} in spokePrincipalArns and is deployed first (its Route 53 Profile is then shared with this account){route}")
    steps.append(_bootstrap("<account>", regions, fence_stack, credentials))
    deploy_region = regions[0] if len(regions) == 1 else "all"
    steps.append(f"`make deploy REGION={deploy_region}` with the same credentials (looks up the account, synthesizes with it, deploys {', '.join(regions)})")
    steps.append(" then ".join(f"`make verify REGION={r}`" for r in regions) + " (both probes against the deployed stack; exit 1 on any mismatch)")
    for d in designs:
        if d.topology == "hub":
            cidr = "HubVpcCidr (hubVpcCidr)" if not d.existing_vpc else "the hub VPC's range (hubVpcCidr)"
            steps.append(f"{d.region}: give each spoke the outputs of PrivateBedrock-{d.region}: <Service>EndpointId (hubEndpointIds), {cidr}, DnsProfileId (hubDnsProfileId)")
    where = "the hub's spokePrincipalArns" if topologies == {"spoke"} else "extraPrincipalArns" + (" (a spoke's: the hub's spokePrincipalArns)" if "spoke" in topologies else "")
    shown = "" if topologies == {"spoke"} else "; `make synth` then shows it admitted" + (" (a spoke's: the hub's synth)" if "spoke" in topologies else "")
    steps.append(f"attach the SourceVpceOnlyPolicyArn output to each workload role and list the role in {where}{shown}")
    if fence and fence.get("configured"):
        steps += _fence_steps(fence, credentials)
    return steps


def fleet_steps(fleet: Mapping[str, Any], fence: Mapping[str, Any] | None) -> list[str]:
    admin = fleet.get("administratorAccount")
    order = list(fleet.get("regionOrder", []))
    home = fleet.get("homeRegion")
    regions = list(dict.fromkeys([home, *order])) if home else order
    trusted = "once, from the management account: `aws cloudformation activate-organizations-access`"
    if fleet.get("callAs") == "DELEGATED_ADMIN":
        trusted += (
            " and `aws organizations register-delegated-administrator --service-principal "
            f"member.org.stacksets.cloudformation.amazonaws.com --account-id {admin}`"
        )
    fence_stack = bool(fence and fence.get("stack"))
    steps = [
        trusted,
        _bootstrap(str(admin), regions, fence_stack, f"the administrator account {admin}'s credentials", "; the member accounts need none"),
        f"`make deploy-fleet` with the same credentials: the asset buckets, then the StackSets in order {' -> '.join(order)} (point organizationalUnits at a test OU first)",
        "`make verify FLEET=cdk.out` as one of the verifierCallerArns (with the managed policy "
        f"{fleet.get('verifierCallerPolicy', 'PrivateBedrockFleetVerifyCaller')})",
    ]
    if fence and fence.get("configured"):
        # A fleet's fence names no endpoint ids (its manifest has no placeholders): no `make fence-ids`.
        steps += _fence_steps(fence, "")
    return steps


def next_step_lines(steps: Sequence[str]) -> list[str]:
    return ["next steps:"] + [f"  {n}. {step}" for n, step in enumerate(steps, 1)]
