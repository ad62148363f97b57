"""The design a region's stack declares in its template metadata, from its configuration alone.

`make synth`'s summary prints it, `make verify` and the IAM matrix derive their expectations
from it (a deployed template, not a local file, says what the probe must see), and the
matrix's synth-free templates (private_bedrock/tools/prove/builders.py) carry the same document: one
function, so the matrix of the builders and of a synthesized stack expect the same things.
"""

from __future__ import annotations

from typing import Any, Mapping

from private_bedrock.config.app_config import RegionConfig
from private_bedrock.config.residency import residency_metadata


def design_metadata(config: RegionConfig, monitoring: Mapping[str, Any] | None = None) -> dict[str, Any]:
    hub, spoke = config.network.hub, config.network.spoke
    return {
        "inferenceScope": config.inference_scope,
        "runtimeModels": [m.model_id for m in config.runtime_models],
        "mantleModels": list(config.mantle_models),
        "inferenceRegions": list(config.inference_regions()),
        # Per model: where it may run and why (private_bedrock/config/residency.py); read by the summary.
        "residency": residency_metadata(config),
        "endpointPolicy": config.endpoint_policy,
        "allowApiKeys": config.allow_api_keys,
        # The real models the probe expects refused; the IAM matrix checks the same ones.
        "probeDeniedModels": {"runtime": config.probe.runtime_denied_model, "mantle": config.probe.mantle_denied_model},
        "azCount": config.az_count,
        **({"monitoring": dict(monitoring)} if monitoring is not None else {}),
        # What the grants cover beyond inference; the IAM matrix derives its cells from these.
        "capabilities": list(config.capabilities),
        "guardrailArn": config.guardrail_arn,
        # Only when restricted (absent: every tier AWS offers); the IAM matrix adds tier cells.
        **({"serviceTiers": list(config.service_tiers)} if config.service_tiers else {}),
        "agentAliasArns": list(config.agent_alias_arns),
        "knowledgeBaseArns": list(config.knowledge_base_arns),
        "dnsAllowedDomains": list(config.dns_allowed_domains),
        "topology": config.network.topology,
        "existingVpc": config.network.existing is not None,
        # A hub's admitted spoke roles: the IAM matrix's spoke columns expect exactly these allowed.
        **({"spokePrincipalArns": list(hub.spoke_principal_arns)} if hub else {}),
        # How the hub admits spokes (private_bedrock/policies/hub_shared.py); the matrix models the same.
        **({"spokeAccess": hub.access, "spokeOrganizationId": hub.organization_id, "spokeRoleNames": list(hub.role_names), "spokeOrgPaths": list(hub.org_paths)} if hub and hub.access != "perAccount" else {}),
        **({"hubEndpointIds": dict(spoke.endpoint_ids)} if spoke else {}),
    }
