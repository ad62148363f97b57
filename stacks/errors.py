"""The one exception a user's configuration can cause (kept apart so config modules share it)."""


class ConfigError(ValueError):
    """A configuration mistake, explained in one sentence."""
