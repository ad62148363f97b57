"""The IAM matrix over test-owned configurations, with each policy layer also on its own.

Every cell is named configuration x layer x region x principal x request x path (see
Cell.describe). The layers (private_bedrock/tools/prove/matrix.py): "both" as deployed; "identity" = the
identity policy behind full-access endpoints; "endpoint" = the endpoint policies with every
role holding bedrock:* and bedrock-mantle:* instead of its own policies. A layer loosened
while the other still refuses therefore fails a cell of that layer.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import CONFIGURATIONS
from tests.security.test_iam_matrix import drop_condition_key, endpoint_policies, identity_policy, loosened
from private_bedrock.tools.prove.matrix import ALLOW, DENY, LAYERS, RegionMatrix, prove, unexpected


def check(matrices: list[RegionMatrix]) -> None:
    bad = unexpected(matrices)
    assert not bad, f"{len(bad)} cell(s) are not what the design promises:\n" + "\n".join(c.describe() for c in bad)


def by(matrices: list[RegionMatrix], config: str, layer: str = "both") -> list[RegionMatrix]:
    found = [m for m in matrices if m.config == config and m.layer == layer]
    assert found, f"no matrix for configuration {config!r} layer {layer!r}"
    return found


def test_every_configuration_and_layer_is_as_designed(all_matrices: list[RegionMatrix]) -> None:
    assert {(m.config, m.layer) for m in all_matrices} == {(c, layer) for c in ("default", "optional-features", *CONFIGURATIONS) for layer in LAYERS}
    check(all_matrices)


def test_each_layer_alone_restated(all_matrices: list[RegionMatrix]) -> None:
    """The promise per layer, restated independently of private_bedrock/tools/prove's expected()."""
    for m in all_matrices:
        deny_mode = m.deployment.metadata["endpointPolicy"] == "deny"
        for c in m.cells:
            admin, own, listed = c.principal.kind == "admin", c.path.key == "own", c.request.allow_listed
            if m.layer == "identity":
                # Only the identity policy: it alone confines every role that carries it.
                want = True if admin else (own and listed)
            elif m.layer == "endpoint":
                # Only the endpoint policies: they alone admit the workload's allow list.
                want = (c.principal.kind == "workload" and listed and not deny_mode) if own else True
            else:
                want = (c.principal.kind == "workload" and listed and own and not deny_mode) if (own or not admin) else True
            assert (c.got == ALLOW) == want, c.describe()


def test_configurations_exercise_what_they_are_for(all_matrices: list[RegionMatrix]) -> None:
    (keys,) = by(all_matrices, "api-keys")
    assert keys.cell("ProbeInVpcRole", "bearer", "own").got == ALLOW
    assert keys.cell("ProbeInVpcRole", "mantle-bearer", "own").got == ALLOW
    assert keys.cell("ProbeInVpcRole", "bearer", "none").got == DENY
    (deny,) = by(all_matrices, "deny-mode")
    assert all(c.got == DENY for c in deny.cells if c.path.key == "own")
    (agents,) = by(all_matrices, "agents-extra-principal")
    assert {"bedrock-agent", "bedrock-agent-runtime"} <= set(agents.deployment.endpoints)
    assert "arn:aws:iam::111122223333:role/analytics-app" in agents.deployment.endpoint_principal_arns
    (profile,) = by(all_matrices, "profile-region")
    assert profile.region == "eu-central-1"
    assert profile.cell("ProbeInVpcRole", "invoke-dest", "own").got == ALLOW
    assert profile.cell("ProbeInVpcRole", "invoke-dest-direct", "own").got == DENY
    # serviceTiers default, flex: the synthesized policies refuse a priority request, not an untiered one.
    for key, got in (("invoke", ALLOW), ("invoke-tier-default", ALLOW), ("invoke-tier-priority", DENY),
                     ("responses-tier-priority", DENY), ("mantle-create-tier-priority", DENY)):
        assert profile.cell("ProbeInVpcRole", key, "own").got == got, key


# --- a layer loosened on its own fails a named cell of that layer -------------------------


def _widen_runtime_models(doc: dict[str, Any]) -> None:
    """The careless edit: every foundation-model ARN of the runtime grants becomes foundation-model/*."""
    for s in doc["Statement"]:
        if s["Effect"] != "Allow":
            continue
        resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        if any("foundation-model/" in str(r) for r in resources):
            s["Resource"] = "arn:aws:bedrock:us-east-1::foundation-model/*"


def test_identity_policy_widened_alone_fails_the_identity_layer(template_copy) -> None:
    t = template_copy("us-east-1")
    _widen_runtime_models(identity_policy(t))
    # With both layers the endpoint policy still refuses the other model: nothing opens...
    assert loosened(prove({"us-east-1": t})) == set()
    # ...but the identity layer on its own shows the hole, for both roles that carry it.
    opened = loosened(prove({"us-east-1": t}, layer="identity"))
    assert opened == {(p, "invoke-other", "own") for p in ("ProbeInVpcRole", "ProbeOutsideVpcRole")}


def test_endpoint_policy_widened_alone_fails_the_endpoint_layer(template_copy) -> None:
    t = template_copy("us-east-1")
    for doc in endpoint_policies(t):
        _widen_runtime_models(doc)
    assert loosened(prove({"us-east-1": t})) == set()
    assert loosened(prove({"us-east-1": t}, layer="endpoint")) == {("ProbeInVpcRole", "invoke-other", "own")}


def test_endpoint_principal_list_loosened_alone_fails_the_endpoint_layer(template_copy) -> None:
    t = template_copy("us-east-1")
    for doc in endpoint_policies(t):
        for s in doc["Statement"]:
            drop_condition_key(s, "aws:PrincipalArn")
    opened = loosened(prove({"us-east-1": t}, layer="endpoint"))
    # Every role of the template now passes the endpoint policies with its admin identity.
    assert ("ProbeOutsideVpcRole", "invoke", "own") in opened
    assert ("same-account admin", "invoke", "own") in opened


def test_bearer_allow_without_source_vpce_is_caught_in_the_api_keys_configuration(configuration_copy) -> None:
    """With API keys allowed, the bearer Allow must stay tied to our endpoints (identity layer)."""
    t = configuration_copy("api-keys", "us-east-1")
    doc = identity_policy(t)
    # Take away the defence in depth, then loosen the bearer Allows: the identity layer shows it.
    doc["Statement"] = [s for s in doc["Statement"] if s["Effect"] == "Allow"]
    assert loosened(prove({"us-east-1": t}, layer="identity", config="api-keys")) == set()
    for s in doc["Statement"]:
        if "CallWithBearerToken" in str(s["Action"]):
            drop_condition_key(s, "aws:SourceVpce")
    opened = loosened(prove({"us-east-1": t}, layer="identity", config="api-keys"))
    assert {(p, r, path) for p in ("ProbeInVpcRole", "ProbeOutsideVpcRole") for r in ("bearer", "mantle-bearer") for path in ("foreign", "none", "cfn")} == opened


@pytest.mark.parametrize("config", sorted(CONFIGURATIONS))
def test_every_identity_allow_is_tied_to_its_own_endpoint(configuration_templates, config: str) -> None:
    """Template-level: in every configuration each Allow names aws:SourceVpce of its service."""
    for region, t in configuration_templates[config].items():
        endpoint_ids = {r["Properties"]["ServiceName"].split(".", 3)[3]: {"Ref": k} for k, r in t["Resources"].items() if r["Type"] == "AWS::EC2::VPCEndpoint"}
        allows = [s for s in identity_policy(t)["Statement"] if s["Effect"] == "Allow"]
        assert allows, (config, region)
        for s in allows:
            vpce = s["Condition"]["StringEquals"]["aws:SourceVpce"]
            assert vpce in endpoint_ids.values(), (config, region, s)
