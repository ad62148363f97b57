"""Who each endpoint policy admits, read from the policy as synthesized (`make synth`'s summary).

Two forms exist (private_bedrock/policies/endpoint.py, hub_shared.py): the Allows name their
principals (`aws:PrincipalArn` in ArnEquals), or the Allows name no one and Denies refuse every
principal outside the lists (`ArnNotLike aws:PrincipalArn`, `aws:PrincipalAccount`,
`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`). Reading the template, not the configuration,
says what is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

# The in-VPC probe's role (private_bedrock/probe/construct.py): the one principal every policy admits.
PROBE_ROLE_PREFIX = "ProbeInVpcRole"
PROBE_ROLE = "the probe role"
THIS_ACCOUNT = "<this account>"  # {"Ref": "AWS::AccountId"}: the account the stack is deployed to
# More principals than this are counted, not listed (a hub may admit hundreds).
LIST_AT_MOST = 8


def render(value: Any, resources: Mapping[str, Any], region: str) -> str:
    """A condition value as a reader would write it: the probe role by name, this account as such."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical_id = value["Fn::GetAtt"][0]
        if logical_id.startswith(PROBE_ROLE_PREFIX):
            return PROBE_ROLE
        name = resources.get(logical_id, {}).get("Properties", {}).get("RoleName")
        return f"the role {name if isinstance(name, str) else logical_id} of this stack"
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(render(p, resources, region) for p in parts)
    if value == {"Ref": "AWS::AccountId"}:
        return THIS_ACCOUNT
    if value == {"Ref": "AWS::Region"}:
        return region
    return str(value)


def _values(condition: Mapping[str, Any], operators: Iterable[str], key: str) -> list[Any]:
    out: list[Any] = []
    for op in operators:
        found = condition.get(op, {}).get(key)
        out += found if isinstance(found, list) else [] if found is None else [found]
    return out


@dataclass(frozen=True)
class Admitted:
    """One endpoint policy's admitted principals."""

    principals: tuple[str, ...]  # listed ARNs or ARN patterns, the probe role as PROBE_ROLE
    accounts: tuple[str, ...] = ()  # shared form: only principals of these accounts
    organization: str | None = None  # shared form: only principals of this organisation
    org_paths: tuple[str, ...] = ()  # shared form: only under these OU paths
    refused: tuple[str, ...] = ()  # shared form: ARNs refused although a pattern matches them
    allows: bool = True  # False: the policy allows nothing (endpointPolicy deny)
    unconditioned: bool = False  # an Allow with no principal condition and no Deny narrowing it


def admitted(document: Mapping[str, Any], resources: Mapping[str, Any], region: str) -> Admitted:
    statements = document.get("Statement", [])
    allows = [s for s in statements if s["Effect"] == "Allow"]
    if not allows:
        return Admitted(principals=(), allows=False)

    def keep(values: Iterable[Any]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(render(v, resources, region) for v in values))

    listed = keep(v for s in allows for v in _values(s.get("Condition", {}), ("ArnEquals", "ArnLike"), "aws:PrincipalArn"))
    denies = [s.get("Condition", {}) for s in statements if s["Effect"] == "Deny"]
    patterns = keep(v for c in denies for v in _values(c, ("ArnNotLike",), "aws:PrincipalArn"))
    if patterns:  # the shared form: the Denies say who
        return Admitted(
            principals=patterns,
            accounts=keep(v for c in denies for v in _values(c, ("StringNotEquals",), "aws:PrincipalAccount")),
            organization=next(iter(keep(v for c in denies for v in _values(c, ("StringNotEquals",), "aws:PrincipalOrgID"))), None),
            org_paths=keep(v for c in denies for v in _values(c, ("ForAllValues:StringNotLike",), "aws:PrincipalOrgPaths")),
            refused=keep(v for c in denies for v in _values(c, ("ArnLike",), "aws:PrincipalArn")),
        )
    unconditioned = any("aws:PrincipalArn" not in {k for kv in s.get("Condition", {}).values() for k in kv} for s in allows)
    return Admitted(principals=listed, unconditioned=unconditioned)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def describe(who: Admitted) -> str:
    """One phrase: "the probe role and 1 more principal: arn:...", or what the Denies leave."""
    if not who.allows:
        return "no one (endpointPolicy deny: every call through this endpoint is refused)"
    if who.unconditioned:
        return "[bold red]any principal[/] (an Allow without an aws:PrincipalArn condition)"
    shared = bool(who.accounts or who.organization)
    probe = [p for p in who.principals if p == PROBE_ROLE]
    others = [p for p in who.principals if p != PROBE_ROLE]
    noun = "more role pattern" if shared else "more principal"
    head = " and ".join(filter(None, [PROBE_ROLE if probe else "", _count(len(others), noun) if others else ""])) or "no principal"
    if not others:
        text = head
    elif len(others) <= LIST_AT_MOST:
        text = f"{head}: {', '.join(others)}"
    else:
        accounts = {p.split(":")[4] for p in others if p.startswith("arn:") and len(p.split(":")) > 5}
        text = f"{head} of {_count(len(accounts), 'account')} (too many to list here: the template lists them, `make prove` shows each one's cells)"
    if not shared:
        return text
    # The shared form: ARN patterns, narrowed by account or organisation.
    limits = []
    if who.accounts:
        limits.append(f"of the accounts {', '.join(who.accounts)}" if len(who.accounts) <= LIST_AT_MOST else f"of {_count(len(who.accounts), 'listed account')}")
    if who.organization:
        limits.append(f"of organisation {who.organization}")
    if who.org_paths:
        limits.append(f"under {', '.join(who.org_paths)}")
    refused = f"; refused although they match: {', '.join(who.refused)}" if who.refused else ""
    return f"{text}; only principals {' and '.join(limits)}{refused}"


def admission_lines(endpoints: Sequence[tuple[str, Mapping[str, Any]]], resources: Mapping[str, Any], region: str) -> list[str]:
    """(service, policy document) -> lines, endpoints that admit the same principals grouped."""
    groups: dict[str, list[str]] = {}
    for service, document in endpoints:
        groups.setdefault(describe(admitted(document, resources, region)), []).append(service)
    if not groups:
        return []
    lines = ["endpoint policies admit (aws:PrincipalArn; every other caller is refused at the endpoint):"]
    lines += [f"  {', '.join(services)}: {phrase}" for phrase, services in groups.items()]
    return lines
