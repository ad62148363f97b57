"""`make lookup` (private_bedrock/tools/lookup/account.py) against moto's EC2/STS and a local Bedrock stand-in, over HTTP.

Then the cached answers drive synthesis: load_config reads them for that account, and the
app with seeded context says where inference may run on the account's word.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import urllib.request
from pathlib import Path
from unittest import mock

import pytest

from private_bedrock.config.account_facts import endpoint_service_key, inference_profile_key, model_catalog_key
from private_bedrock.config.app_config import ConfigError, load_config
from tests.fakes.lookup_servers import FakeBedrockControl
from private_bedrock.tools.lookup.account import main as lookup_main

ACCOUNT = "123456789012"  # moto's account
JP = "jp.amazon.nova-2-lite-v1:0"
PROFILES = {
    JP: ["ap-northeast-1", "ap-northeast-3"],
    "apac.amazon.nova-micro-v1:0": ["ap-northeast-1", "ap-southeast-1"],
    "us.amazon.nova-micro-v1:0": ["us-east-1", "us-east-2", "us-west-2"],
}
FOUNDATION = {"amazon.nova-micro-v1:0": ["ON_DEMAND"], "amazon.nova-2-lite-v1:0": ["INFERENCE_PROFILE"]}
MANTLE_ZONES = {"us-east-1": ["us-east-1a", "us-east-1c"], "ap-northeast-1": ["ap-northeast-1a", "ap-northeast-1c"]}


@pytest.fixture(scope="module")
def moto_url():
    """moto's server on loopback (EC2 and STS), one per module: its endpoint catalogue is slow to build."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        _, port = server.get_host_and_port()
        url = f"http://127.0.0.1:{port}"
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).read()
        yield url
    finally:
        server.stop()


@contextlib.contextmanager
def mantle_offered(zones: dict[str, list[str]], policy_supported: bool = True):
    """Add bedrock-mantle to moto's endpoint-service catalogue (moto 5.2.5 does not know it), then take it out."""
    from moto.core.base_backend import BaseBackend
    from moto.ec2.models import vpcs

    saved = []
    for region in {*zones, "us-east-1", "ap-northeast-1"}:
        # Builds (and takes the lock for) moto's per-region catalogue; another test (the
        # rehearsal) may have offered mantle there already: only this test's offer counts.
        catalogue = vpcs.VPCBackend._collect_default_endpoint_services(ACCOUNT, region)
        with vpcs.ENDPOINT_SERVICE_COLLECTION_LOCK:
            saved.append((catalogue, list(catalogue)))
            catalogue[:] = [e for e in catalogue if not e["ServiceName"].endswith(".bedrock-mantle")]
            if region in zones:
                (entry,) = BaseBackend.default_vpc_endpoint_service_factory(region, zones[region], "bedrock-mantle", policy_supported=policy_supported)
                catalogue.append(entry)
    try:
        yield
    finally:
        with vpcs.ENDPOINT_SERVICE_COLLECTION_LOCK:
            for catalogue, before in saved:
                catalogue[:] = before


def run_lookup(app_dir: Path, context: dict, moto_url: str, fake: FakeBedrockControl, *args: str) -> tuple[int, dict]:
    (app_dir / "cdk.json").write_text(json.dumps({"app": "true", "context": context}))
    env = {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_CONFIG_FILE": "/dev/null",
        "AWS_ENDPOINT_URL_EC2": moto_url, "AWS_ENDPOINT_URL_STS": moto_url,
        "AWS_ENDPOINT_URL_BEDROCK": fake.url, "AWS_ENDPOINT_URL_BEDROCK_MANTLE": fake.url,
    }
    with mock.patch.dict(os.environ, env):
        os.environ.pop("AWS_PROFILE", None)
        rc = lookup_main(["--app-dir", str(app_dir), *args])
    cache = app_dir / "cdk.context.json"
    return rc, (json.loads(cache.read_text()) if cache.exists() else {})


@pytest.fixture(scope="module")
def default_lookup(tmp_path_factory, moto_url) -> tuple[int, dict, list]:
    app_dir = tmp_path_factory.mktemp("app")
    with mantle_offered(MANTLE_ZONES), FakeBedrockControl(PROFILES, FOUNDATION, ["openai.gpt-oss-20b", "openai.gpt-oss-120b"]) as fake:
        rc, cache = run_lookup(app_dir, {}, moto_url, fake)
        return rc, cache, list(fake.requests)


def test_lookup_asks_ec2_once_per_service_and_caches_the_answers(default_lookup) -> None:
    rc, cache, _ = default_lookup
    assert rc == 0
    for region in ("us-east-1", "ap-northeast-1"):
        for service in ("bedrock", "bedrock-runtime", "bedrock-mantle"):
            fact = cache[endpoint_service_key(ACCOUNT, region, service)]
            assert fact["offered"] is True and fact["policySupported"] is True, (region, service)
        mantle = cache[endpoint_service_key(ACCOUNT, region, "bedrock-mantle")]
        assert mantle["availabilityZones"] == MANTLE_ZONES[region]
    # Services not enabled are not asked about.
    assert not any("bedrock-agent" in k for k in cache)


def test_lookup_records_profile_destinations_and_the_catalog(default_lookup) -> None:
    _, cache, requests = default_lookup
    assert cache[inference_profile_key(ACCOUNT, "ap-northeast-1", JP)] == {"found": True, "regions": ["ap-northeast-1", "ap-northeast-3"], "status": "ACTIVE"}
    # us-east-1's default is in-region: no profile to look up there.
    assert not any(k.startswith("private-bedrock-inference-profile") and "region=us-east-1" in k for k in cache)
    catalog = cache[model_catalog_key(ACCOUNT, "ap-northeast-1")]
    # On-demand foundation models and every system-defined profile (three, over two pages).
    assert catalog["runtime"] == sorted(["amazon.nova-micro-v1:0", *PROFILES])
    assert catalog["mantle"] == ["openai.gpt-oss-120b", "openai.gpt-oss-20b"]
    # Each call was signed for its own service and the region asked about.
    assert ("/v1/models", "ap-northeast-1", "bedrock-mantle") in requests
    assert (f"/inference-profiles/{JP}", "ap-northeast-1", "bedrock") in requests
    assert sum(1 for path, region, _ in requests if path == "/inference-profiles" and region == "ap-northeast-1") == 2


def test_synthesis_uses_the_cached_answers_for_that_account(default_lookup) -> None:
    _, cache, _ = default_lookup
    tokyo = load_config(cache, ACCOUNT).regions[1]
    assert tokyo.model_sources == {JP: "account lookup"}
    assert tokyo.inference_regions() == ("ap-northeast-1", "ap-northeast-3")
    assert set(tokyo.endpoint_sources.values()) == {"account lookup"}
    # Another account's cache is not this account's truth: the documented table applies.
    other = load_config(cache, "210987654321").regions[1]
    assert set(other.endpoint_sources.values()) == {"documented table"} and other.model_sources == {JP: "documented table"}


def test_an_unknown_model_is_refused_on_the_accounts_word(default_lookup) -> None:
    _, cache, _ = default_lookup
    with pytest.raises(ConfigError, match=r"^runtimeModels entry 'amazon.nova-micor-v1:0' is not offered to this account in us-east-1 .*did you mean 'amazon.nova-micro-v1:0'\?$"):
        load_config({**cache, "regions": ["us-east-1"], "runtimeModels": ["amazon.nova-micor-v1:0"]}, ACCOUNT)
    with pytest.raises(ConfigError, match=r"mantleModels entry 'openai.gpt-oss-12b' is not offered to this account .*'openai.gpt-oss-120b'"):
        load_config({**cache, "regions": ["us-east-1"], "mantleModels": ["openai.gpt-oss-12b"]}, ACCOUNT)


def test_a_service_the_region_does_not_offer_is_refused_before_deploy(tmp_path, moto_url) -> None:
    # Here the account offers no bedrock-mantle in us-east-1: the lookup says so and synthesis
    # refuses, although the documented table lists the region (the account decides).
    context = {"regions": ["us-east-1"]}
    with mantle_offered({}), FakeBedrockControl(PROFILES, FOUNDATION, None) as fake:
        rc, cache = run_lookup(tmp_path, context, moto_url, fake)
    assert rc == 0
    assert cache[endpoint_service_key(ACCOUNT, "us-east-1", "bedrock-mantle")] == {"offered": False, "policySupported": False, "availabilityZones": []}
    # models.list unreachable: no mantle list cached, the documented one stands in (labelled).
    assert cache[model_catalog_key(ACCOUNT, "us-east-1")]["mantle"] is None
    with pytest.raises(ConfigError, match=r"^The account lookup \(cdk.context.json\) says us-east-1 does not offer a bedrock-mantle interface endpoint"):
        load_config({**context, **cache}, ACCOUNT)


def test_a_service_without_endpoint_policies_is_refused(tmp_path, moto_url) -> None:
    context = {"regions": ["ap-northeast-1"]}
    with mantle_offered({"ap-northeast-1": ["ap-northeast-1a"]}, policy_supported=False), FakeBedrockControl(PROFILES, FOUNDATION, []) as fake:
        rc, cache = run_lookup(tmp_path, context, moto_url, fake)
    assert rc == 0
    with pytest.raises(ConfigError, match=r"bedrock-mantle endpoint service in ap-northeast-1 does not support endpoint policies"):
        load_config({**context, **cache}, ACCOUNT)


def test_lookup_without_credentials_says_so_in_one_sentence(tmp_path, capsys) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "true", "context": {}}))
    env = {"AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_CONFIG_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true"}
    with mock.patch.dict(os.environ, env):
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
            os.environ.pop(key, None)
        rc = lookup_main(["--app-dir", str(tmp_path)])
    assert rc == 2
    assert capsys.readouterr().err.strip() == "Lookup error: No AWS credentials found; set AWS_PROFILE (or run in an environment with credentials) and try again."
    assert not (tmp_path / "cdk.context.json").exists()


def test_lookup_reports_each_allow_listed_models_availability(tmp_path, moto_url, capsys) -> None:
    # Model access is on by default, but a third-party model's first call subscribes through AWS
    # Marketplace: the lookup says which models are ready and which need an administrator first.
    context = {"regions": ["us-east-1"], "runtimeModels": ["amazon.nova-micro-v1:0", "us.amazon.nova-micro-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0"], "inferenceScope": "geography"}
    availability = {"anthropic.claude-haiku-4-5-20251001-v1:0": ("NOT_AVAILABLE", "NOT_AVAILABLE", "AUTHORIZED")}
    with mantle_offered(MANTLE_ZONES), FakeBedrockControl(PROFILES, FOUNDATION, [], availability=availability) as fake:
        rc, _ = run_lookup(tmp_path, context, moto_url, fake)
        requests = list(fake.requests)
    assert rc == 0
    out = capsys.readouterr().out
    assert "us-east-1: amazon.nova-micro-v1:0: ready (agreement AVAILABLE, entitlement AVAILABLE, authorization AUTHORIZED, region AVAILABLE)." in out
    assert ("us-east-1: anthropic.claude-haiku-4-5-20251001-v1:0: not ready (agreement NOT_AVAILABLE, entitlement NOT_AVAILABLE, "
            "authorization AUTHORIZED, region AVAILABLE); an administrator with aws-marketplace:Subscribe") in out
    # One question per foundation model (the profile's model is the in-region one), signed for bedrock.
    asked = [path for path, _, service in requests if path.startswith("/foundation-model-availability/") and service == "bedrock"]
    assert sorted(asked) == ["/foundation-model-availability/amazon.nova-micro-v1:0", "/foundation-model-availability/anthropic.claude-haiku-4-5-20251001-v1:0"]


SPOKE_VPC = "vpc-0123456789abcdef0"
HUB_PROFILE = "rp-0123456789abcdef"


def _spoke_context() -> dict:
    return {"regions": ["us-east-1"], "endpoints": ["bedrock-runtime"], "topology": "spoke", "vpcId": SPOKE_VPC,
            "subnetIds": ["subnet-0123456789abcdef0"], "hubDnsProfileId": HUB_PROFILE, "hubVpcCidr": "10.80.0.0/16",
            "hubEndpointIds": {"bedrock-runtime": "vpce-0123456789abcdef0"}}


@pytest.mark.parametrize("associated, rc", [([], 0), ([HUB_PROFILE], 0), (["rp-0000000000000000"], 2)])
def test_a_spoke_vpc_with_another_route53_profile_gets_one_sentence(tmp_path, moto_url, capsys, associated, rc) -> None:
    with FakeBedrockControl(PROFILES, FOUNDATION, None, profile_associations={SPOKE_VPC: associated}) as fake:
        with mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL_ROUTE53PROFILES": fake.url}):
            got, _ = run_lookup(tmp_path, _spoke_context(), moto_url, fake)
        requests = list(fake.requests)
    assert got == rc
    assert ("/profileassociations", "us-east-1", "route53profiles") in requests
    err = capsys.readouterr().err.strip()
    if rc:
        assert err == (f"Lookup error: Spoke VPC {SPOKE_VPC} in us-east-1 already has Route 53 Profile rp-0000000000000000 associated "
                       f"and a VPC can have only one, so the hub's Profile {HUB_PROFILE} cannot be attached; see docs/network-modes.md, "
                       "\"A spoke VPC that already has a Route 53 Profile\", for the ways forward.")
        assert not (tmp_path / "cdk.context.json").exists()
    else:
        assert "Lookup error" not in err
