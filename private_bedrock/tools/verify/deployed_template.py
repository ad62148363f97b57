"""What a deployed PrivateBedrock stack's own template says to expect (pure; no AWS calls).

`make verify` trusts neither the probe's environment nor its report: anyone with
lambda:UpdateFunctionConfiguration could flip EXPECT_* or point AWS_ENDPOINT_URL_* at a
fake. The template CloudFormation deployed (GetTemplate) and the physical ids of its
resources (ListStackResources) are the reference; this module turns them into the
expected function configuration, the expected check outcomes and the expected policies.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

from private_bedrock.probe.runtime import runtime_module
from private_bedrock.tools.prove.resolve import Symbols, resolve

PROBE_OUTPUTS = {"vpc": "ProbeFunctionName", "control": "ControlProbeFunctionName"}
IDENTITY_POLICY_OUTPUT = "SourceVpceOnlyPolicyArn"


@dataclass(frozen=True)
class ExpectedFunction:
    kind: str
    logical_id: str
    name: str
    environment: dict[str, str]
    code_bucket: str
    code_key: str
    config: dict[str, Any] = field(default_factory=dict)  # private_bedrock/tools/verify/probe_config.py: expected_config


def physical_symbols(template: Mapping, physical: Mapping[str, str], region: str, account: str, stack_name: str) -> Symbols:
    """Ref/GetAtt values of the deployed resources, from ListStackResources' physical ids."""
    refs: dict[str, str] = {
        "AWS::AccountId": account, "AWS::Region": region, "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": stack_name,
    }
    getatts: dict[tuple[str, str], str] = {}
    for lid, resource in template.get("Resources", {}).items():
        if lid not in physical:
            continue
        pid = physical[lid]
        refs[lid] = pid
        kind = resource.get("Type")
        if kind == "AWS::IAM::Role":
            getatts[(lid, "Arn")] = f"arn:aws:iam::{account}:role/{pid}"
        elif kind == "AWS::EC2::VPCEndpoint":
            getatts[(lid, "Id")] = pid
        elif kind == "AWS::EC2::SecurityGroup":
            getatts[(lid, "GroupId")] = pid
        elif kind == "AWS::Logs::LogGroup":
            getatts[(lid, "Arn")] = f"arn:aws:logs:{region}:{account}:log-group:{pid}:*"
        elif kind == "AWS::KMS::Key":
            getatts[(lid, "Arn")] = f"arn:aws:kms:{region}:{account}:key/{pid}"
        elif kind == "AWS::Lambda::Function":
            getatts[(lid, "Arn")] = f"arn:aws:lambda:{region}:{account}:function:{pid}"
        elif kind in _RESOLVER_IDS:
            # Their physical id is the resource's Id (Route 53 Resolver: rslvr-frg-, rslvr-fdl-, ...).
            getatts[(lid, "Id")] = pid
    return Symbols(refs=refs, getatts=getatts)


_RESOLVER_IDS = {
    "AWS::Route53Resolver::FirewallRuleGroup", "AWS::Route53Resolver::FirewallDomainList",
    "AWS::Route53Resolver::FirewallRuleGroupAssociation",
}


def _output_target(template: Mapping, output: str) -> str:
    value = template.get("Outputs", {}).get(output, {}).get("Value")
    if not isinstance(value, dict) or "Ref" not in value:
        raise KeyError(f"the template has no output {output} naming a resource")
    return value["Ref"]


def expected_functions(template: Mapping, symbols: Symbols) -> dict[str, ExpectedFunction]:
    from private_bedrock.tools.verify.probe_config import expected_config

    out = {}
    for kind, output in PROBE_OUTPUTS.items():
        lid = _output_target(template, output)
        props = template["Resources"][lid]["Properties"]
        env = resolve(props.get("Environment", {}).get("Variables", {}), symbols, lid)
        code = resolve(props["Code"], symbols, lid)
        out[kind] = ExpectedFunction(kind, lid, symbols.refs[lid], {k: str(v) for k, v in env.items()}, code["S3Bucket"], code["S3Key"],
                                     expected_config(props, symbols, lid))
    return out


def expected_endpoint_policies(template: Mapping, symbols: Symbols) -> dict[str, tuple[str, dict]]:
    """vpce id -> (service name, the policy document with every id resolved)."""
    out = {}
    for lid, r in template.get("Resources", {}).items():
        if r.get("Type") == "AWS::EC2::VPCEndpoint" and lid in symbols.refs:
            props = r["Properties"]
            out[symbols.refs[lid]] = (resolve(props["ServiceName"], symbols, lid), resolve(props["PolicyDocument"], symbols, lid))
    return out


def expected_identity_policy(template: Mapping, symbols: Symbols) -> tuple[str, dict]:
    """(policy ARN, document) of SourceVpceOnlyPolicy."""
    lid = _output_target(template, IDENTITY_POLICY_OUTPUT)
    return symbols.refs[lid], resolve(template["Resources"][lid]["Properties"]["PolicyDocument"], symbols, lid)


@dataclass(frozen=True)
class ExpectedFirewall:
    """One DNS Firewall rule group association of the template, ids resolved."""

    vpc_id: str
    association_id: str
    rule_group_id: str
    priority: int
    rules: tuple[tuple[tuple[str, Any], ...], ...]  # each rule's properties, sorted by priority
    domain_lists: dict[str, tuple[str, ...]]  # domain list id -> its domains, sorted


# What a rule does (AWS::Route53Resolver::FirewallRuleGroup FirewallRule, botocore's
# FirewallRule shape); CloudFormation's default for what the template leaves out, which
# ListFirewallRules reports as set [field].
RULE_FIELDS = ("Priority", "Action", "FirewallDomainListId", "BlockResponse", "BlockOverrideDomain",
               "BlockOverrideDnsType", "BlockOverrideTtl", "FirewallDomainRedirectionAction", "Qtype",
               "DnsThreatProtection", "ConfidenceThreshold")
RULE_DEFAULTS = {"FirewallDomainRedirectionAction": "INSPECT_REDIRECTION_DOMAIN"}


def firewall_rule(rule: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A rule as comparable (field, value) pairs; fields without a value are left out."""
    values = {f: rule.get(f, RULE_DEFAULTS.get(f)) for f in RULE_FIELDS}
    return tuple((f, v) for f, v in values.items() if v is not None)


def domain(name: str) -> str:
    """Route 53 Resolver may answer with a trailing dot [field]; names compare without it."""
    return name.lower().rstrip(".")


def expected_firewalls(template: Mapping, symbols: Symbols) -> list[ExpectedFirewall]:
    resources = template.get("Resources", {})
    out = []
    for lid, r in resources.items():
        if r.get("Type") != "AWS::Route53Resolver::FirewallRuleGroupAssociation":
            continue
        props = r["Properties"]
        group_ref = props["FirewallRuleGroupId"]
        group_lid = (group_ref.get("Fn::GetAtt") or [group_ref.get("Ref")])[0] if isinstance(group_ref, dict) else None
        group = resources.get(group_lid, {}).get("Properties", {}) if group_lid else {}
        rules = resolve(group.get("FirewallRules", []), symbols, group_lid or lid)
        lists = {}
        for list_lid, lr in resources.items():
            if lr.get("Type") == "AWS::Route53Resolver::FirewallDomainList" and (list_lid, "Id") in symbols.getatts:
                lists[symbols.getatts[(list_lid, "Id")]] = tuple(sorted(domain(d) for d in lr["Properties"].get("Domains", [])))
        used = {rule["FirewallDomainListId"] for rule in rules}
        out.append(ExpectedFirewall(
            vpc_id=resolve(props["VpcId"], symbols, lid), association_id=symbols.refs[lid],
            rule_group_id=resolve(group_ref, symbols, lid), priority=int(props["Priority"]),
            rules=tuple(sorted((firewall_rule(x) for x in rules), key=lambda t: dict(t)["Priority"])),
            domain_lists={k: v for k, v in lists.items() if k in used},
        ))
    return sorted(out, key=lambda f: f.vpc_id)


def firewalled_vpcs(template: Mapping, symbols: Symbols) -> list[str]:
    """The VPC ids the template associates a DNS Firewall rule group with."""
    return sorted(
        resolve(r["Properties"]["VpcId"], symbols, lid)
        for lid, r in template.get("Resources", {}).items()
        if r.get("Type") == "AWS::Route53Resolver::FirewallRuleGroupAssociation"
    )


_plan_lock = threading.Lock()


def _probe_plan_module() -> Any:
    """The probe's own plan (lambda_src/probe/plan.py: plain Python, no SDK), imported by its
    module name (private_bedrock/probe/runtime.py). Under a lock: the fleet verifier's workers
    ask at once, and a module is in sys.modules before it has finished executing."""
    with _plan_lock:
        return runtime_module("plan")


def expected_checks(function: ExpectedFunction, region: str) -> dict[str, str]:
    """check name -> expected outcome, as the probe would plan it from the template's environment."""
    plan = _probe_plan_module()
    config = plan.load_config({**function.environment, "AWS_REGION": region})
    checks, _ = plan.build_plan(config)
    return {c.name: c.expected for c in checks}


# Top-level sections that deploy nothing: the summary metadata and the description.
_INERT_SECTIONS = ("Metadata", "Description")


def template_differences(deployed: Mapping, reference: Mapping, reference_name: str, limit: int = 20) -> list[str]:
    """The deployed template (GetTemplate) against the one built locally, one sentence per
    resource or section that differs, naming the properties. Resource Metadata (cdk paths,
    scanner suppressions) deploys nothing and is not compared."""
    found = []
    d_res, r_res = deployed.get("Resources", {}), reference.get("Resources", {})
    for lid in sorted(set(r_res) - set(d_res)):
        found.append(f"resource {lid} ({r_res[lid].get('Type')}) of {reference_name} is not in the deployed template")
    for lid in sorted(set(d_res) - set(r_res)):
        found.append(f"the deployed template has resource {lid} ({d_res[lid].get('Type')}), which {reference_name} does not")
    for lid in sorted(set(d_res) & set(r_res)):
        a = {k: v for k, v in d_res[lid].items() if k != "Metadata"}
        b = {k: v for k, v in r_res[lid].items() if k != "Metadata"}
        if a != b:
            paths = _differing_paths(a, b)
            found.append(f"resource {lid} ({r_res[lid].get('Type')}) differs from {reference_name} in {_some(paths)}")
    for section in sorted((set(deployed) | set(reference)) - {"Resources", *_INERT_SECTIONS}):
        if deployed.get(section) != reference.get(section):
            found.append(f"section {section} differs from {reference_name} in {_some(_differing_paths(deployed.get(section), reference.get(section)))}")
    return [f"stack template: {line}" for line in found[:limit]] + (
        [f"stack template: and {len(found) - limit} more differences"] if len(found) > limit else [])


def _differing_paths(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                out += _differing_paths(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b)) if x != y for p in _differing_paths(x, y, f"{path}[{i}]")]
    return [path or "(the whole value)"]


def _some(paths: list[str]) -> str:
    return ", ".join(paths[:4]) + (f" and {len(paths) - 4} more" if len(paths) > 4 else "")


def canonical(policy: Mapping) -> dict:
    """Order-insensitive form: lists sorted, a one-element list = its element."""

    def norm(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            items = [norm(x) for x in v]
            return items[0] if len(items) == 1 else sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
        return v

    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    return {"Version": policy.get("Version"), "Statement": sorted((norm(s) for s in statements), key=lambda s: json.dumps(s, sort_keys=True))}


def policy_differences(what: str, deployed: Mapping, synthesized: Mapping) -> list[str]:
    """One sentence per difference, naming the statement (by Sid where it has one)."""
    d, s = canonical(deployed), canonical(synthesized)
    if d == s:
        return []

    def key(st: Mapping) -> str:
        return st.get("Sid") or json.dumps(st, sort_keys=True)

    deployed_by, synthesized_by = {key(x): x for x in d["Statement"]}, {key(x): x for x in s["Statement"]}
    found = []
    for k in synthesized_by.keys() - deployed_by.keys():
        found.append(f"{what}: statement {_short(k)} of the template is missing from the deployed policy")
    for k in deployed_by.keys() - synthesized_by.keys():
        found.append(f"{what}: the deployed policy has a statement the template does not: {_short(json.dumps(deployed_by[k], sort_keys=True))}")
    for k in deployed_by.keys() & synthesized_by.keys():
        if deployed_by[k] != synthesized_by[k]:
            fields = sorted(f for f in set(deployed_by[k]) | set(synthesized_by[k]) if deployed_by[k].get(f) != synthesized_by[k].get(f))
            found.append(f"{what}: statement {_short(k)} differs in {', '.join(fields)}: deployed {_short(json.dumps({f: deployed_by[k].get(f) for f in fields}))}")
    if d["Version"] != s["Version"]:
        found.append(f"{what}: Version {d['Version']!r} differs from the template's {s['Version']!r}")
    return sorted(found)


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
