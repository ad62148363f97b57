"""The public constructs' argument checks: a wrong type is one sentence (ConfigError), not a jsii stack trace.

jsii interfaces (ec2.IVpc, iam.IRole, ...) are not runtime-checkable protocols, so an argument
is judged by the members the construct uses.
"""

from __future__ import annotations

from typing import Any, Sequence

from private_bedrock.access import BedrockAccess
from private_bedrock.config.errors import ConfigError

_PLAIN = (str, int, float, bool, list, tuple, dict, type(None))


def described(value: Any) -> str:
    """A plain value as written; a construct by its type (its repr is an address)."""
    return repr(value) if isinstance(value, _PLAIN) else f"a {type(value).__name__}"


def require_access(access: Any) -> BedrockAccess:
    if not isinstance(access, BedrockAccess):
        raise ConfigError(f"access must be a BedrockAccess, for example BedrockAccess(region=..., runtime_models=[...]), got {described(access)}.")
    return access


def require_like(name: str, value: Any, members: Sequence[str], what: str, *, optional: bool = False) -> None:
    """`value` has every member of `members` (None passes when `optional`); `what` completes "must be ..."."""
    if value is None and optional:
        return
    if not all(hasattr(value, m) for m in members):
        raise ConfigError(f"{name} must be {what}{' or None' if optional else ''}, got {described(value)}.")


def require_list_of(name: str, value: Any, members: Sequence[str], what: str) -> None:
    """A list (not a string) whose every item has `members`; `what` names the items."""
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(all(hasattr(v, m) for m in members) for v in value):
        raise ConfigError(f"{name} must be a list of {what}, got {described(value)}.")
