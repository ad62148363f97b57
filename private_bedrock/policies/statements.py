"""Policy statement JSON from plain values: the one place the statement shape is written.

`Grant` is the one type of "who may do what" every builder here returns (Bedrock grants,
the fleet's, the monitoring's); `statement` writes any of them, or a Deny, as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

Conditions = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Grant:
    """One Allow: actions on resources, under conditions (the principal is the policy's business)."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def one_or_many(values: Sequence[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def statement(
    effect: str, sid: str, actions: Sequence[str], resources: Sequence[str], conditions: Conditions | None = None, *,
    principal: bool | Mapping[str, Any] = False,
) -> dict[str, Any]:
    """principal: False (an identity policy), True ("*", narrowed by conditions) or a mapping ({"Service": ...})."""
    st: dict[str, Any] = {"Sid": sid, "Effect": effect}
    if principal is True:
        st["Principal"] = "*"
    elif principal:
        st["Principal"] = dict(principal)  # type: ignore[arg-type]
    st["Action"] = one_or_many(actions)
    st["Resource"] = one_or_many(resources)
    if conditions:
        st["Condition"] = {op: dict(kv) for op, kv in conditions.items()}
    return st


def allow(grant: Grant, *, principal: bool | Mapping[str, Any] = False) -> dict[str, Any]:
    """The Allow statement of `grant`."""
    return statement("Allow", grant.sid, grant.actions, grant.resources, grant.conditions, principal=principal)


def merge_conditions(conditions: Conditions, extra: Conditions) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {op: dict(kv) for op, kv in conditions.items()}
    for op, kv in extra.items():
        merged.setdefault(op, {}).update(kv)
    return merged
