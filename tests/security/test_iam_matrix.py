"""The IAM allow/deny matrix of the synthesized templates, evaluated by iam-simulate.

The matrix itself lives in private_bedrock/tools/prove (`make prove` prints it for the last synth's assembly;
the command's own tests: test_prove_command.py); here every cell of the test-owned
configurations is asserted, the design's invariant is restated independently of private_bedrock/tools/prove's
`expected`, and loosened templates show the matrix reports exactly the cells a loosening opens.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.conftest import OPTIONAL_ALIAS, OPTIONAL_GUARDRAIL, OPTIONAL_KB
from private_bedrock.tools.prove.matrix import ALLOW, DENY, PATHS, RegionMatrix, SimulationError, prove, unexpected
from private_bedrock.tools.prove.report import code, print_matrices
from private_bedrock.tools.prove.resolve import Symbols, UnresolvedIntrinsic, fake_vpce_id, resolve, symbols_for

ALLOW_LISTED_US_EAST_1 = {"list-fm", "invoke", "stream", "responses", "mantle-create", "mantle-list"}
OFF_ENDPOINT_PATHS = ("foreign", "none", "cfn")


def check(matrices: list[RegionMatrix]) -> None:
    bad = unexpected(matrices)
    assert not bad, f"{len(bad)} cell(s) are not what the design promises:\n" + "\n".join(c.describe() for c in bad)


def loosened(matrices: list[RegionMatrix]) -> set[tuple[str, str, str]]:
    return {(c.principal.key, c.request.key, c.path.key) for c in unexpected(matrices)}


# What the identity policy denies outright, whatever the path (API keys, server-side tools,
# Claude Platform: the aws-external-anthropic prefix is never fenced by the network).
DENIED_OUTRIGHT = {"bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken", "bedrock:InvokeTool", "bedrock-agentcore:InvokeGateway"}


def held_by_the_fence(m: RegionMatrix) -> set[str]:
    """Requests only the Deny outside our endpoints keeps from a role with broad Bedrock rights."""
    fenced = ("bedrock", "bedrock-mantle", "bedrock-agentcore", "nova-act")
    return {r.key for r in m.requests if r.action.split(":")[0] in fenced and r.action not in DENIED_OUTRIGHT}


# --- helpers that loosen a template the way a careless edit would -----------------------


def _resources(template: dict[str, Any], kind: str) -> Iterator[dict[str, Any]]:
    return (r["Properties"] for r in template["Resources"].values() if r["Type"] == kind)


def identity_policy(template: dict[str, Any]) -> dict[str, Any]:
    (doc,) = [p["PolicyDocument"] for p in _resources(template, "AWS::IAM::ManagedPolicy") if p.get("Description", "").startswith("Amazon Bedrock")]
    return doc


def endpoint_policies(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [p["PolicyDocument"] for p in _resources(template, "AWS::EC2::VPCEndpoint")]


def drop_condition_key(statement: dict[str, Any], key: str) -> None:
    for op in list(statement.get("Condition", {})):
        statement["Condition"][op].pop(key, None)
        if not statement["Condition"][op]:
            del statement["Condition"][op]
    if statement.get("Condition") == {}:
        del statement["Condition"]


# --- the matrix of the default configuration ----------------------------------------------


def test_every_cell_is_as_designed(matrices: list[RegionMatrix]) -> None:
    print()
    print_matrices(matrices)
    check(matrices)


def test_only_the_workload_through_its_endpoint_is_allowed(matrices: list[RegionMatrix]) -> None:
    """The invariant, restated here so a loosened `expected()` cannot hide a loosened policy.

    Every cell this deployment governs (through our endpoints, or a principal that carries the
    identity policy) is allowed exactly when it is a workload role's allow-listed request
    through its own endpoint. The admins off our endpoints must be allowed: that shows their
    `deny` through our endpoints is the endpoint policy's doing, not a broken request.
    """
    for m in matrices:
        for c in m.cells:
            governed = c.path.key == "own" or c.principal.kind != "admin"
            want = c.principal.kind == "workload" and c.request.allow_listed and c.path.key == "own" if governed else True
            assert (c.got == ALLOW) == want, c.describe()


def test_the_matrix_covers_what_the_issue_asks(matrices: list[RegionMatrix]) -> None:
    by_region = {m.region: m for m in matrices}
    assert set(by_region) == {"us-east-1", "ap-northeast-1"}
    for m in matrices:
        kinds = [p.kind for p in m.principals]
        assert kinds.count("workload") == 1 and "control" in kinds and kinds.count("broad") == 1 and kinds.count("admin") == 2
        (probe,) = [p for p in m.principals if p.kind == "workload"]
        assert probe.key == "ProbeInVpcRole"
        assert m.deployment.identity_policy_id in {name for name, _ in probe.policies}, "the probe role must carry the identity policy"
        keys = {r.key for r in m.requests}
        assert {
            "list-fm", "invoke", "stream", "invoke-other", "mantle-create", "mantle-list", "mantle-create-other", "customize", "bearer", "mantle-bearer",
            # issue 8: Responses on bedrock-runtime; issue 9: forwarded requests, tools, stored responses
            "responses", "responses-other", "create-agent", "websearch", "websearch-external", "agentcore-gateway", "invoke-tool", "stored-get", "mantle-stored-get",
        } <= keys
        # Each endpoint has something allowed and something refused through it.
        for service in m.deployment.endpoints:
            assert any(r.allow_listed for r in m.requests if r.service == service), service
            assert any(not r.allow_listed for r in m.requests if r.service == service), service
        assert len(m.cells) == len(m.principals) * len(m.requests) * len(PATHS)
    # ap-northeast-1 uses a profile: the destination model is allowed only via it, in any
    # region, including one no table of this project lists.
    tokyo = by_region["ap-northeast-1"]
    assert {"invoke-dest", "invoke-dest-new", "invoke-dest-direct"} <= {r.key for r in tokyo.requests}
    assert tokyo.cell("ProbeInVpcRole", "invoke-dest", "own").got == ALLOW
    assert tokyo.cell("ProbeInVpcRole", "invoke-dest-new", "own").got == ALLOW
    assert tokyo.cell("ProbeInVpcRole", "invoke-dest-direct", "own").got == DENY
    assert {r.key for r in by_region["us-east-1"].requests if r.allow_listed} == ALLOW_LISTED_US_EAST_1


def test_denials_name_the_layer_that_refuses(matrices: list[RegionMatrix]) -> None:
    m = next(m for m in matrices if m.region == "us-east-1")
    # Through our endpoint an admin is refused by the endpoint policy alone.
    assert code(m.cell("same-account admin", "invoke", "own")) == "deny E"
    # Off our endpoints the identity policy's explicit Deny refuses the probe.
    assert code(m.cell("ProbeInVpcRole", "invoke", "none")) == "deny I!"
    # Bearer tokens are denied explicitly by both layers.
    assert code(m.cell("ProbeInVpcRole", "bearer", "own")) == "deny E!+I!"


# --- the matrix has teeth: loosened templates -------------------------------------------


def test_identity_policy_without_source_vpce_opens_the_off_endpoint_cells(template_copy) -> None:
    t = template_copy("us-east-1")
    doc = identity_policy(t)
    doc["Statement"] = [s for s in doc["Statement"] if s["Sid"] != "DenyBedrockOutsideThisDeploymentsEndpoints"]
    for s in doc["Statement"]:
        drop_condition_key(s, "aws:SourceVpce")
    matrices = prove({"us-east-1": t})
    # Both roles that carry the policy can now make every allow-listed call from anywhere,
    # and the broad workload everything its own admin policy allows.
    assert loosened(matrices) == {
        (p, r, path) for p in ("ProbeInVpcRole", "ProbeOutsideVpcRole") for r in ALLOW_LISTED_US_EAST_1 for path in OFF_ENDPOINT_PATHS
    } | {("broad workload", r, path) for r in held_by_the_fence(matrices[0]) for path in OFF_ENDPOINT_PATHS}
    with pytest.raises(AssertionError, match=r"region us-east-1 \| principal ProbeInVpcRole .* \| request InvokeModel amazon\.nova-micro-v1:0 .* \| path no VPC endpoint \| expected deny \| got allow"):
        check(matrices)


def test_the_explicit_deny_alone_still_holds_when_the_allows_lose_source_vpce(template_copy) -> None:
    """Defence in depth: dropping aws:SourceVpce from the Allows only is caught by the Deny."""
    t = template_copy("us-east-1")
    for s in identity_policy(t)["Statement"]:
        if s["Effect"] == "Allow":
            drop_condition_key(s, "aws:SourceVpce")
    check(prove({"us-east-1": t}))


def test_endpoint_policy_open_to_any_principal_is_reported_cell_by_cell(template_copy) -> None:
    t = template_copy("us-east-1")
    # Widened to any principal by dropping the condition. (A literal "*" as an ArnEquals
    # value is not an ARN: iam-simulate never matches it, so it would not widen anything.)
    for doc in endpoint_policies(t):
        for s in doc["Statement"]:
            drop_condition_key(s, "aws:PrincipalArn")
    opened = loosened(prove({"us-east-1": t}))
    assert opened == (
        {(p, r, "own") for p in ("ProbeOutsideVpcRole", "broad workload", "same-account admin") for r in ALLOW_LISTED_US_EAST_1}
        # Another account's role reaches its own account's foundation model and the
        # account-less ListFoundationModels; the project ARNs pin mantle to our account.
        | {("other-account admin", r, "own") for r in ("list-fm", "invoke", "stream")}
    )


def drop_condition_key_everywhere(t: dict, key: str) -> None:
    """Loosen the identity policy and every endpoint policy of a template copy alike."""
    for doc in [identity_policy(t), *endpoint_policies(t)]:
        for s in doc["Statement"]:
            drop_condition_key(s, key)


def test_dropping_the_mantle_model_pin_opens_exactly_the_other_model(template_copy) -> None:
    t = template_copy("us-east-1")
    drop_condition_key_everywhere(t, "bedrock-mantle:Model")
    assert loosened(prove({"us-east-1": t})) == {("ProbeInVpcRole", "mantle-create-other", "own")}


def test_dropping_the_profile_condition_opens_direct_calls_to_destination_models(template_copy) -> None:
    t = template_copy("ap-northeast-1")
    drop_condition_key_everywhere(t, "bedrock:InferenceProfileArn")
    assert loosened(prove({"ap-northeast-1": t})) == {("ProbeInVpcRole", "invoke-dest-direct", "own")}


def test_an_endpoint_policy_allowing_everything_is_reported(template_copy) -> None:
    t = template_copy("us-east-1")
    for res in t["Resources"].values():
        if res["Type"] == "AWS::EC2::VPCEndpoint" and res["Properties"]["ServiceName"].endswith(".bedrock-runtime"):
            res["Properties"]["PolicyDocument"] = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    # The identity policy still confines the probe to its allow list; the control role's own
    # identity policy now works through the endpoint, and the admins get everything through it.
    # The broad workload gets what its admin policy allows except what the identity policy
    # denies outright (API keys, server-side tools).
    runtime = {"invoke", "stream", "invoke-other", "responses", "responses-other", "count-tokens", "count-tokens-other", "async-start", "async-get", "stored-get", "stored-delete"}
    assert loosened(prove({"us-east-1": t})) == (
        # (The Claude Platform cells travel "through" the runtime endpoint in the matrix.)
        {(a, r, "own") for a in ("same-account admin", "other-account admin") for r in runtime | {"bearer", "invoke-tool", "claude-platform", "claude-platform-bearer"}}
        | {("broad workload", r, "own") for r in runtime}
        | {("ProbeOutsideVpcRole", r, "own") for r in ("invoke", "stream", "responses")}
    )


# --- issue 9: services acting on the caller's behalf, server-side tools ------------------------


def test_cloudformation_acting_for_the_caller_is_refused_by_the_identity_policy(matrices: list[RegionMatrix]) -> None:
    for m in matrices:
        for c in m.cells:
            if c.path.key == "cfn" and c.principal.kind != "admin":
                assert c.got == DENY, c.describe()
        # The broad workload holds bedrock:* itself: only the explicit Deny stops it.
        assert code(m.cell("broad workload", "create-agent", "cfn")) == "deny I!"
        assert m.cell("same-account admin", "create-agent", "cfn").got == ALLOW  # the request itself is valid
        # The intended path stays open.
        assert m.cell("ProbeInVpcRole", "invoke", "own").got == ALLOW


def test_an_exemption_for_forwarding_services_would_open_the_cloudformation_path(template_copy) -> None:
    t = template_copy("us-east-1")
    deny = next(s for s in identity_policy(t)["Statement"] if s["Sid"] == "DenyBedrockOutsideThisDeploymentsEndpoints")
    deny["Condition"]["BoolIfExists"] = {"aws:ViaAWSService": "false"}  # the exemption this project dropped
    matrices = prove({"us-east-1": t})
    (m,) = matrices
    # Every bedrock/bedrock-mantle request of the broad workload opens via CloudFormation,
    # except what the identity policy denies outright (API keys, server-side tools).
    assert loosened(matrices) == {("broad workload", r, "cfn") for r in held_by_the_fence(m)}


def test_server_side_tools_are_refused_on_every_path_by_default(matrices: list[RegionMatrix]) -> None:
    for m in matrices:
        for key in ("websearch", "websearch-fetch", "websearch-external", "agentcore-gateway", "invoke-tool"):
            for principal in ("ProbeInVpcRole", "broad workload"):
                for path in PATHS:
                    assert m.cell(principal, key, path.key).got == DENY, (m.region, principal, key, path.key)
            # Through our endpoint even an admin is refused, explicitly, by the endpoint policy.
            assert code(m.cell("same-account admin", key, "own")) == "deny E!"


def test_dropping_the_tool_fence_from_both_layers_opens_the_tools_for_the_broad_workload(template_copy) -> None:
    t = template_copy("us-east-1")
    for doc in [identity_policy(t), *endpoint_policies(t)]:
        doc["Statement"] = [s for s in doc["Statement"] if s["Sid"] != "DenyServerSideTools"]
    tools = ("websearch", "websearch-fetch", "websearch-external")
    opened = loosened(prove({"us-east-1": t}))
    # Through our endpoint the endpoint policy still names only its grants; off it, nothing
    # in the deployment stops a broad role: the fence was the only thing holding these. The
    # AgentCore gateway stays refused off our endpoints: all of bedrock-agentcore is fenced.
    assert opened == {("broad workload", r, path) for r in tools for path in OFF_ENDPOINT_PATHS}


# --- Claude Platform on AWS and AgentCore: denied in the identity policy -----------------------

CLAUDE = ("claude-platform", "claude-platform-bearer")
AGENTCORE = ("agentcore-runtime", "agentcore-browser", "agentcore-code", "agentcore-gateway", "nova-act")


def test_claude_platform_and_agentcore_are_refused_on_every_path(matrices: list[RegionMatrix]) -> None:
    for m in matrices:
        for key in (*CLAUDE, *AGENTCORE):
            for principal in ("ProbeInVpcRole", "broad workload"):
                for path in PATHS:
                    assert m.cell(principal, key, path.key).got == DENY, (m.region, principal, key, path.key)
        # The broad workload holds aws-external-anthropic:* and bedrock-agentcore:* itself:
        # only the identity policy's explicit Denies hold it, on every path.
        for path in PATHS:
            assert code(m.cell("broad workload", "claude-platform", path.key)) in ("deny I!", "deny E+I!"), path
        for path in OFF_ENDPOINT_PATHS:
            for key in AGENTCORE:
                assert code(m.cell("broad workload", key, path)) == "deny I!", (key, path)
            # Admins outside this deployment's control reach both: the fence is what holds them.
            assert code(m.cell("same-account admin", "claude-platform", path)) == "allow†"


def _opened_by(t: dict[str, Any], edit: Any) -> set[tuple[str, str, str]]:
    edit(identity_policy(t))
    return loosened(prove({"us-east-1": t}))


def test_without_the_claude_platform_deny_the_broad_workload_reaches_it(template_copy) -> None:
    def drop(doc: dict[str, Any]) -> None:
        doc["Statement"] = [s for s in doc["Statement"] if s["Sid"] != "DenyClaudePlatform"]

    # Its API keys stay refused (DenyBearerTokens); through our endpoint the endpoint policy refuses.
    assert _opened_by(template_copy("us-east-1"), drop) == {("broad workload", "claude-platform", p) for p in OFF_ENDPOINT_PATHS}


def test_the_claude_platform_opt_in_exempts_exactly_the_named_role(template_copy) -> None:
    """The statement the builder writes for claudePlatform naming a role, in the template: that
    role (here the matrix's broad workload) reaches Claude Platform, no one else does."""
    from private_bedrock.config.app_config import load_config
    from private_bedrock.policies.identity import source_vpce_policy

    named = "arn:aws:iam::111122223333:role/BroadWorkload"
    cfg = load_config({"regions": ["us-east-1"], "claudePlatform": {"enabled": True, "principalArns": [named]}}, None).regions[0]
    built = next(s for s in source_vpce_policy(cfg.access, "111122223333", {e: "vpce-1" for e in cfg.endpoints})["Statement"] if s["Sid"] == "DenyClaudePlatform")
    assert built["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": named}}

    def opt_in(doc: dict[str, Any]) -> None:
        (deny,) = [s for s in doc["Statement"] if s["Sid"] == "DenyClaudePlatform"]
        assert "Condition" not in deny  # denied to everyone by default
        deny["Condition"] = built["Condition"]

    assert _opened_by(template_copy("us-east-1"), opt_in) == {("broad workload", "claude-platform", p) for p in OFF_ENDPOINT_PATHS}


def test_without_agentcore_in_the_endpoint_fence_the_broad_workload_reaches_it(template_copy) -> None:
    def drop(doc: dict[str, Any]) -> None:
        deny = next(s for s in doc["Statement"] if s["Sid"] == "DenyBedrockOutsideThisDeploymentsEndpoints")
        deny["Action"] = [a for a in deny["Action"] if a not in ("bedrock-agentcore:*", "nova-act:*")]

    # The gateway stays refused outright (DenyServerSideTools, serverSideTools is off).
    opened = _opened_by(template_copy("us-east-1"), drop)
    assert opened == {("broad workload", k, p) for k in ("agentcore-runtime", "agentcore-browser", "agentcore-code", "nova-act") for p in OFF_ENDPOINT_PATHS}


def test_stored_responses_are_refused_without_the_capability(matrices: list[RegionMatrix]) -> None:
    for m in matrices:
        for key in ("stored-get", "stored-delete", "mantle-stored-get", "mantle-stored-delete"):
            assert m.cell("ProbeInVpcRole", key, "own").got == DENY, (m.region, key)


# --- the optional features: every capability, named agents, an enforced guardrail -------------


@pytest.fixture(scope="module")
def optional_matrices(all_matrices: list[RegionMatrix]) -> dict[str, RegionMatrix]:
    """The optional-features configuration with both layers (evaluated with all the others)."""
    return {m.region: m for m in all_matrices if m.config == "optional-features" and m.layer == "both"}


def test_optional_features_every_cell_is_as_designed(optional_matrices: dict[str, RegionMatrix]) -> None:
    check(list(optional_matrices.values()))


def test_capabilities_open_exactly_their_requests(optional_matrices: dict[str, RegionMatrix]) -> None:
    m = optional_matrices["us-east-1"]
    for key in ("count-tokens", "async-start", "async-get", "stored-get", "stored-delete", "mantle-stored-get", "websearch", "websearch-external", "invoke-tool"):
        assert m.cell("ProbeInVpcRole", key, "own").got == ALLOW, key
        assert m.cell("ProbeInVpcRole", key, "none").got == DENY, key
    # A user's AgentCore gateway is never granted by this deployment.
    assert m.cell("ProbeInVpcRole", "agentcore-gateway", "own").got == DENY
    # Enabled tools are fenced to our endpoints like every Bedrock action.
    for path in OFF_ENDPOINT_PATHS:
        assert code(m.cell("broad workload", "websearch", path)) == "deny I!", path


def test_only_the_named_agent_and_knowledge_base(optional_matrices: dict[str, RegionMatrix]) -> None:
    m = optional_matrices["us-east-1"]
    assert {r.resource for r in m.requests if r.key in ("invoke-agent", "retrieve")} == {OPTIONAL_ALIAS, OPTIONAL_KB}
    assert m.cell("ProbeInVpcRole", "invoke-agent", "own").got == ALLOW
    assert m.cell("ProbeInVpcRole", "retrieve", "own").got == ALLOW
    assert m.cell("ProbeInVpcRole", "get-agent", "own").got == ALLOW
    for key in ("invoke-agent-other", "retrieve-other", "get-agent-other"):
        assert m.cell("ProbeInVpcRole", key, "own").got == DENY, key


def test_a_configured_guardrail_is_required_on_every_inference(optional_matrices: dict[str, RegionMatrix]) -> None:
    m = optional_matrices["us-west-2"]
    assert next(r for r in m.requests if r.key == "invoke").context == {"bedrock:GuardrailIdentifier": OPTIONAL_GUARDRAIL}
    for key in ("invoke", "stream", "invoke-dest", "invoke-dest-new", "apply-guardrail"):
        assert m.cell("ProbeInVpcRole", key, "own").got == ALLOW, key
    assert code(m.cell("ProbeInVpcRole", "invoke-no-guardrail", "own")) == "deny E+I"


# --- the CloudFormation resolver ---------------------------------------------------------


def test_resolver_resolves_what_cdk_writes() -> None:
    template = {
        "Resources": {
            "Ep1": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {}},
            "Role1": {"Type": "AWS::IAM::Role", "Properties": {}},
        }
    }
    symbols = symbols_for(template, "eu-west-1", "123456789012")
    doc = {
        "a": {"Ref": "Ep1"},
        "b": {"Fn::Join": ["", ["arn:aws:bedrock-mantle:eu-west-1:", {"Ref": "AWS::AccountId"}, ":project/*"]]},
        "c": [{"Fn::GetAtt": ["Role1", "Arn"]}],
        "d": {"Fn::Sub": "arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${Role1.Arn}"},
    }
    assert resolve(doc, symbols) == {
        "a": fake_vpce_id("Ep1"),
        "b": "arn:aws:bedrock-mantle:eu-west-1:123456789012:project/*",
        "c": ["arn:aws:iam::123456789012:role/Role1"],
        "d": "arn:aws:x:eu-west-1:123456789012:arn:aws:iam::123456789012:role/Role1",
    }
    assert fake_vpce_id("Ep1") != fake_vpce_id("Ep2") and fake_vpce_id("Ep1").startswith("vpce-")


@pytest.mark.parametrize(
    "value",
    [{"Ref": "Nope"}, {"Fn::GetAtt": ["Ep1", "DnsEntries"]}, {"Fn::If": ["C", "a", "b"]}, {"Fn::Select": [0, ["a"]]}],
)
def test_resolver_refuses_what_it_cannot_resolve(value: Any) -> None:
    with pytest.raises(UnresolvedIntrinsic):
        resolve({"Statement": [{"Resource": value}]}, Symbols(refs={"AWS::AccountId": "1"}))


def test_the_simulator_rejects_a_request_it_cannot_evaluate(template_copy, monkeypatch) -> None:
    """A cell the simulator cannot evaluate stops the run; it never becomes a silent deny."""
    import private_bedrock.tools.prove.matrix as matrix

    monkeypatch.setattr(matrix, "ADMIN_POLICY", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*", "Bogus": 1}]})
    with pytest.raises(SimulationError, match="rejected a cell"):
        prove({"us-east-1": template_copy("us-east-1")})


# --- the printed tables (the command itself: tests/security/test_prove_command.py) ----------------


def test_the_legend_marks_crosses_only_when_a_cell_is_unexpected(matrices, template_copy, capsys) -> None:
    print_matrices(matrices)
    assert "✗" not in capsys.readouterr().out
    t = template_copy("us-east-1")
    drop_condition_key_everywhere(t, "bedrock-mantle:Model")
    print_matrices(prove({"us-east-1": t}))
    assert "✗ = not what the design promises." in capsys.readouterr().out
