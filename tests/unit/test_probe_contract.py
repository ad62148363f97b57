"""The probe's environment contract (lambda_src/probe/contract.py): what the stack writes is what the probe reads."""

from __future__ import annotations

import ast
from pathlib import Path

from private_bedrock.probe import construct
from private_bedrock.probe.runtime import runtime_module
from tests.conftest import synth_in_process

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "lambda_src" / "probe"
contract = runtime_module("contract")


def _functions(template: dict) -> dict[str, dict[str, str]]:
    """description -> environment of the two probe functions."""
    return {
        r["Properties"]["Description"]: r["Properties"]["Environment"]["Variables"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Description", "").startswith("Bedrock PrivateLink probe")
    }


def test_the_construct_imports_the_contract_by_module_name() -> None:
    assert construct.contract.__name__ in ("lambda_src.probe.contract", "private_bedrock.probe_runtime.contract")
    assert construct.contract.SET_BY_THE_STACK == contract.SET_BY_THE_STACK


def test_the_stack_sets_exactly_the_contract_names() -> None:
    (template,) = synth_in_process({"regions": ["us-east-1"]}).values()
    functions = _functions(template)
    assert len(functions) == 2
    for description, env in functions.items():
        assert set(env) == set(contract.SET_BY_THE_STACK) - ({contract.VPC_CIDR} if "control" in description else set()), description
    kinds = sorted(env[contract.PROBE_KIND] for env in functions.values())
    assert kinds == sorted([contract.KIND_VPC, contract.KIND_CONTROL])


def test_the_probe_reads_every_name_the_stack_sets_through_the_contract() -> None:
    """plan.py and handler.py name no variable as a literal: every read goes through contract.<NAME>."""
    read: set[str] = set()
    for module in ("plan.py", "handler.py"):
        tree = ast.parse((PROBE / module).read_text())
        read |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "contract"}
        literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert not literals & set(contract.SET_BY_THE_STACK), module
    names_read = {getattr(contract, a) for a in read if isinstance(getattr(contract, a), str)}
    assert set(contract.SET_BY_THE_STACK) <= names_read


def test_the_contract_imports_nothing_of_the_probe() -> None:
    tree = ast.parse((PROBE / "contract.py").read_text())
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [(getattr(n, "module", None), [a.name for a in n.names]) for n in imports] == [("__future__", ["annotations"])]
