"""The hub's cost against N spokes with their own endpoints (per-region rates, private_bedrock/tools/report/prices.py)."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from private_bedrock.tools.report import hub_cost
from private_bedrock.tools.report.prices import ENDPOINT_AZ_HOUR, HOURS_PER_MONTH, KMS_KEY_MONTH
from private_bedrock.tools.report.summary import _hub_lines


def test_hub_is_one_set_of_endpoints_plus_its_zones() -> None:
    row = hub_cost.compare("us-east-1", endpoint_azs=6, zones=3, spokes=5)
    endpoints = 6 * 0.010 * HOURS_PER_MONTH  # 43.80
    assert row.hub == pytest.approx(endpoints + 3 * 0.50 + KMS_KEY_MONTH)
    assert row.standalone == pytest.approx(5 * (endpoints + KMS_KEY_MONTH))
    assert row.saving == pytest.approx(row.standalone - row.hub)


def test_rates_are_per_region() -> None:
    tokyo = hub_cost.compare("ap-northeast-1", 6, 3, 10)
    virginia = hub_cost.compare("us-east-1", 6, 3, 10)
    assert ENDPOINT_AZ_HOUR["ap-northeast-1"] > ENDPOINT_AZ_HOUR["us-east-1"]
    assert tokyo.standalone > virginia.standalone and tokyo.hub > virginia.hub


def test_one_spoke_is_cheaper_alone_and_many_are_not() -> None:
    rows = {r.spokes: r for r in hub_cost.table("us-east-1", 6, 3, listed=3)}
    assert 3 in rows  # the hub's own spoke count is always a row
    assert rows[1].saving < 0 < rows[2].saving


def test_summary_prints_the_hub_comparison(hub_template: dict) -> None:
    out = io.StringIO()
    resources = hub_template["Resources"]
    _hub_lines(Console(file=out, width=300), "us-east-1", 6, resources, 1)
    text = out.getvalue()
    assert "6 endpoint-AZs and 3 private zones" in text
    row = hub_cost.compare("us-east-1", 6, 3, 10)
    assert f"N=10: hub ${row.hub:,.0f} vs ${row.standalone:,.0f}" in text


def test_summary_says_which_form_the_hub_policies_take_and_their_headroom(hub_template: dict) -> None:
    from private_bedrock.tools.report.summary import hub_admission_line

    meta, resources = hub_template["Metadata"]["PrivateBedrock"], hub_template["Resources"]
    line = hub_admission_line(meta, resources)
    assert line.startswith("  spoke access perAccount: admits each listed role by ARN")
    largest = max(len(json.dumps(r["Properties"]["PolicyDocument"], separators=(",", ":"))) for r in resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint")
    assert f"largest endpoint policy {largest:,} of 20,480 characters" in line
    assert "any role of a listed name in any member account" in hub_admission_line({**meta, "spokeAccess": "organization"}, resources)
