"""The one exception a user's configuration can cause (re-exported by private_bedrock.config.app_config)."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration mistake, explained in one sentence."""
