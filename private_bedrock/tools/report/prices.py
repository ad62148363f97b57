"""List prices the summary estimates with (USD, on-demand), with where each came from.

Interface endpoints bill per endpoint per availability zone per hour, and the rate differs
by region. Each rate below is the AWS Price List API usage type `<REGION>-VpcEndpoint-Hours`
(service AmazonVPC), as quoted in public cost write-ups collected on PRICES_AS_OF; re-check
https://aws.amazon.com/privatelink/pricing/ before budgeting. Regions without a sourced rate
are reported as such, with the lowest known rate as a floor, never silently.
"""

from __future__ import annotations

from dataclasses import dataclass

PRICES_AS_OF = "2026-10"
PRICE_SOURCE = "AWS Price List API, AmazonVPC <REGION>-VpcEndpoint-Hours (https://aws.amazon.com/privatelink/pricing/)"
HOURS_PER_MONTH = 730

# USD per endpoint per AZ per hour.
ENDPOINT_AZ_HOUR: dict[str, float] = {
    "us-east-1": 0.010,  # USE1-VpcEndpoint-Hours
    "us-west-2": 0.010,  # USW2-VpcEndpoint-Hours
    "eu-west-1": 0.010,  # EU-VpcEndpoint-Hours
    "eu-central-1": 0.012,  # EUC1-VpcEndpoint-Hours
    "ap-northeast-1": 0.014,  # APN1-VpcEndpoint-Hours
    "ap-northeast-2": 0.013,  # APN2-VpcEndpoint-Hours
    "ap-southeast-1": 0.013,  # APS1-VpcEndpoint-Hours
}
# The lowest rate of any region: the floor shown for a region without a sourced rate.
ENDPOINT_AZ_HOUR_FLOOR = min(ENDPOINT_AZ_HOUR.values())
ENDPOINT_GB = 0.01  # data processed, first PB per region per month
# Route 53 Resolver endpoint: per IP address (ENI) per hour, the same rate in every region
# (<REGION>-ResolverNetworkInterface, service AmazonRoute53); queries $0.40 per million.
RESOLVER_ENI_HOUR = 0.125
KMS_KEY_MONTH = 1.00  # a customer-managed key


@dataclass(frozen=True)
class EndpointRate:
    region: str
    per_az_hour: float
    sourced: bool  # False: no sourced rate for the region, the floor is shown


def endpoint_rate(region: str) -> EndpointRate:
    if region in ENDPOINT_AZ_HOUR:
        return EndpointRate(region, ENDPOINT_AZ_HOUR[region], True)
    return EndpointRate(region, ENDPOINT_AZ_HOUR_FLOOR, False)


@dataclass(frozen=True)
class MonthlyEstimate:
    region: str
    endpoint_azs: int
    resolver_enis: int
    rate: EndpointRate

    @property
    def endpoints(self) -> float:
        return self.endpoint_azs * self.rate.per_az_hour * HOURS_PER_MONTH

    @property
    def resolver(self) -> float:
        return self.resolver_enis * RESOLVER_ENI_HOUR * HOURS_PER_MONTH

    @property
    def total(self) -> float:
        return self.endpoints + self.resolver + KMS_KEY_MONTH


def estimate(region: str, endpoint_azs: int, resolver_enis: int = 0) -> MonthlyEstimate:
    return MonthlyEstimate(region, endpoint_azs, resolver_enis, endpoint_rate(region))


# Continuous proof (private_bedrock/monitoring), us-east-1 list prices as AWS published them in 2025
# (CloudWatch, EventBridge Scheduler and Lambda pricing pages; https://aws.amazon.com/cloudwatch/pricing/,
# https://aws.amazon.com/eventbridge/pricing/, https://aws.amazon.com/lambda/pricing/), not
# re-checked from this offline machine on 2026-11-28; other regions differ by a few percent.
CUSTOM_METRIC_MONTH = 0.30  # per metric, first 10,000
ALARM_METRIC_MONTH = 0.10  # standard resolution, per metric an alarm evaluates
DASHBOARD_MONTH = 3.00  # beyond the account's 3 free dashboards
SCHEDULER_PER_MILLION = 1.00  # beyond 14 million free invocations a month
LAMBDA_GB_SECOND_ARM = 0.0000133334
LAMBDA_PER_MILLION = 0.20
PROBE_RUN_GB_SECONDS = 5.0  # 1 GB for about 5 s (imports, then the checks in parallel)
CLOUDTRAIL_DATA_EVENTS_PER_100K = 0.10
