"""The one exception a user's configuration can cause (re-exported by stacks.config.app_config)."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration mistake, explained in one sentence."""
