"""The configuration reference and the context's JSON Schema, written from the key table.

    python -m private_bedrock.config.reference > docs/configuration.md
    python -m private_bedrock.config.reference --schema > docs/cdk-context.schema.json
    python -m private_bedrock.config.reference --write      # both, into docs/

Both come from private_bedrock/config/context_keys.py, the table the parsers read their key
lists, defaults and accepted values from; tests/unit/test_config_reference.py fails when a
file differs from what this module writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from private_bedrock.config.context_keys import CDK_KEYS, KEYS, REGIONAL_KEYS, TABLE, UNSET, Key, keys_in
from private_bedrock.facts.regions import BEDROCK_REGIONS, SERVICES

DOCS = Path(__file__).resolve().parents[2] / "docs"
MARKDOWN_FILE = "configuration.md"
SCHEMA_FILE = "cdk-context.schema.json"
SECTIONS: tuple[tuple[str, str], ...] = (
    ("", "Top-level keys"),
    ("fence", "`fence`: the organisation fence"),
    ("fleet", "`fleet`: delivery by StackSets"),
    ("claudePlatform", "`claudePlatform`: Claude Platform on AWS"),
)
_VPCE = "^vpce-[0-9a-f]{8,17}$"

INTRODUCTION = """\
# Configuration reference

<!-- Written by `python -m private_bedrock.config.reference --write` from
private_bedrock/config/context_keys.py, the table the parsers use: do not edit by hand. -->

The app reads its configuration from the CDK context: the `context` object of `cdk.json`,
`cdk.context.json` (where `make lookup` and `make fence-ids` store what they find) and
`-c key=value` on the command line, which wins.

- In `cdk.json`, values are typed JSON: `"azCount": 3`, `"regions": ["us-east-1"]`.
- With `-c`, every value is a string: a number as digits (`-c azCount=3`), a boolean as
  `true` or `false`, a list comma-separated (`-c regions=us-east-1,eu-central-1`) or as JSON
  (`-c regions='["us-east-1"]'`), an object as JSON quoted for the shell
  (`-c hubEndpointIds='{"bedrock-runtime": "vpce-0123456789abcdef0"}'`).
- A key marked *per region* may also be set for one region under
  `regionOverrides.<region>`; the top-level value applies to every other region.
- Every problem of one run is reported at once, one sentence each; an unknown key is refused
  with the closest known one (`regoins`: did you mean `regions`?). The CDK's own context
  (`@aws-cdk/...` feature flags, `aws:cdk:...`, `cdk-...`, `acknowledged-issue-numbers`) is
  left alone.
- [cdk-context.schema.json](cdk-context.schema.json) is a JSON Schema of the same keys for
  the `context` object of `cdk.json` (typed JSON, the form `cdk.json` holds).
"""

FENCE_ENDPOINT_IDS = """\
## `fenceEndpointIds`

The ids of the deployed interface endpoints, which the organisation fence names in its
`aws:SourceVpce` conditions, by region and service:

```json
{"us-east-1": {"bedrock": "vpce-0123456789abcdef0", "bedrock-runtime": "vpce-0123456789abcdef1"}}
```

`make fence-ids` reads them from the regional stacks' outputs with the workload account's
credentials and stores them in `cdk.context.json`, so the management account's synth needs no
access to the workload account. To enter them by hand, read each regional stack's
`<Service>EndpointId` outputs (`BedrockEndpointId`, `BedrockRuntimeEndpointId`, ...):

```sh
aws cloudformation describe-stacks --region us-east-1 --stack-name PrivateBedrock-us-east-1 --query "Stacks[0].Outputs"
```

and write them under `fenceEndpointIds` in `cdk.context.json` in the form above, or pass them
for one run: `-c fenceEndpointIds='{"us-east-1": {"bedrock-runtime": "vpce-0123456789abcdef1"}}'`.
Ids of regions or services outside the current configuration are kept and ignored; a spoke region needs none
(the fence names its hub's endpoints, from `hubEndpointIds`); with `fleet.enabled` the fence
admits each account's own endpoints and `fenceEndpointIds` must not be set.
"""


def _code(value: Any) -> str:
    return f"`{json.dumps(value) if not isinstance(value, str) else value}`"


def _default(key: Key) -> str:
    if key.default_text:
        return key.default_text
    if key.default is UNSET:
        return "not set"
    if key.default in ([], {}):
        return "empty"
    if isinstance(key.default, list):
        return ", ".join(_code(v) for v in key.default)
    return _code(key.default)


def _accepted(key: Key) -> str:
    if key.accepted:
        return ", ".join(_code(v) for v in key.accepted)
    if key.minimum is not None:
        return f"{key.minimum} to {key.maximum}"
    return key.accepted_text or ("true, false" if key.type == "boolean" else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    """docs/configuration.md."""
    lines = [INTRODUCTION, f"{len(TABLE)} keys: {len(keys_in(''))} at the top level ({len(REGIONAL_KEYS)} of them per region), "
             + ", ".join(f"{len(keys_in(s))} in `{s}`" for s, _ in SECTIONS[1:]) + ".\n"]
    for section, title in SECTIONS:
        lines += [f"## {title}\n", "| Key | Type | Default | Accepted values | Per region | Description |", "| --- | --- | --- | --- | --- | --- |"]
        for key in TABLE:
            if key.section != section:
                continue
            only = f" Only with topology {key.group}." if key.group else ""
            # A nested key is per region when its object is (claudePlatform).
            regional = KEYS[key.section].regional if key.section else key.regional
            cells = [f"`{key.name}`", key.type, _default(key), _accepted(key), "yes" if regional else "no", key.description + only]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
    lines.append(FENCE_ENDPOINT_IDS)
    return "\n".join(lines)


def _value_schema(key: Key) -> dict[str, Any]:
    """The JSON form of one key's value (cdk.json's typed form; `-c` strings are not modelled)."""
    schema: dict[str, Any] = {"description": key.description}
    kind = {"string": "string", "integer": "integer", "boolean": "boolean", "list": "array", "object": "object"}[key.type]
    schema["type"] = kind
    if kind == "array":
        schema["items"] = {"type": "string", **({"enum": list(key.accepted)} if key.accepted else {})}
    elif key.accepted:
        schema["enum"] = list(key.accepted)
    if key.minimum is not None:
        schema["minimum"], schema["maximum"] = key.minimum, key.maximum
    if key.default is not UNSET:
        schema["default"] = key.default
    nested = keys_in(key.name)
    if nested:
        schema["properties"] = {n: _value_schema(KEYS[f"{key.name}.{n}"]) for n in nested}
        schema["additionalProperties"] = False
    if key.name == "regionOverrides":
        schema["propertyNames"] = {"enum": sorted(BEDROCK_REGIONS)}
        schema["additionalProperties"] = {"type": "object", "properties": {n: _value_schema(KEYS[n]) for n in REGIONAL_KEYS}, "additionalProperties": False}
    if key.name == "fenceEndpointIds":
        schema["propertyNames"] = {"enum": sorted(BEDROCK_REGIONS)}
        schema["additionalProperties"] = {"type": "object", "propertyNames": {"enum": list(SERVICES)}, "additionalProperties": {"type": "string", "pattern": _VPCE}}
    if key.name == "hubEndpointIds":
        del schema["type"]
        schema["anyOf"] = [
            {"type": "object", "propertyNames": {"enum": list(SERVICES)}, "additionalProperties": {"type": "string", "pattern": _VPCE}},
            {"type": "array", "items": {"type": "string", "pattern": "^[a-z-]+=vpce-[0-9a-f]{8,17}$"}},
        ]
    return schema


def schema() -> dict[str, Any]:
    """docs/cdk-context.schema.json: the `context` object of cdk.json."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "private-bedrock CDK context",
        "description": "The context keys of the private-bedrock app (docs/configuration.md); written by python -m private_bedrock.config.reference --schema.",
        "type": "object",
        "properties": {
            **{n: _value_schema(KEYS[n]) for n in keys_in("")},
            **{n: {"description": "the CDK CLI's own"} for n in sorted(CDK_KEYS)},
        },
        # The CDK's own context: feature flags, lookups, CLI settings.
        "patternProperties": {"^@": {}, ":": {}, "^cdk": {}, "^aws-cdk": {}},
        "additionalProperties": False,
    }


def schema_text() -> str:
    return json.dumps(schema(), indent=2) + "\n"


def main(argv: list[str]) -> int:
    if argv == ["--schema"]:
        sys.stdout.write(schema_text())
    elif argv == ["--write"]:
        (DOCS / MARKDOWN_FILE).write_text(markdown())
        (DOCS / SCHEMA_FILE).write_text(schema_text())
    elif not argv:
        sys.stdout.write(markdown())
    else:
        print("usage: python -m private_bedrock.config.reference [--schema | --write]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
