"""Monitoring settings: defaults, per-region overrides and one-sentence errors."""

from __future__ import annotations

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.monitoring.metric_names import custom_metric_count


def region(ctx: dict, name: str = "us-east-1"):
    return next(r for r in load_config(ctx, None).regions if r.region == name)


def test_defaults_hourly_no_subscriptions_no_trail() -> None:
    mon = region({}).monitoring
    assert (mon.probe_schedule, mon.interval_minutes, mon.alarm_emails, mon.audit_trail) == ("rate(1 hour)", 60, (), False)


@pytest.mark.parametrize(("value", "minutes"), [("rate(5 minutes)", 5), ("rate(1 minute)", None), ("rate(2 hours)", 120), ("rate(12 hours)", 720), ("off", None)])
def test_schedule_values(value: str, minutes: int | None) -> None:
    if value == "rate(1 minute)":
        with pytest.raises(ConfigError):
            region({"probeSchedule": value})
        return
    mon = region({"probeSchedule": value}).monitoring
    assert mon.interval_minutes == minutes
    assert mon.probe_schedule == (None if value == "off" else value)


def test_overrides_per_region_and_lists_from_the_command_line() -> None:
    ctx = {"alarmEmails": "sec@example.com, ops@example.org", "regionOverrides": {"ap-northeast-1": {"probeSchedule": "off", "auditTrail": "true"}}}
    assert region(ctx).monitoring.alarm_emails == ("sec@example.com", "ops@example.org")
    tokyo = region(ctx, "ap-northeast-1").monitoring
    assert tokyo.probe_schedule is None and tokyo.audit_trail is True


@pytest.mark.parametrize(
    ("context", "fragment"),
    [
        ({"probeSchedule": "rate(1 hours)"}, "probeSchedule 'rate(1 hours)' is not supported; use \"off\" or a rate from rate(5 minutes) to rate(12 hours)"),
        ({"probeSchedule": "rate(2 hour)"}, "probeSchedule 'rate(2 hour)' is not supported"),
        ({"probeSchedule": "rate(4 minutes)"}, "probeSchedule 'rate(4 minutes)' is not supported"),
        ({"probeSchedule": "rate(13 hours)"}, "probeSchedule 'rate(13 hours)' is not supported"),
        ({"probeSchedule": "cron(0 * * * ? *)"}, "probeSchedule 'cron(0 * * * ? *)' is not supported"),
        ({"probeSchedule": "rate(1 day)"}, "probeSchedule 'rate(1 day)' is not supported"),
        ({"probeSchedule": False}, "probeSchedule False is not supported"),
        ({"regionOverrides": {"us-east-1": {"probeSchedule": "hourly"}}}, "regionOverrides.us-east-1.probeSchedule 'hourly' is not supported"),
        ({"alarmEmails": ["security"]}, "alarmEmails entry 'security' is not an email address such as security@example.com."),
        ({"alarmEmails": ["a@example.com", "a@example.com"]}, "alarmEmails lists an address twice"),
        ({"alarmEmails": 5}, "alarmEmails must be a list of strings"),
        ({"auditTrail": "yes"}, "auditTrail must be true or false, got 'yes'."),
    ],
)
def test_bad_monitoring_input_is_one_sentence(context: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config({"regions": ["us-east-1"], **context}, None)
    message = str(err.value)
    assert fragment in message
    assert message.count(". ") == 0 and message.endswith(".")


def test_custom_metric_count_follows_the_endpoints() -> None:
    # At most: vpc 24 checks on 4 "endpoints" (with the VPC resolver), control 20 on 3
    # (without mantle: 14 on 3, 11 on 2);
    # 4 summary metrics, 2 per check, one Mismatches per endpoint, per kind.
    assert custom_metric_count(("bedrock", "bedrock-runtime", "bedrock-mantle")) == (4 + 48 + 4) + (4 + 40 + 3)
    assert custom_metric_count(("bedrock", "bedrock-runtime")) == (4 + 28 + 3) + (4 + 22 + 2)
