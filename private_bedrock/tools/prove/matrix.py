"""The IAM allow/deny matrix: principals x requests x network paths, per region.

Every cell is one request evaluated by @cloud-copilot/iam-simulate (private_bedrock/tools/prove/simulate.mjs)
against the policies the synthesized template deploys, and compared with what the design
promises (`expected`). This module only builds the cells and states the promise; the IAM
evaluation itself is the simulator's.

Principals (chosen to show each layer doing its job):
- workload: each role of the template the endpoint policies name, and each role of an in-VPC
  Lambda function (both: the probe role); it carries the SourceVpce-only identity policy.
- control: each role of the template that carries the identity policy but is not named by
  the endpoint policies (the outside-VPC control probe): its identity policy would allow the
  allow-listed calls through our endpoints, so a refusal there is the endpoint policy's.
- broad workload: a role that carries the identity policy *and* the admin policy below, not
  named by the endpoint policies: only the identity policy's Denies hold it, so every cell
  off our endpoints (the CloudFormation one included) shows those Denies doing their job.
  (Left out of the "identity" layer setting, where a full-access endpoint would let its
  admin policy through by design.)
- same-account admin: a role of the deployment's account that does *not* carry the identity
  policy and holds `bedrock:*` + `bedrock-mantle:*` on `*`. Through our endpoints only the
  endpoint policy stands in its way, so the matrix shows the endpoint policy alone refusing.
  Off our endpoints nothing in this deployment governs it: those cells are expected to be
  allowed, and the table marks them as outside the deployment's control.
- other-account admin: the same admin policy in another account (444455556666), calling its
  own account's resources (a foundation model is evaluated with the caller's account). It
  shows our endpoints refuse a foreign principal even for a model ARN that has no account.

Paths: through this deployment's endpoint of the request's service (aws:SourceVpce = its id,
its endpoint policy applies); through another VPC endpoint (a foreign id with the default
full-access policy); not through any VPC endpoint (no aws:SourceVpce, no endpoint policy);
and through CloudFormation acting with the caller's identity (aws:ViaAWSService true,
aws:CalledVia cloudformation.amazonaws.com, no aws:SourceVpce): the identity policy has no
exemption for services acting on the caller's behalf, so this path is refused like any other
path off our endpoints. The requests are built in private_bedrock/tools/prove/requests.py.

The promise: through our endpoints, exactly the workload roles' allow-listed requests are
allowed; off our endpoints, only principals that do not carry the identity policy and hold
their own Bedrock permissions (the admins) are allowed, and no one else.

Layers: the promise is checked with both policy layers in place ("both"), and with each
layer on its own, so a layer loosened while the other still refuses fails a cell too:
- "identity": our endpoints carry the full-access policy; the identity policy alone must
  confine the roles that carry it (workload and control alike) to the allow list, through
  our endpoints only;
- "endpoint": every role of the template holds the admin policy instead of its own; the
  endpoint policies alone must admit exactly the workload roles' allow-listed requests.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from private_bedrock.tools.prove.deployment import Deployment, read_deployment
from private_bedrock.tools.prove.requests import MatrixInputError, Request, requests_for
from private_bedrock.tools.report.assembly import templates_by_region
from private_bedrock.tools.prove.fence import FenceLayer, concrete_principal_arn, requested_region
from private_bedrock.tools.prove.resolve import ACCOUNT, PARTITION
from private_bedrock.tools.prove.simulation_cache import SimulationCache
from private_bedrock.tools.prove.spokes import listed_spoke_principals, spoke_deployment, spoke_principals

ROOT = Path(__file__).resolve().parents[3]
NODE = ROOT / "node_modules" / ".bin" / "node"
SIMULATE = Path(__file__).with_name("simulate.mjs")

OTHER_ACCOUNT = "444455556666"
FOREIGN_VPCE = "vpce-0f0f0f0f0f0f0f0f0"
SESSION = "prove-matrix"

# The admin of the matrix: every model prefix, plus Amazon Q in Connect (wisdom), whose AI
# prompts pick a model (the fence's FenceUnjudgedModels cell).
ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "BedrockAdmin",
            "Effect": "Allow",
            "Action": ["bedrock:*", "bedrock-mantle:*", "bedrock-websearch:*", "bedrock-agentcore:*", "nova-act:*", "aws-external-anthropic:*", "wisdom:*"],
            "Resource": "*",
        }
    ],
}
# An account administrator (AdministratorAccess): under the fence only, where it shows that
# the SCPs hold whatever the principal's own policies allow.
STAR_ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "Administrator", "Effect": "Allow", "Action": "*", "Resource": "*"}]}
# The default policy AWS gives an endpoint created without one.
FULL_ACCESS_ENDPOINT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}

ALLOW, DENY = "allow", "deny"
LAYERS = ("both", "identity", "endpoint")


class SimulationError(RuntimeError):
    """The simulator could not evaluate a cell as built (invalid policy, action, ARN, key)."""


@dataclass(frozen=True)
class Principal:
    key: str  # column header
    kind: str  # workload | control | broad | admin | breakglass | exempt | spoke | spoke-unlisted
    role_arn: str
    account: str
    policies: tuple[tuple[str, Mapping[str, Any]], ...]
    note: str
    org: str | None = None  # aws:PrincipalOrgID (modelled where a hub names its organisation)
    org_paths: tuple[str, ...] = ()  # aws:PrincipalOrgPaths (modelled where a hub names OUs)

    @property
    def session_arn(self) -> str:
        name = self.role_arn.rsplit("/", 1)[1]
        return f"arn:{PARTITION}:sts::{self.account}:assumed-role/{name}/{SESSION}"


@dataclass(frozen=True)
class NetPath:
    key: str  # own | foreign | none
    label: str


PATHS = (
    NetPath("own", "this deployment's endpoint"),
    NetPath("foreign", "another VPC endpoint (full access)"),
    NetPath("none", "no VPC endpoint"),
    # A service acting with the caller's identity (forward access session): no aws:SourceVpce,
    # aws:ViaAWSService true, aws:CalledVia naming the service. CloudFormation is the one an
    # attacker with cloudformation:CreateStack would use (issue 9 section 1).
    NetPath("cfn", "CloudFormation on the caller's behalf"),
)
CLOUDFORMATION = "cloudformation.amazonaws.com"


@dataclass(frozen=True)
class Cell:
    region: str
    principal: Principal
    request: Request
    path: NetPath
    expected: str
    got: str | None = None
    reason: str = ""
    config: str = "default"  # the name of the synthesized configuration
    layer: str = "both"  # which policy layers are in place (LAYERS)
    fenced: bool = False  # also under the organisation fence's SCPs (private_bedrock/tools/prove/fence.py)
    # The statements that decided the cell, as "<policy>/<Sid>": the matching Allows of an
    # allowed cell, the matching Denies of an explicitly denied one, "no Allow in <policy>"
    # for each layer that denied implicitly (the evidence an auditor ties to the template).
    statements: tuple[str, ...] = ()

    @property
    def fence_decided(self) -> bool:
        """Whether the organisation fence's SCPs decided this cell (its S! denials and the
        break-glass principal's exemption): true only of cells evaluated under the fence."""
        return self.fenced and ("service control policy" in self.reason or self.principal.kind == "breakglass")

    @property
    def ok(self) -> bool:
        return self.got == self.expected

    @property
    def ungoverned(self) -> bool:
        """Allowed by design only because nothing in this deployment applies to the call."""
        return self.expected == ALLOW and not governs(self.layer, self.principal, self.path, self.fenced, self.request)

    def describe(self) -> str:
        return (
            f"config {self.config} | layer {self.layer} | region {self.region} | principal {self.principal.key} ({self.principal.role_arn}) | "
            f"request {self.request.label} [{self.request.action} on {self.request.for_account(self.principal.account)[0]}] | "
            f"path {self.path.label} | expected {self.expected} | got {self.got} ({self.reason})"
        )


@dataclass(frozen=True)
class RegionMatrix:
    region: str
    deployment: Deployment
    principals: tuple[Principal, ...]
    requests: tuple[Request, ...]
    cells: tuple[Cell, ...]
    simulator: str = ""
    config: str = "default"
    layer: str = "both"
    fenced: bool = False  # evaluated with the organisation fence's SCPs (private_bedrock/tools/prove/fence.py)

    @property
    def topology(self) -> str:
        return str(self.deployment.metadata.get("topology", "standalone"))

    def unexpected(self) -> list[Cell]:
        return [c for c in self.cells if not c.ok]

    def cell(self, principal: str, request: str, path: str) -> Cell:
        return next(c for c in self.cells if (c.principal.key, c.request.key, c.path.key) == (principal, request, path))


@dataclass(frozen=True)
class Expectations:
    """Design switches the template metadata carries (with their defaults)."""

    endpoint_policy: str = "allow"  # "deny" flips every endpoint to an explicit Deny
    allow_api_keys: bool = False
    capabilities: frozenset[str] = frozenset({"inference", "streaming"})
    guardrail_arn: str | None = None

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any]) -> "Expectations":
        # The stack writes its design switches into Metadata.PrivateBedrock.
        return cls(
            endpoint_policy=meta["endpointPolicy"],
            allow_api_keys=bool(meta["allowApiKeys"]),
            capabilities=frozenset(meta["capabilities"]),
            guardrail_arn=meta.get("guardrailArn"),
        )

    def has(self, capability: str) -> bool:
        return capability in self.capabilities


def _short(logical_id: str) -> str:
    """ProbeInVpcRoleC1045263 -> ProbeInVpcRole (drop CDK's 8-hex-digit suffix)."""
    return logical_id[:-8] if len(logical_id) > 8 and all(c in "0123456789ABCDEF" for c in logical_id[-8:]) else logical_id


def principals_for(dep: Deployment, fence: FenceLayer | None = None, layer: str = "both") -> tuple[Principal, ...]:
    """The workload roles are those the endpoint policies name plus the roles of in-VPC Lambda
    functions (the probe), so a loosened or emptied principal list in an endpoint policy
    cannot change who the matrix expects to succeed."""
    by_arn = {r.arn: r for r in dep.roles.values()}
    workload = [by_arn[arn].logical_id for arn in dep.endpoint_principal_arns if arn in by_arn]
    # extraPrincipalArns name roles outside the template; their policies are unknown here.
    workload += [lid for lid in dep.in_vpc_roles if lid not in workload]
    out: list[Principal] = []
    for lid in workload:
        role = dep.roles[lid]
        if role.opaque_policy_arns:
            raise SimulationError(f"{lid} has managed policies the matrix cannot read: {role.opaque_policy_arns}")
        out.append(Principal(_short(lid), "workload", role.arn, dep.account, dep.policies_of(lid), role.description or "named by the endpoint policies"))
    if not out:
        raise SimulationError(f"{dep.region}: no workload role (named by the endpoint policies or running in the VPC) in the template")
    for lid in dep.identity_policy_roles:
        role = dep.roles[lid]
        if lid in workload:
            continue
        if role.opaque_policy_arns:
            raise SimulationError(f"{lid} has managed policies the matrix cannot read: {role.opaque_policy_arns}")
        out.append(Principal(_short(lid), "control", role.arn, dep.account, dep.policies_of(lid), (role.description or "") + "; carries the identity policy, not named by the endpoint policies"))
    out += _extra_principals(dep)
    if layer != "identity":
        # A workload role someone also gave broad Bedrock rights (AmazonBedrockFullAccess-like):
        # only the identity policy's Denies keep it on our endpoints, which is what the
        # CloudFormation path tests (an exemption for forwarding services would open it).
        identity = tuple((name, doc) for name, doc in dep.policies_of(dep.identity_policy_roles[0]) if name == dep.identity_policy_id)
        out.append(Principal("broad workload", "broad", f"arn:{PARTITION}:iam::{dep.account}:role/BroadWorkload", dep.account, identity + (("BedrockAdmin", ADMIN_POLICY),), "the identity policy plus bedrock:* etc. on *, not named by the endpoint policies"))
    out.append(Principal("same-account admin", "admin", f"arn:{PARTITION}:iam::{dep.account}:role/BedrockAdmin", dep.account, (("BedrockAdmin", ADMIN_POLICY),), "bedrock:*, bedrock-mantle:* and the tool prefixes on *, no identity policy of this deployment"))
    out.append(Principal("other-account admin", "admin", f"arn:{PARTITION}:iam::{OTHER_ACCOUNT}:role/BedrockAdmin", OTHER_ACCOUNT, (("BedrockAdmin", ADMIN_POLICY),), "the same admin policy in another account"))
    if fence is not None and fence.break_glass_principal_arns:
        arn = concrete_principal_arn(fence.break_glass_principal_arns[0])
        out.append(Principal("break-glass admin", "breakglass", arn, arn.split(":")[4], (("BedrockAdmin", ADMIN_POLICY),), "the admin policy, on the fence's break-glass list (fence.breakGlassPrincipalArns)"))
    if fence is not None:
        star = (("Administrator", STAR_ADMIN_POLICY),)
        out.append(Principal("account admin", "admin", f"arn:{PARTITION}:iam::{dep.account}:role/Administrator", dep.account, star, "*:* (AdministratorAccess), no identity policy of this deployment"))
        if fence.exempt_service_role_arns:
            arn = fence.exempt_service_role_arns[0]
            note = "*:*, on the fence's exemptServiceRoleArns: exempt from the network statement only"
            out.append(Principal("exempt service role", "exempt", arn, arn.split(":")[4], star, note))
    # A hub that names its organisation: the roles of the hub's own account are members of it.
    org = hub_organization(dep)
    return tuple(replace(p, org=org) if org and p.account == dep.account else p for p in out)


def hub_organization(dep: Deployment) -> str | None:
    """The organisation a hub admits (spokeOrganizationArn): the hub's own account is in it."""
    return dep.metadata.get("spokeOrganizationId")


def _extra_principals(dep: Deployment) -> list[Principal]:
    """The user's extraPrincipalArns: roles outside the template that the endpoint policies name.

    Their own policies are unknown here; docs/models-and-residency.md asks that each carries this region's
    SourceVpceOnlyPolicy, so that is what the matrix gives them (and only that). A role in
    another account cannot carry this account's managed policy: the note says so.
    """
    template_arns = {r.arn for r in dep.roles.values()}
    # A hub's spoke roles carry their spoke's identity policy, not this one: they are the
    # spoke columns when the spoke template is paired (private_bedrock/tools/prove/spokes.py).
    spoke_arns = set(dep.metadata.get("spokePrincipalArns", []))
    extra = [arn for arn in dep.endpoint_principal_arns if arn not in template_arns and arn not in spoke_arns]
    if not extra:
        return []
    carrier = next(iter(dep.identity_policy_roles), None)
    identity = tuple((n, d) for n, d in dep.policies_of(carrier) if n == dep.identity_policy_id) if carrier else ()
    if not identity:
        raise SimulationError(f"{dep.region}: the identity policy is attached to no role of the template; cannot model extraPrincipalArns")
    out = []
    for arn in extra:
        account = arn.split(":")[4]
        note = "your extraPrincipalArns entry, modelled carrying SourceVpceOnlyPolicy only (its other policies are not known here)"
        if account != dep.account:
            note += f"; in account {account}, not the deployment's {dep.account}: it would need its own copy of the policy"
        out.append(Principal(f"{arn.rsplit('/', 1)[1]} (extra)", "workload", arn, account, identity, note))
    return out


def governs(layer: str, principal: Principal, path: NetPath, fenced: bool = False, request: Request | None = None) -> bool:
    """Whether a policy of this deployment applies to the cell in this layer setting."""
    if fenced and principal.kind == "admin":
        return True  # the organisation fence applies to every principal but the break-glass list
    if fenced and principal.kind == "exempt":
        # Off our endpoints an exempt service role is held only by the fence's other statements.
        return path.key == "own" or (request is not None and request.fence_refuses)
    outsider = principal.kind in ("admin", "breakglass", "exempt")  # carries no policy of this deployment
    if layer == "identity":
        return not outsider  # only the identity policy is ours
    if layer == "endpoint":
        return path.key == "own"  # only the endpoint policies are ours
    return path.key == "own" or not outsider


def expected(principal: Principal, request: Request, path: NetPath, exp: Expectations, layer: str = "both", fenced: bool = False) -> str:
    if not governs(layer, principal, path, fenced, request):
        # Nothing of this deployment applies: the principal's own permissions decide.
        return ALLOW
    if path.key != "own":
        # Off our endpoints the identity policy's Allows are void and its Deny applies.
        return DENY
    if layer == "identity":
        # Behind a full-access endpoint the identity policy allows its allow list to
        # every role that carries it.
        ok = request.allow_listed
    else:
        # A spoke role the hub lists is a workload of the hub's endpoints (private_bedrock/tools/prove/spokes.py).
        ok = principal.kind in ("workload", "spoke") and request.allow_listed and exp.endpoint_policy == "allow"
    return ALLOW if ok else DENY


def _simulation(dep: Deployment, p: Principal, r: Request, path: NetPath, layer: str = "both", scps: Sequence[Mapping[str, Any]] = (), fence: FenceLayer | None = None) -> dict[str, Any]:
    resource, ctx = r.for_account(p.account)
    ctx = {"aws:PrincipalArn": p.role_arn, "aws:PrincipalAccount": p.account, "aws:RequestedRegion": requested_region(resource, dep.region), **ctx}
    ctx.update(principal_and_resource_keys(p, resource))
    if fence is not None:
        ctx.update(fence.endpoint_owner(path.key, dep.account))  # a fleet fence's aws:VpceAccount
    policies = (("BedrockAdmin", ADMIN_POLICY),) if layer == "endpoint" else p.policies
    sim: dict[str, Any] = {
        "request": {"principal": p.session_arn, "action": r.action, "resource": {"resource": resource, "accountId": p.account}, "contextVariables": ctx},
        "identityPolicies": [{"name": name, "policy": doc} for name, doc in policies],
        "serviceControlPolicies": list(scps),
        "resourceControlPolicies": [],
    }
    if path.key == "own":
        ep = dep.endpoints[r.service]
        ctx["aws:SourceVpce"] = ep.vpce_id
        policy = FULL_ACCESS_ENDPOINT_POLICY if layer == "identity" else ep.policy
        sim["vpcEndpointPolicies"] = [{"name": ep.logical_id, "policy": policy}]
    elif path.key == "cfn":
        ctx.update({"aws:ViaAWSService": "true", "aws:CalledVia": [CLOUDFORMATION], "aws:CalledViaFirst": CLOUDFORMATION, "aws:CalledViaLast": CLOUDFORMATION})
    elif path.key == "foreign":
        ctx["aws:SourceVpce"] = FOREIGN_VPCE
        sim["vpcEndpointPolicies"] = [{"name": "ForeignFullAccessEndpoint", "policy": FULL_ACCESS_ENDPOINT_POLICY}]
    return sim


def principal_and_resource_keys(p: Principal, resource: str) -> dict[str, Any]:
    """aws:PrincipalOrgID where the principal is modelled in an organisation, and
    aws:ResourceAccount for a resource an account owns (a foundation model's ARN has no
    account; what AWS puts there for one is not documented, so the key is left out)."""
    keys: dict[str, Any] = {"aws:PrincipalOrgID": p.org} if p.org else {}
    if p.org_paths:
        keys["aws:PrincipalOrgPaths"] = list(p.org_paths)
    parts = resource.split(":")
    if len(parts) > 5 and parts[4]:
        keys["aws:ResourceAccount"] = parts[4]
    return keys


def simulate(simulations: Sequence[Mapping[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Run a batch through one Node process; returns (simulator version, results in order).

    Identical simulations (the same request under the same policies: the layers and the
    configurations of a sweep share most cells) are evaluated once; the simulator is
    deterministic, so each copy gets that one result. With PROVE_SIMULATION_CACHE set (`make
    mutate` only), results are also kept on disk keyed by the exact simulation
    (private_bedrock/tools/prove/simulation_cache.py).
    """
    keys = [json.dumps(s, sort_keys=True, separators=(",", ":")) for s in simulations]
    unique = list(dict.fromkeys(keys))
    cache = SimulationCache.from_environment(SIMULATE, ROOT / "node_modules")
    known = cache.read(unique) if cache else {}
    todo = [k for k in unique if k not in known]
    version = next((k["simulator"] for k in known.values()), "")
    fresh: dict[str, dict[str, Any]] = {}
    if todo or not version:
        payload = '{"cells":[' + ",".join(f'{{"id":"{i}","simulation":{k}}}' for i, k in enumerate(todo)) + "]}"
        node = str(NODE) if NODE.exists() else "node"
        proc = subprocess.run([node, str(SIMULATE)], input=payload, capture_output=True, text=True, cwd=ROOT, timeout=300)
        if proc.returncode != 0:
            raise SimulationError(f"{SIMULATE.name} failed (exit {proc.returncode}):\n{proc.stderr}")
        out = json.loads(proc.stdout)
        version = out["simulator"]
        by_id = {r["id"]: r for r in out["results"]}
        fresh = {k: {f: v for f, v in by_id[str(i)].items() if f != "id"} for i, k in enumerate(todo)}
        if cache:
            cache.write(version, fresh)
    results = {**{k: v["result"] for k, v in known.items()}, **fresh}
    # Each caller gets its own copy (the same result may answer several cells).
    return version, [dict(results[k]) for k in keys]


def deciding_statements(result: Mapping[str, Any], simulation: Mapping[str, Any]) -> tuple[str, ...]:
    """The statements that decided a cell (Cell.statements), from the simulator's analysis:
    the matching Allows of an allowed cell, the matching Denies of an explicitly denied one,
    "no Allow in <policies>" for each layer that denied implicitly."""
    layers = result.get("statements") or {}
    order = ("identity", "endpoint", "resource")
    if result["decision"] == "Allowed":
        return tuple(s for layer in order for s in layers.get(layer, {}).get("allow", []))
    if result["decision"] == "ExplicitlyDenied":
        denies = [s for layer in order for s in layers.get(layer, {}).get("deny", [])]
        return tuple(denies + list(result.get("scpDenials") or []))
    names = {
        "identity": [p["name"] for p in simulation["identityPolicies"]],
        "endpoint": [p["name"] for p in simulation.get("vpcEndpointPolicies", [])],
        "resource": ["the resource policy"] if simulation.get("resourcePolicy") else [],
    }
    out = [
        f"no Allow in {', '.join(names[layer]) or 'any ' + layer + ' policy'}"
        for layer in order
        if layers.get(layer, {}).get("result", result.get(layer)) == "ImplicitlyDenied" and (names[layer] or layer == "identity")
    ]
    if result.get("scp") == "ImplicitlyDenied":
        out.append("no Allow in the service control policies")
    return tuple(out) or ("no Allow in any applicable policy",)


def _reason(result: Mapping[str, Any]) -> str:
    if result["decision"] == "Allowed":
        return ""
    parts = []
    for layer, key in (("endpoint policy", "endpoint"), ("identity", "identity")):
        verdict = result.get(key)
        if verdict == "ExplicitlyDenied":
            parts.append(f"{layer} (explicit)")
        elif verdict == "ImplicitlyDenied":
            parts.append(layer)
    if result.get("scp") == "ExplicitlyDenied":
        parts.append(f"service control policy (explicit: {', '.join(result.get('scpDenials') or [])})")
    elif result.get("scp") == "ImplicitlyDenied":
        parts.append("service control policy")
    return " + ".join(parts) or ", ".join(result.get("blockedBy") or []) or "denied"


@dataclass(frozen=True)
class Job:
    """One template to evaluate: which configuration, region and layer setting."""

    config: str
    region: str
    template: Mapping[str, Any]
    layer: str = "both"
    # A spoke template paired with this (hub) template: its roles become spoke columns.
    spoke: Mapping[str, Any] | None = None


def prove(
    templates: Mapping[str, Mapping[str, Any]],
    account: str = ACCOUNT,
    *,
    layer: str = "both",
    config: str = "default",
    fence: FenceLayer | None = None,
    spokes: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[RegionMatrix]:
    """Build and evaluate the matrix of every region's template in one simulator run.

    With `fence`, every principal is also under the organisation fence's SCPs. `spokes`:
    region -> a spoke template paired with that region's hub template; its roles become the
    hub matrix's spoke columns (private_bedrock/tools/prove/spokes.py).
    """
    return prove_many([Job(config, region, t, layer, (spokes or {}).get(region)) for region, t in templates.items()], account, fence=fence)


def prove_many(jobs: Sequence[Job], account: str = ACCOUNT, fence: FenceLayer | None = None) -> list[RegionMatrix]:
    """Every job's matrix, all cells evaluated by one simulator process."""
    plans: list[tuple[Job, Deployment, tuple[Principal, ...], tuple[Request, ...], list[Cell]]] = []
    sims: list[dict[str, Any]] = []
    deployments = []
    for job in jobs:
        if job.layer not in LAYERS:
            raise ValueError(f"unknown layer {job.layer!r}; use one of {LAYERS}")
        dep = read_deployment(job.template, job.region, account)
        if dep.metadata.get("topology") == "spoke":
            # No endpoints of its own: its roles call through the hub's, whose policies are in
            # the hub's assembly. Alone, only its identity policy is evaluated, the hub's
            # endpoints standing in with full access (private_bedrock/tools/prove/spokes.py); paired with the
            # hub's template (Job.spoke), its roles are the hub matrix's spoke columns.
            dep, job = spoke_deployment(dep), replace(job, layer="identity")
        deployments.append((job, dep))
    # The fence names the endpoints by their real (or placeholder) ids; the matrix by its own.
    matrix_ids = {(d.region, svc): ep.vpce_id for _, d in deployments for svc, ep in d.endpoints.items()}
    scps = fence.service_control_policies(matrix_ids) if fence is not None else []
    fenced = fence is not None
    for job, dep in deployments:
        exp = Expectations.from_metadata(dep.metadata)
        try:
            principals, requests = principals_for(dep, fence, job.layer), requests_for(dep, exp, fence)
        except MatrixInputError as err:
            raise SimulationError(str(err)) from err
        if job.spoke is not None:
            principals += tuple(spoke_principals(dep, job.spoke, Principal))
        else:
            principals += tuple(listed_spoke_principals(dep, job.template, Principal))
        cells = [
            Cell(job.region, p, r, path, expected(p, r, path, exp, job.layer, fenced), config=job.config, layer=job.layer, fenced=fenced)
            for r in requests
            for path in PATHS
            for p in principals
        ]
        sims += [_simulation(dep, c.principal, c.request, c.path, job.layer, scps, fence) for c in cells]
        plans.append((job, dep, principals, requests, cells))
    if not plans:
        return []
    version, results = simulate(sims)
    it = iter(results)
    matrices = []
    sims_it = iter(sims)
    for job, dep, principals, requests, cells in plans:
        done = []
        for cell in cells:
            res, sim = next(it), next(sims_it)
            if res.get("error"):
                raise SimulationError(f"the simulator rejected a cell: {cell.describe()}\n{res['error']}")
            if res.get("ignoredContextKeys"):
                raise SimulationError(f"the simulator ignored context keys {res['ignoredContextKeys']} (not valid for the action): {cell.describe()}")
            got = ALLOW if res["decision"] == "Allowed" else DENY
            done.append(replace(cell, got=got, reason=_reason(res), statements=deciding_statements(res, sim)))
        matrices.append(RegionMatrix(dep.region, dep, principals, requests, tuple(done), version, job.config, job.layer, fenced))
    return matrices


def load_templates(cdk_out: Path) -> dict[str, dict[str, Any]]:
    """region -> template of every PrivateBedrock-<region> stack the assembly's manifest lists
    (never a stale template an earlier synth left in the directory)."""
    return templates_by_region(Path(cdk_out))


def unexpected(matrices: Iterable[RegionMatrix]) -> list[Cell]:
    return [c for m in matrices for c in m.unexpected()]
