"""The `claudePlatform` setting: Claude Platform on AWS (IAM prefix `aws-external-anthropic`).

Anthropic operates Claude Platform on AWS and says its data "may not reside in AWS"
(platform.claude.com, "Claude Platform on AWS", read 2026-12): a request to it leaves this
deployment's endpoints and AWS's data boundary. So it is denied in the organisation fence and
in the identity policy by default; `{"enabled": true, "principalArns": [...]}` exempts exactly
the named roles from those two Denies (they still need their own grant). Nothing else opens:
its bearer tokens stay denied for everyone (they never travel through this deployment's
endpoints, which is what allowApiKeys admits).
"""

from __future__ import annotations

from typing import Any, Callable

from private_bedrock.config.context_keys import CLAUDE_PLATFORM_KEYS, default
from private_bedrock.config.errors import ConfigError, Problems
from private_bedrock.config.values import as_bool, as_mapping, role_arns, unknown_key_sentences

KEYS = CLAUDE_PLATFORM_KEYS
EXAMPLE = '{"enabled": true, "principalArns": ["arn:aws:iam::123456789012:role/claude-app"]}'


def parse_claude_platform(where: Callable[[str], str], raw: Any) -> tuple[str, ...]:
    """The roles exempt from the Claude Platform Denies; empty = denied to everyone."""
    key = where("claudePlatform")
    raw = as_mapping(key, {} if raw is None else raw, EXAMPLE)
    p = Problems()
    for sentence in unknown_key_sentences(key, raw, KEYS):
        p.add(sentence)
    enabled = p.check(as_bool, f"{key}.enabled", raw.get("enabled", default("claudePlatform.enabled")))
    # Exact role ARNs only (role_arns admits no wildcard): the exemption names roles, not patterns.
    principals = p.check(role_arns, f"{key}.principalArns", raw.get("principalArns", default("claudePlatform.principalArns")))
    p.raise_if_any()
    if enabled and not principals:
        raise ConfigError(
            f"{key}.enabled is true but {key}.principalArns is empty; name the roles that may use Claude Platform on AWS "
            "(it is never opened to every principal), or set enabled to false."
        )
    if principals and not enabled:
        raise ConfigError(f"{key}.principalArns is set but {key}.enabled is false; set enabled to true to let those roles use Claude Platform, or remove principalArns.")
    return principals
