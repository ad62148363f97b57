"""The key table, the parsers and the generated reference agree.

The parsers take their key lists, defaults and accepted values from the table
(private_bedrock/config/context_keys.py); these tests fail when a parser reads a key the table
does not have, when a key of the table is read by no parser, when a default differs from the
value the parsers use, and when docs/configuration.md or docs/cdk-context.schema.json is not
what private_bedrock/config/reference.py writes.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from private_bedrock.config import reference
from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.config.context_keys import KEYS, TABLE, UNSET

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "private_bedrock" / "config"
# The names the parsers read settings from, and the object `raw` is in each module.
SETTINGS_NAMES = {"settings", "ours", "raw", "override"}
RAW_SECTION = {"fence.py": "fence", "fleet.py": "fleet", "claude_platform.py": "claudePlatform"}

BASE = {"regions": ["us-east-1"]}
HUB = {**BASE, "topology": "hub", "spokeCidrs": ["10.90.0.0/16"], "spokePrincipalArns": ["arn:aws:iam::111122223333:role/app"]}
SPOKE = {
    **BASE, "topology": "spoke", "vpcId": "vpc-05b0ce0000000000a", "subnetIds": ["subnet-05b0ce0000000000a"], "hubVpcCidr": "10.80.0.0/16",
    "hubDnsProfileId": "rp-0a1b2c3d4e5f6a7b", "hubEndpointIds": {"bedrock": "vpce-0aaaaaaaaaaaaaaa1", "bedrock-runtime": "vpce-0aaaaaaaaaaaaaaa2", "bedrock-mantle": "vpce-0aaaaaaaaaaaaaaa3"},
}
ADMIN = "999988887777"
FLEET = {"enabled": True, "administratorAccount": ADMIN, "organizationId": "o-a1b2c3d4e5", "organizationalUnits": ["ou-ab12-cd34ef56"],
         "verifierCallerArns": [f"arn:aws:iam::{ADMIN}:role/PlatformVerify"]}
# A value of the wrong type for each kind of key: every parser refuses it and names the key.
WRONG = {"integer": "many", "boolean": "maybe", "list": 7, "object": 7, "string": 7}


def keys_the_parsers_read() -> set[str]:
    """Every key read by name in private_bedrock/config/*.py: settings.get("k"), raw["k"],
    "k" in settings, and the key names passed with the settings to a helper (f(raw, "k"))."""
    read: set[str] = set()
    for path in sorted(CONFIG.glob("*.py")):
        section = RAW_SECTION.get(path.name, "")

        def add(owner: ast.expr, key: ast.expr, section: str = section) -> None:
            if isinstance(owner, ast.Name) and owner.id in SETTINGS_NAMES and isinstance(key, ast.Constant) and isinstance(key.value, str):
                read.add(f"{section}.{key.value}" if owner.id == "raw" and section else key.value)

        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
                add(node.func.value, node.args[0])
            elif isinstance(node, ast.Subscript):
                add(node.value, node.slice)
            elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
                add(node.comparators[0], node.left)
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in SETTINGS_NAMES:
                for arg in node.args[1:]:
                    add(node.args[0], arg)
    return read


def test_every_key_a_parser_reads_is_in_the_table() -> None:
    read = keys_the_parsers_read()
    assert read - set(KEYS) == set()
    # The scan sees the parsers: a good part of the table is read by name.
    assert len(read & set(KEYS)) > len(TABLE) // 2


def outcome(context: dict) -> Any:
    """The configuration, or the problems it was refused with."""
    try:
        return load_config(context, None)
    except ConfigError as err:
        return err.problems


def context_with(name: str, value: Any) -> tuple[dict, dict]:
    """(the context without the key, the same context with it set to `value`)."""
    section, _, short = name.rpartition(".")
    if section == "fleet":
        fleet = {k: v for k, v in FLEET.items() if k != short}
        return {**BASE, "fleet": fleet}, {**BASE, "fleet": {**fleet, short: value}}
    if section:
        return dict(BASE), {**BASE, section: {short: value}}
    base = {"hub": HUB, "spoke": SPOKE}.get(KEYS[name].group, BASE)
    base = {k: v for k, v in base.items() if k != name}
    return base, {**base, name: value}


@pytest.mark.parametrize("key", TABLE, ids=lambda k: k.name)
def test_every_key_of_the_table_is_read_by_a_parser(key) -> None:
    _, context = context_with(key.name, WRONG[key.type])
    got = outcome(context)
    assert isinstance(got, tuple), f"{key.name}={WRONG[key.type]!r} was accepted"
    assert any(key.name in problem for problem in got), got


@pytest.mark.parametrize("key", [k for k in TABLE if k.default is not UNSET], ids=lambda k: k.name)
def test_a_default_of_the_table_is_what_the_parsers_use(key) -> None:
    without, with_default = context_with(key.name, key.default)
    assert outcome(with_default) == outcome(without)


@pytest.mark.parametrize("key", [k for k in TABLE if k.accepted and k.type != "list"], ids=lambda k: k.name)
def test_a_value_outside_the_accepted_ones_is_refused(key) -> None:
    wrong = "zz" if key.type == "string" else max(key.accepted) + 1
    got = outcome(context_with(key.name, wrong)[1])
    assert isinstance(got, tuple) and any(key.name in p and repr(wrong) in p or str(wrong) in p for p in got), got


def test_the_reference_counts_every_key() -> None:
    assert f"{len(TABLE)} keys:" in reference.markdown()
    for key in TABLE:
        assert f"| `{key.name}` |" in reference.markdown()


def test_docs_configuration_md_is_the_generated_reference() -> None:
    assert (ROOT / "docs" / reference.MARKDOWN_FILE).read_text() == reference.markdown(), (
        "docs/configuration.md is out of date: run python -m private_bedrock.config.reference --write"
    )


def test_docs_schema_is_the_generated_schema() -> None:
    assert (ROOT / "docs" / reference.SCHEMA_FILE).read_text() == reference.schema_text(), (
        "docs/cdk-context.schema.json is out of date: run python -m private_bedrock.config.reference --write"
    )


def validator() -> jsonschema.Draft202012Validator:
    schema = reference.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_default_cdk_json_context_validates_against_the_schema() -> None:
    context = json.loads((ROOT / "cdk.json").read_text()).get("context", {})
    validator().validate(context)


@pytest.mark.parametrize(
    "context",
    [
        {**HUB, "regionOverrides": {"us-east-1": {"azCount": 3}}, "fence": {"enabled": False, "maxPolicies": 2}},
        SPOKE,
        {"regions": ["us-east-1"], "fleet": FLEET, "@aws-cdk/core:enablePartitionLiterals": True, "acknowledged-issue-numbers": [1]},
        {"fenceEndpointIds": {"us-east-1": {"bedrock-runtime": "vpce-0123456789abcdef0"}}, "claudePlatform": {"enabled": False}},
    ],
)
def test_valid_contexts_validate_against_the_schema(context: dict) -> None:
    assert not isinstance(outcome(context), tuple), outcome(context)
    validator().validate(context)


@pytest.mark.parametrize(
    "context",
    [
        {"regoins": ["us-east-1"]},
        {"azCount": 4},
        {"endpointPolicy": "open"},
        {"regionOverrides": {"us-east-1": {"regions": ["us-east-1"]}}},
        {"fence": {"enable": True}},
        {"fenceEndpointIds": {"us-east-1": {"bedrock-runtime": "vpce-nope"}}},
    ],
)
def test_mistakes_fail_the_schema_as_they_fail_the_parsers(context: dict) -> None:
    assert isinstance(outcome({**BASE, **context}), tuple)
    assert list(validator().iter_errors(context))
