"""`probeSchedule`, `alarmEmails`, `auditTrail`: the scheduled probe, its alarms, the audit trail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from private_bedrock.config.context_keys import DEFAULT_PROBE_SCHEDULE, PROBE_INTERVAL_MINUTES, default
from private_bedrock.config.errors import ConfigError, Problems
from private_bedrock.config.values import as_bool, as_list

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours)\)$")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[a-zA-Z]{2,}$")


@dataclass(frozen=True)
class MonitoringConfig:
    """The scheduled probe, its alarms and the optional bedrock-mantle audit trail."""

    probe_schedule: str | None  # "rate(1 hour)"; None = no schedule ("off")
    alarm_emails: tuple[str, ...]
    audit_trail: bool

    @property
    def interval_minutes(self) -> int | None:
        if self.probe_schedule is None:
            return None
        m = _RATE.match(self.probe_schedule)
        assert m is not None  # validated by parse_monitoring
        return int(m.group(1)) * (60 if m.group(2).startswith("hour") else 1)


def _schedule(key: str, raw: Any) -> str | None:
    if raw == "off":
        return None
    m = _RATE.match(raw) if isinstance(raw, str) else None
    minutes = int(m.group(1)) * (60 if m.group(2).startswith("hour") else 1) if m else 0
    low, high = PROBE_INTERVAL_MINUTES
    if not m or not low <= minutes <= high or (m.group(1) == "1") != (not m.group(2).endswith("s")):
        raise ConfigError(
            f"{key} {raw!r} is not supported; use \"off\" or a rate from "
            f"rate({low} minutes) to rate({high // 60} hours), for example {DEFAULT_PROBE_SCHEDULE!r}."
        )
    return raw


def _emails(key: str, value: Any) -> tuple[str, ...]:
    emails = tuple(as_list(key, value))
    problems = Problems()
    for email in emails:
        if not _EMAIL.match(email):
            problems.add(f"{key} entry {email!r} is not an email address such as security@example.com.")
    if len(set(emails)) != len(emails):
        problems.add(f"{key} lists an address twice; list each address once.")
    problems.raise_if_any()
    return emails


def parse_monitoring(where: Callable[[str], str], settings: Mapping[str, Any]) -> MonitoringConfig:
    p = Problems()
    schedule = p.check(_schedule, where("probeSchedule"), settings.get("probeSchedule", default("probeSchedule")))
    emails = p.check(_emails, where("alarmEmails"), settings.get("alarmEmails", default("alarmEmails")))
    audit_trail = p.check(as_bool, where("auditTrail"), settings.get("auditTrail", default("auditTrail")))
    p.raise_if_any()
    return MonitoringConfig(probe_schedule=schedule, alarm_emails=emails, audit_trail=audit_trail)
