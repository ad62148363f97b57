"""`endpoints`: which interface endpoints a region gets, and whether the region offers them.

The account's cached lookup (`make lookup`) is asked first; without one, AWS's documented
table (private_bedrock/facts/regions.py) decides, and each answer says where it came from.
"""

from __future__ import annotations

from private_bedrock.config.account_facts import ACCOUNT_SOURCE, DOCUMENTED_SOURCE, AccountFacts
from private_bedrock.config.errors import ConfigError
from private_bedrock.config.values import one_of
from private_bedrock.facts.regions import SERVICES, documentation_note, documented_regions

AGENT_SERVICES: tuple[str, ...] = ("bedrock-agent", "bedrock-agent-runtime")


def check_endpoint_names(key: str, endpoints: tuple[str, ...]) -> None:
    for name in endpoints:
        one_of(f"{key} entry", name, SERVICES)
    repeated = sorted({name for name in endpoints if endpoints.count(name) > 1})
    if repeated:
        # Each name becomes one endpoint construct; a second one would collide at synth.
        raise ConfigError(f"{key} lists {', '.join(repeated)} more than once; list each endpoint once.")
    if "bedrock-runtime" not in endpoints:
        raise ConfigError(f"{key} must include bedrock-runtime (the probe and the policies are built around it).")


def check_endpoint(where: str, region: str, service: str, facts: AccountFacts) -> str:
    """Refuse a service the region does not offer; return where that answer came from."""
    fact = facts.endpoint_services.get(service)
    if fact is not None:
        if not fact.offered:
            raise ConfigError(
                f"The account lookup (cdk.context.json) says {region} does not offer a {service} interface endpoint; "
                f"remove {service} from {where} for {region} (or run `make lookup` again if AWS has added it since)."
            )
        if not fact.policy_supported:
            raise ConfigError(
                f"The account lookup (cdk.context.json) says the {service} endpoint service in {region} does not support "
                f"endpoint policies, which this deployment relies on; remove {service} from {where} for {region}."
            )
        return ACCOUNT_SOURCE
    offered = documented_regions(service)
    if region not in offered:
        what = "Bedrock Agents" if service.startswith("bedrock-agent") else f"a {service} PrivateLink endpoint"
        raise ConfigError(
            f"Region {region} does not offer {what} according to AWS's documentation ({len(offered)} regions do: "
            f"{', '.join(sorted(offered))}); remove {service} from regionOverrides.{region}.endpoints, or run "
            "`make lookup` with credentials if your account says otherwise."
        )
    note = documentation_note(service, region)
    return f"{DOCUMENTED_SOURCE} ({note})" if note else DOCUMENTED_SOURCE
