"""Policy statement JSON from plain values: the one place the statement shape is written."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

Conditions = Mapping[str, Mapping[str, Any]]


def one_or_many(values: Sequence[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def statement(effect: str, sid: str, actions: Sequence[str], resources: Sequence[str], conditions: Conditions | None = None, *, principal: bool = False) -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": sid, "Effect": effect}
    if principal:
        st["Principal"] = "*"
    st["Action"] = one_or_many(actions)
    st["Resource"] = one_or_many(resources)
    if conditions:
        st["Condition"] = {op: dict(kv) for op, kv in conditions.items()}
    return st


def merge_conditions(conditions: Conditions, extra: Conditions) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {op: dict(kv) for op, kv in conditions.items()}
    for op, kv in extra.items():
        merged.setdefault(op, {}).update(kv)
    return merged
