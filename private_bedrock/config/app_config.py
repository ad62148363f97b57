"""Typed, immutable configuration, validated once at the top of app.py: the public names.

The keys are declared in context_keys; the parsers live one concern per module (models,
endpoints, network_inputs, topology, access_inputs, monitoring, probe_plan, claude_platform,
selection, region, fence, fleet, load); this module gathers what the stacks, tools and tests
import. Every error a user can cause is a ConfigError whose message is one sentence naming
the bad value and the fix.
"""

from __future__ import annotations

from private_bedrock.config.context_keys import (
    DEFAULT_ENDPOINTS,
    DEFAULT_PROBE_SCHEDULE,
    DEFAULT_REGIONS,
    ENDPOINT_POLICY_MODES,
    GLOBAL_KEYS,
    KNOWN_KEYS,
    LOG_RETENTION_DAYS,
    REGIONAL_KEYS,
    SERVICE_TIERS,
)
from private_bedrock.config.endpoints import AGENT_SERVICES
from private_bedrock.config.errors import ConfigError
from private_bedrock.config.load import AppConfig, load_config
from private_bedrock.config.models import ModelRef, parse_model_id
from private_bedrock.config.monitoring import MonitoringConfig
from private_bedrock.config.probe_plan import ProbePlan
from private_bedrock.config.region_config import RegionConfig
from private_bedrock.facts.regions import SERVICES

__all__ = [
    "AGENT_SERVICES", "DEFAULT_ENDPOINTS", "DEFAULT_PROBE_SCHEDULE", "DEFAULT_REGIONS", "ENDPOINT_POLICY_MODES", "GLOBAL_KEYS",
    "KNOWN_KEYS", "LOG_RETENTION_DAYS", "REGIONAL_KEYS", "SERVICES", "SERVICE_TIERS",
    "AppConfig", "ConfigError", "ModelRef", "MonitoringConfig", "ProbePlan", "RegionConfig", "load_config", "parse_model_id",
]
