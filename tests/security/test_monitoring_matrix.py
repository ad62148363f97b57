"""The scheduler role's rows of the IAM matrix, on the session's templates and loosened copies."""

from __future__ import annotations

from tests.conftest import DEFAULT_REGIONS
from private_bedrock.tools.prove.matrix import ALLOW
from private_bedrock.tools.prove.monitoring import scheduler_cells


def test_the_scheduler_role_starts_the_probes_and_nothing_else(templates) -> None:
    for region in DEFAULT_REGIONS:
        cells = scheduler_cells(templates[region], region)
        assert len(cells) == 6, cells
        assert [c.describe() for c in cells if not c.ok] == []
        functions = [k for k, r in templates[region]["Resources"].items() if r["Type"] == "AWS::Lambda::Function" and k.startswith("Probe")]
        assert len(functions) == 2
        assert sorted(c.label for c in cells if c.got == ALLOW) == sorted(f"invoke {f}" for f in functions)


def _scheduler_policy(template: dict) -> dict:
    (role_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"
                  and r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service") == "scheduler.amazonaws.com"]
    (policy,) = [r["Properties"]["PolicyDocument"] for r in template["Resources"].values()
                 if r["Type"] == "AWS::IAM::ManagedPolicy" and {"Ref": role_id} in r["Properties"].get("Roles", [])]
    return policy


def test_a_loosened_resource_is_caught(template_copy) -> None:
    t = template_copy("us-east-1")
    (st,) = _scheduler_policy(t)["Statement"]
    st["Resource"] = [{"Fn::Join": ["", [r, ":*"]]} for r in st["Resource"]] + st["Resource"]
    bad = [c.label for c in scheduler_cells(t, "us-east-1") if not c.ok]
    assert len(bad) == 1 and bad[0].endswith(":live (an alias)")


def test_a_loosened_action_is_caught(template_copy) -> None:
    t = template_copy("us-east-1")
    (st,) = _scheduler_policy(t)["Statement"]
    st["Action"] = "lambda:*"
    bad = {c.label for c in scheduler_cells(t, "us-east-1") if not c.ok}
    assert len(bad) == 1 and next(iter(bad)).startswith("change the code of")
