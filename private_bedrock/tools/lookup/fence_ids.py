"""Read the endpoint ids of the deployed regional stacks into cdk.context.json (`make fence-ids`).

Usage: private-bedrock fence-ids [--context-file cdk.context.json] [--dry-run]

Run it with credentials for the account that holds the regional stacks. It writes
`fenceEndpointIds` ({region: {service: vpce-id}}) into cdk.context.json, the file CDK keeps
for values learned from an account; commit it, and the management account's synth (other
credentials, or none at all) builds the fence from it. Exit 0 written, 2 nothing could be read
(no credentials, a stack not deployed: said in one sentence).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Mapping

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.policies import pascal

CONTEXT_KEY = "fenceEndpointIds"


class FenceIdsError(RuntimeError):
    """The ids could not be read; the message is one sentence for the user."""


def stack_outputs(client: Any, stack_name: str) -> dict[str, str]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as err:
        raise FenceIdsError(f"{stack_name} could not be read ({err.response['Error'].get('Message', err)}); deploy it first (make deploy REGION=...) or use its account's credentials.") from None
    except BotoCoreError as err:
        raise FenceIdsError(f"{stack_name} could not be read: {err}.") from None
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def read_ids(context: Mapping[str, Any], client_for: Callable[[str], Any]) -> dict[str, dict[str, str]]:
    """{region: {service: vpce id}} from each configured region's stack outputs."""
    config = load_config(context, None)
    ids: dict[str, dict[str, str]] = {}
    for cfg in config.regions:
        outputs = stack_outputs(client_for(cfg.region), cfg.stack_id)
        ids[cfg.region] = {}
        for service in cfg.endpoints:
            key = f"{pascal(service)}EndpointId"
            if key not in outputs:
                raise FenceIdsError(f"{cfg.stack_id} has no output {key}; deploy the current version of the stack first.")
            ids[cfg.region][service] = outputs[key]
    return ids


def context_without_ids(root: Path, context_file: Path) -> dict[str, Any]:
    """The app's context as the CLI would see it, minus stale ids (they are being replaced)."""
    if not (root / "cdk.json").is_file():
        raise FenceIdsError(f"no cdk.json in {root}; run the command in the CDK app's folder (where cdk.json is).")
    context = dict(json.loads((root / "cdk.json").read_text()).get("context", {}))
    if context_file.exists():
        context.update(json.loads(context_file.read_text()))
    context.pop(CONTEXT_KEY, None)
    return context


def main(argv: list[str] | None = None, client_for: Callable[[str], Any] | None = None, root: Path | None = None) -> int:
    # The CDK app's folder (cdk.json, cdk.context.json): where the command runs, as `make fence-ids` does.
    root = Path.cwd() if root is None else root
    parser = argparse.ArgumentParser(prog="private-bedrock fence-ids", description=__doc__.splitlines()[0])
    parser.add_argument("--context-file", type=Path, default=root / "cdk.context.json")
    parser.add_argument("--dry-run", action="store_true", help="print the ids, do not write the file")
    args = parser.parse_args(argv)
    if client_for is None:
        import boto3

        client_for = lambda region: boto3.client("cloudformation", region_name=region)  # noqa: E731
    try:
        ids = read_ids(context_without_ids(root, args.context_file), client_for)
    except (FenceIdsError, ConfigError) as err:
        print(f"make fence-ids: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # no credentials, no network: one sentence, no stack trace
        print(f"make fence-ids: the stacks could not be read ({type(err).__name__}: {err}).", file=sys.stderr)
        return 2
    print(json.dumps({CONTEXT_KEY: ids}, indent=2))
    if not args.dry_run:
        existing = json.loads(args.context_file.read_text()) if args.context_file.exists() else {}
        existing[CONTEXT_KEY] = ids
        args.context_file.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n")
        print(f"written to {args.context_file}; commit it, then `make synth` builds the fence with these ids.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
