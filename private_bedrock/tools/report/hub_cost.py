"""What a hub costs against N spokes that would each run their own endpoints (make synth).

Per-region endpoint rates come from private_bedrock/tools/report/prices.py. Left out on both sides, and said so:
data processed ($/GB, the same per byte either way), the network joining spokes to the hub
(Transit Gateway or peering attachments and their data), and Route 53 Profile association
charges (check https://aws.amazon.com/route53/pricing/ for your account).
"""

from __future__ import annotations

from dataclasses import dataclass

from private_bedrock.tools.report.prices import KMS_KEY_MONTH, estimate

PRIVATE_HOSTED_ZONE_MONTH = 0.50  # Route 53, per hosted zone per month (first 25 zones)
SPOKE_COUNTS = (1, 2, 5, 10, 25, 50, 150, 1000)


@dataclass(frozen=True)
class HubComparison:
    spokes: int
    hub: float  # the hub's endpoints, its zones and key: one cost whatever the spoke count
    standalone: float  # every spoke with the same endpoints of its own (and its own key)

    @property
    def saving(self) -> float:
        return self.standalone - self.hub


def compare(region: str, endpoint_azs: int, zones: int, spokes: int) -> HubComparison:
    one = estimate(region, endpoint_azs)
    hub = one.endpoints + zones * PRIVATE_HOSTED_ZONE_MONTH + KMS_KEY_MONTH
    return HubComparison(spokes, hub, spokes * (one.endpoints + KMS_KEY_MONTH))


def table(region: str, endpoint_azs: int, zones: int, listed: int) -> list[HubComparison]:
    counts = sorted(set(SPOKE_COUNTS) | ({listed} if listed else set()))
    return [compare(region, endpoint_azs, zones, n) for n in counts]
