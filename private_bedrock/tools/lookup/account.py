"""Ask the account what synthesis should know, and cache it in cdk.context.json (`make lookup`).

Per configured region, with the caller's credentials:
- EC2 DescribeVpcEndpointServices, once per enabled endpoint service: is it offered in the
  region, does it support endpoint policies, in which zones;
- Bedrock GetInferenceProfile for each configured cross-region profile: its destination
  regions (models[].modelArn);
- the model catalog: ListFoundationModels (on-demand ids), ListInferenceProfiles
  (system-defined profile ids) and, when bedrock-mantle is enabled, its models.list;
- Bedrock GetFoundationModelAvailability for each allow-listed runtime model (printed, not
  cached: whether someone must subscribe through AWS Marketplace before workloads can call it);
- for a spoke, Route 53 Profiles ListProfileAssociations on its VPC: a VPC takes one Profile,
  so another Profile already there stops the lookup with one sentence.

The answers go into cdk.context.json under CDK-style keys (private_bedrock/config/account_facts.py), where
synthesis reads them for that account; commit the file so later synths are deterministic,
`cdk context --reset <key>` forgets one. Why not a CDK CLI context-provider plugin: the
pinned CLI (2.1148) loads plugins named in cdk.json with require.resolve() relative to its own
install directory, so a project file cannot be named portably; the hook is marked
experimental ("only intended to be used internally at Amazon as a trial"), and a plugin
cannot use the CLI's credentials or lookup role anyway.

Usage: private-bedrock lookup [--region R ...] [-c key=value ...] [--app-dir DIR]
Endpoints can be pointed elsewhere the AWS SDK way (AWS_ENDPOINT_URL_EC2, _STS, _BEDROCK,
_ROUTE53PROFILES, AWS_ENDPOINT_URL_BEDROCK_MANTLE), which is how the tests run it against local servers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Mapping

from private_bedrock.config.account_facts import endpoint_service_key, inference_profile_key, model_catalog_key
from private_bedrock.config.app_config import DEFAULT_ENDPOINTS, DEFAULT_REGIONS, REGIONAL_KEYS, ConfigError, parse_model_id
from private_bedrock.config.values import as_list, as_mapping
from private_bedrock.facts.regions import default_runtime_model

TIMEOUT_S = 20


class LookupFailed(RuntimeError):
    """A lookup that could not be done, explained in one sentence."""


# --------------------------------------------------------------------------- what to ask


def region_targets(context: Mapping[str, Any], only: list[str] | None) -> dict[str, dict[str, tuple[str, ...]]]:
    """region -> {"endpoints": (...), "profiles": (...)} from the app's context, unvalidated.

    Deliberately lenient: a configuration the cached facts would refuse must still be looked
    up again (the account may have changed), so nothing here consults those facts.
    """
    regions = as_list("regions", context.get("regions", list(DEFAULT_REGIONS)))
    overrides = as_mapping("regionOverrides", context.get("regionOverrides", {}), '{"ap-northeast-1": {"inferenceScope": "region"}}')
    targets = {}
    for region in regions:
        if only and region not in only:
            continue
        settings = {**{k: context[k] for k in REGIONAL_KEYS if k in context}, **(overrides.get(region) or {})}
        endpoints = tuple(as_list("endpoints", settings.get("endpoints", list(DEFAULT_ENDPOINTS))))
        raw = settings.get("runtimeModels")
        models = as_list("runtimeModels", raw) if raw is not None else [m for m in [default_runtime_model(region)] if m]
        refs = [parse_model_id("runtimeModels", m) for m in models]
        profiles = tuple(m.model_id for m in refs if m.is_profile)
        # GetFoundationModelAvailability takes the foundation model (a profile's, without its prefix).
        foundation = tuple(dict.fromkeys(m.foundation_model_id for m in refs))
        spoke: tuple[str, ...] = ()
        if settings.get("topology") == "spoke" and isinstance(settings.get("vpcId"), str):
            spoke = (settings["vpcId"], str(settings.get("hubDnsProfileId", "")))
        targets[region] = {"endpoints": endpoints, "profiles": profiles, "models": foundation, "spoke": spoke}
    if only:
        missing = sorted(set(only) - set(targets))
        if missing:
            raise LookupFailed(f"Region {missing[0]} is not in the configured regions ({', '.join(regions)}); add it to regions first.")
    return targets


# --------------------------------------------------------------------------- the calls


def endpoint_service(ec2: Any, region: str, service: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    name = f"com.amazonaws.{region}.{service}"
    try:
        details = ec2.describe_vpc_endpoint_services(ServiceNames=[name]).get("ServiceDetails", [])
    except ClientError as err:
        if err.response["Error"]["Code"] == "InvalidServiceName":
            details = []
        else:
            raise
    detail = next((d for d in details if d.get("ServiceName") == name), None)
    if detail is None:
        return {"offered": False, "policySupported": False, "availabilityZones": []}
    return {
        "offered": True,
        "policySupported": bool(detail.get("VpcEndpointPolicySupported", False)),
        "availabilityZones": sorted(detail.get("AvailabilityZones", [])),
    }


def profile_regions(bedrock: Any, profile_id: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    try:
        profile = bedrock.get_inference_profile(inferenceProfileIdentifier=profile_id)
    except ClientError as err:
        if err.response["Error"]["Code"] in ("ResourceNotFoundException", "ValidationException"):
            return {"found": False, "regions": []}
        raise
    # arn:aws:bedrock:<region>::foundation-model/<id>: the region is the fourth field.
    regions = sorted({m["modelArn"].split(":")[3] for m in profile.get("models", [])})
    return {"found": True, "regions": regions, "status": profile.get("status", "")}


def runtime_catalog(bedrock: Any) -> list[str]:
    ids = {
        m["modelId"]
        for m in bedrock.list_foundation_models().get("modelSummaries", [])
        if "ON_DEMAND" in m.get("inferenceTypesSupported", [])
    }
    kwargs: dict[str, Any] = {"typeEquals": "SYSTEM_DEFINED"}
    while True:
        page = bedrock.list_inference_profiles(**kwargs)
        ids.update(p["inferenceProfileId"] for p in page.get("inferenceProfileSummaries", []))
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    return sorted(ids)


def mantle_catalog(session: Any, region: str) -> list[str] | None:
    """models.list on bedrock-mantle, signed SigV4; None when it cannot be reached from here."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    base = os.environ.get("AWS_ENDPOINT_URL_BEDROCK_MANTLE") or f"https://bedrock-mantle.{region}.api.aws"
    request = AWSRequest(method="GET", url=f"{base.rstrip('/')}/v1/models")
    SigV4Auth(session.get_credentials().get_frozen_credentials(), "bedrock-mantle", region).add_auth(request)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(request.url, headers=dict(request.headers), method="GET"), timeout=TIMEOUT_S) as response:
            body = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as err:
        print(f"note: bedrock-mantle models.list in {region} failed ({err}); the documented mantle models stand in.", file=sys.stderr)
        return None
    return sorted(m["id"] for m in body.get("data", []))


def model_availability(bedrock: Any, model_id: str) -> dict[str, str]:
    """GetFoundationModelAvailability: may this account call the model yet (agreement, entitlement, authorization)?"""
    from botocore.exceptions import ClientError

    try:
        answer = bedrock.get_foundation_model_availability(modelId=model_id)
    except ClientError as err:
        return {"error": f"{err.response['Error'].get('Code', '')}: {err.response['Error'].get('Message', '')}"}
    return {
        "agreement": (answer.get("agreementAvailability") or {}).get("status", "?"),
        "entitlement": answer.get("entitlementAvailability", "?"),
        "authorization": answer.get("authorizationStatus", "?"),
        "region": answer.get("regionAvailability", "?"),
    }


def availability_sentence(region: str, model_id: str, fact: Mapping[str, str]) -> str:
    """One line of the report: ready, or who has to act first (AWS Marketplace subscription)."""
    if "error" in fact:
        return f"{region}: {model_id}: availability unknown ({fact['error']})."
    state = ", ".join(f"{k} {v}" for k, v in fact.items())
    if all(fact[k] in ("AVAILABLE", "AUTHORIZED") for k in ("agreement", "entitlement", "authorization", "region")):
        return f"{region}: {model_id}: ready ({state})."
    # Model access is on by default, but a third-party model's first call subscribes through AWS
    # Marketplace (aws-marketplace:Subscribe), which the workload roles (and an SCP-bound role) cannot do.
    return (f"{region}: {model_id}: not ready ({state}); an administrator with aws-marketplace:Subscribe "
            "must make the first call (or accept the offer) before workloads can use it.")


def spoke_profile_conflict(profiles: Any, region: str, vpc_id: str, hub_profile: str) -> str | None:
    """A VPC takes one Route 53 Profile: another one on the spoke VPC makes the hub's association fail."""
    kwargs: dict[str, Any] = {"ResourceId": vpc_id}
    while True:
        page = profiles.list_profile_associations(**kwargs)
        for association in page.get("ProfileAssociations", []):
            if association.get("ProfileId") != hub_profile:
                return (f"Spoke VPC {vpc_id} in {region} already has Route 53 Profile {association.get('ProfileId')} "
                        f"associated and a VPC can have only one, so the hub's Profile {hub_profile} cannot be attached; "
                        "see docs/network-modes.md, \"A spoke VPC that already has a Route 53 Profile\", for the ways forward.")
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def lookup(session: Any, account: str, targets: Mapping[str, Mapping[str, tuple[str, ...]]], report: list[str] | None = None) -> dict[str, Any]:
    """Every cache entry for `targets`, keyed as private_bedrock/config/account_facts.py reads them."""
    from botocore.config import Config

    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S)
    entries: dict[str, Any] = {}
    for region, target in targets.items():
        ec2 = session.client("ec2", region_name=region, config=config)
        for service in target["endpoints"]:
            entries[endpoint_service_key(account, region, service)] = endpoint_service(ec2, region, service)
        bedrock = session.client("bedrock", region_name=region, config=config)
        for profile_id in target["profiles"]:
            entries[inference_profile_key(account, region, profile_id)] = profile_regions(bedrock, profile_id)
        catalog: dict[str, Any] = {"runtime": runtime_catalog(bedrock)}
        if "bedrock-mantle" in target["endpoints"]:
            catalog["mantle"] = mantle_catalog(session, region)
        entries[model_catalog_key(account, region)] = catalog
        for model_id in target.get("models", ()):
            sentence = availability_sentence(region, model_id, model_availability(bedrock, model_id))
            if report is not None:
                report.append(sentence)
        if target.get("spoke"):
            vpc_id, hub_profile = target["spoke"]
            conflict = spoke_profile_conflict(session.client("route53profiles", region_name=region, config=config), region, vpc_id, hub_profile)
            if conflict:
                raise LookupFailed(conflict)
    return entries


# --------------------------------------------------------------------------- the CLI


def app_context(app_dir: Path, cli: list[str]) -> dict[str, Any]:
    """cdk.json's context, then cdk.context.json, then -c key=value (the CLI's precedence)."""
    context: dict[str, Any] = {}
    cdk_json = app_dir / "cdk.json"
    if cdk_json.exists():
        context.update(json.loads(cdk_json.read_text()).get("context", {}))
    cache = app_dir / "cdk.context.json"
    if cache.exists():
        context.update(json.loads(cache.read_text()))
    for item in cli:
        key, sep, value = item.partition("=")
        if not sep:
            raise LookupFailed(f"-c {item!r} is not key=value; write for example -c regions=ap-northeast-1.")
        context[key] = value
    return context


def write_cache(app_dir: Path, entries: Mapping[str, Any]) -> Path:
    cache = app_dir / "cdk.context.json"
    current = json.loads(cache.read_text()) if cache.exists() else {}
    current.update(entries)
    cache.write_text(json.dumps(dict(sorted(current.items())), indent=2) + "\n")
    return cache


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="private-bedrock lookup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", action="append", help="only this configured region (repeatable)")
    parser.add_argument("-c", "--context", action="append", default=[], help="key=value, as for cdk -c")
    parser.add_argument("--app-dir", type=Path, default=Path.cwd())
    # CDK_ARGS may carry CLI flags meant for cdk (--require-approval ...): only -c matters here.
    args, _ = parser.parse_known_args(argv)
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        targets = region_targets(app_context(args.app_dir, args.context), args.region)
        session = boto3.Session()
        if session.get_credentials() is None:
            raise LookupFailed("No AWS credentials found; set AWS_PROFILE (or run in an environment with credentials) and try again.")
        try:
            account = session.client("sts").get_caller_identity()["Account"]
            report: list[str] = []
            entries = lookup(session, account, targets, report)
        except (BotoCoreError, ClientError) as err:
            raise LookupFailed(f"The account lookup failed: {err}") from None
    except (LookupFailed, ConfigError, ValueError) as err:
        print(f"Lookup error: {err}", file=sys.stderr)
        return 2
    cache = write_cache(args.app_dir, entries)
    for line in report:  # each allow-listed model's availability for this account
        print(line)
    for region, target in targets.items():
        offered = [s for s in target["endpoints"] if entries[endpoint_service_key(account, region, s)]["offered"]]
        print(f"{region}: endpoint services offered: {', '.join(offered) or 'none'}; profiles looked up: {len(target['profiles'])}")
    print(f"{len(entries)} entries for account {account} written to {cache}; commit it so later synths are deterministic.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
