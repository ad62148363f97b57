"""The monitoring's rows of the IAM matrix: what the scheduler role may do, evaluated.

The scheduler role (trusted by scheduler.amazonaws.com) exists to start the two probes. Its
cells: invoking each probe function is allowed; a qualified ARN (version or alias),
another function of the account, changing a probe's code and any Bedrock call are denied.
Evaluated by the same simulator as the Bedrock matrix (private_bedrock/tools/prove/matrix.py).
"""

from __future__ import annotations

from typing import Any, Mapping

from private_bedrock.tools.prove.deployment import TemplateShapeError, read_deployment
from private_bedrock.tools.prove.cells import PolicyCell, evaluate_cells
from private_bedrock.tools.prove.matrix import ALLOW, DENY, SESSION, SimulationError
from private_bedrock.tools.prove.resolve import ACCOUNT, PARTITION

SCHEDULER = "scheduler.amazonaws.com"

def _trusts(role: Mapping[str, Any], service: str) -> bool:
    statements = role.get("Properties", {}).get("AssumeRolePolicyDocument", {}).get("Statement", [])
    return any(st.get("Principal", {}).get("Service") == service for st in statements)


def _probe_functions(template: Mapping[str, Any]) -> list[str]:
    return [lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function" and lid.startswith("Probe")]


def scheduler_cells(template: Mapping[str, Any], region: str, account: str = ACCOUNT) -> list[PolicyCell]:
    """Evaluate the scheduler role's cells of one region's template (none when the schedule is off)."""
    dep = read_deployment(template, region, account)
    roles = [lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role" and _trusts(r, SCHEDULER)]
    if not roles:
        return []
    probes = _probe_functions(template)
    if len(probes) != 2:
        raise TemplateShapeError(f"{region}: expected the two probe functions, found {probes}")
    fn = lambda lid: dep.symbols.getatts[(lid, "Arn")]  # noqa: E731
    other = f"arn:{PARTITION}:lambda:{region}:{account}:function:SomeOtherFunction"
    rows = [(f"invoke {p}", "lambda:InvokeFunction", fn(p), ALLOW) for p in probes]
    rows += [
        (f"invoke {probes[0]}:live (an alias)", "lambda:InvokeFunction", fn(probes[0]) + ":live", DENY),
        ("invoke another function", "lambda:InvokeFunction", other, DENY),
        (f"change the code of {probes[0]}", "lambda:UpdateFunctionCode", fn(probes[0]), DENY),
        ("call Bedrock", "bedrock:InvokeModel", f"arn:{PARTITION}:bedrock:{region}::foundation-model/amazon.nova-micro-v1:0", DENY),
    ]
    cells, sims = [], []
    for lid in roles:
        role = dep.roles[lid]
        if role.opaque_policy_arns:
            raise SimulationError(f"{lid} has managed policies the matrix cannot read: {role.opaque_policy_arns}")
        name = role.arn.rsplit("/", 1)[1]
        for label, action, resource, expected in rows:
            cells.append(PolicyCell(region, f"principal {lid}", label, action, resource, expected))
            sims.append({
                "request": {
                    "principal": f"arn:{PARTITION}:sts::{account}:assumed-role/{name}/{SESSION}",
                    "action": action,
                    "resource": {"resource": resource, "accountId": account},
                    "contextVariables": {"aws:PrincipalArn": role.arn, "aws:PrincipalAccount": account},
                },
                "identityPolicies": [{"name": n, "policy": d} for n, d in dep.policies_of(lid)],
                "serviceControlPolicies": [],
                "resourceControlPolicies": [],
            })
    return evaluate_cells(cells, sims)
