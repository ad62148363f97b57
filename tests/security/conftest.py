"""Security fixtures: the IAM matrix over the default and test-owned configurations.

Each configuration is synthesized once per session; every (configuration, region, layer)
matrix is evaluated in ONE simulator process (private_bedrock/tools/prove/matrix.py: prove_many).
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Iterator

import pytest

from tests.conftest import synth_in_process
from tests.run_once import value_once
from tests.security.rehearsal_support import Moto, moto_server
from private_bedrock.tools.prove.matrix import LAYERS, Job, RegionMatrix, prove_many

# The matrix resolves the deployment account to 111122223333 (private_bedrock/tools/prove/resolve.py).
ROLE = "arn:aws:iam::111122223333:role/analytics-app"

# Test-owned configurations beside the code's defaults: each switches on a part of the
# design the default does not exercise. Keys are the names the matrix tests report.
CONFIGURATIONS: dict[str, dict[str, Any]] = {
    # API keys allowed: the bearer-token Allows must still be tied to aws:SourceVpce.
    "api-keys": {"regions": ["us-east-1"], "allowApiKeys": True},
    # The seed's demonstration: every endpoint policy an explicit Deny.
    "deny-mode": {"regions": ["us-east-1"], "endpointPolicy": "deny"},
    # Agent endpoints and a workload role outside the template.
    "agents-extra-principal": {
        "regions": ["us-east-1"],
        "endpoints": ["bedrock", "bedrock-runtime", "bedrock-mantle", "bedrock-agent", "bedrock-agent-runtime"],
        "extraPrincipalArns": [ROLE],
        # Agent endpoints grant only named agents and knowledge bases (issue 9, section 4).
        "agentAliasArns": ["arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT12345/ALIAS12345"],
        "knowledgeBaseArns": ["arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KB12345678"],
    },
    # A cross-region profile of a wider geography, written down (no country profile and no
    # built-in default in eu-central-1: residency beyond the region is the user's decision).
    # With a tier restriction (a cost guard): the matrix adds the tier cells (private_bedrock/tools/prove/requests.py).
    "profile-region": {"regions": ["eu-central-1"], "runtimeModels": ["eu.amazon.nova-micro-v1:0"], "inferenceScope": "geography",
                       "serviceTiers": ["default", "flex"]},
}


@pytest.fixture(scope="session")
def configuration_templates(optional_templates: dict[str, dict], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict]]:
    """configuration name -> region -> template (one in-process synth per configuration).

    "optional-features" is tests/conftest.py's OPTIONAL_CONTEXT (every capability, named
    agents, an enforced guardrail), shared with the unit tests' synth of it.
    """
    out = {"optional-features": {stack_id.removeprefix("PrivateBedrock-"): t for stack_id, t in optional_templates.items()}}
    for name, context in CONFIGURATIONS.items():
        stacks = value_once(tmp_path_factory, f"configuration-{name}", lambda context=context: synth_in_process(context))
        out[name] = {stack_id.removeprefix("PrivateBedrock-"): t for stack_id, t in stacks.items()}
    return out


@pytest.fixture(scope="session")
def all_matrices(templates: dict[str, dict], configuration_templates: dict[str, dict[str, dict]], tmp_path_factory: pytest.TempPathFactory) -> list[RegionMatrix]:
    """Every configuration x region x layer, evaluated in one simulator run."""
    configs = {"default": templates, **configuration_templates}
    jobs = [Job(name, region, t, layer) for name, by_region in configs.items() for region, t in by_region.items() for layer in LAYERS]
    return value_once(tmp_path_factory, "all-matrices", lambda: prove_many(jobs))


@pytest.fixture(scope="session")
def matrices(all_matrices: list[RegionMatrix]) -> list[RegionMatrix]:
    """The default configuration with both layers: the table `make prove` prints."""
    return [m for m in all_matrices if m.config == "default" and m.layer == "both"]


@pytest.fixture
def template_copy(templates: dict[str, dict]) -> Callable[[str], dict[str, Any]]:
    """A deep copy of a region's template that a test may loosen without touching the others."""
    return lambda region: copy.deepcopy(templates[region])


@pytest.fixture
def configuration_copy(configuration_templates: dict[str, dict[str, dict]]) -> Callable[[str, str], dict[str, Any]]:
    """A deep copy of a test-owned configuration's template, to loosen."""
    return lambda config, region: copy.deepcopy(configuration_templates[config][region])


@pytest.fixture(scope="session")
def moto_session() -> Iterator[Moto]:
    """One moto server per session for every deploy rehearsal (each deploys into its own
    account: the standalone one into moto's default account, hub and spoke into theirs)."""
    with moto_server() as server:
        yield server
