"""How a context value is read, the same for every key: lists, objects, numbers, ids, ARNs.

Context arrives from cdk.json (typed JSON) or from `-c key=value` (always a string), so each
reader accepts both and names the key and the expected form in its one-sentence error. The
id and ARN patterns every parser shares live here too, so a role ARN is the same thing in
`extraPrincipalArns`, `spokePrincipalArns` and the fence's exemptions.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Iterable, Mapping

from private_bedrock.config.errors import ConfigError

ACCOUNT_ID = re.compile(r"^\d{12}$")
# The account is captured: hub policies group spoke roles by account.
ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/[\w+=,.@/-]+$")
ROLE_ARN_EXAMPLE = "arn:aws:iam::123456789012:role/my-workload"
ROLE_OR_USER_ARN = re.compile(r"^arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
# An AWS Organizations root, OU or account: what SCPs and StackSets target.
ORG_TARGET = re.compile(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|\d{12})$")


def json_value(key: str, value: str, example: str) -> Any:
    """`-c key='[...]'` or `-c key='{...}'`: the CDK CLI passes the JSON text as a string."""
    try:
        return json.loads(value)
    except json.JSONDecodeError as err:
        raise ConfigError(
            f"{key} {value!r} is not valid JSON ({err.msg} at character {err.pos}); quote it for the shell, "
            f"for example -c {key}='{example}'."
        ) from None


def as_list(key: str, value: Any) -> list[str]:
    """Context from `-c key=a,b` or `-c key='["a","b"]'` arrives as a string; cdk.json gives a list."""
    if isinstance(value, str) and value.strip().startswith("["):
        value = json_value(key, value.strip(), '["a", "b"]')
    elif isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    raise ConfigError(f"{key} must be a list of strings, a JSON list or a comma-separated string, got {value!r}.")


def as_mapping(key: str, value: Any, example: str) -> Mapping[str, Any]:
    """An object from cdk.json, or its JSON text from `-c key='{...}'`."""
    if isinstance(value, str) and value.strip().startswith("{"):
        value = json_value(key, value.strip(), example)
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key} must be an object, for example -c {key}='{example}', got {value!r}.")
    return value


def as_int(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{key} must be a whole number, got {value!r}.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ConfigError(f"{key} must be a whole number, got {value!r}.")


def as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(f"{key} must be true or false, got {value!r}.")


def one_of(key: str, value: Any, accepted: tuple[str, ...]) -> str:
    if value not in accepted:
        match = close_key(value, accepted) if isinstance(value, str) else None
        hint = f" (did you mean {match!r}?)" if match else ""
        raise ConfigError(f"{key} {value!r} is not supported{hint}; use one of: {', '.join(accepted)}.")
    return value


def matching(key: str, value: Any, pattern: re.Pattern[str], what: str, *, unique_noun: str | None = None) -> tuple[str, ...]:
    """A list whose every entry matches `pattern`; `what` completes "... is not <what>.".

    With `unique_noun` ("a target"), an entry listed twice is refused too.
    """
    items = as_list(key, value)
    for item in items:
        if not pattern.match(item):
            raise ConfigError(f"{key} entry {item!r} is not {what}.")
    if unique_noun and len(set(items)) != len(items):
        raise ConfigError(f"{key} {items!r} lists {unique_noun} twice; list each once.")
    return tuple(items)


def role_arns(key: str, value: Any) -> tuple[str, ...]:
    """IAM role ARNs with a 12-digit account (a wildcard account would admit any account's role)."""
    return matching(key, value, ROLE_ARN, f"an IAM role ARN such as {ROLE_ARN_EXAMPLE}")


def close_key(key: str, accepted: Iterable[str]) -> str | None:
    """The accepted key `key` most likely meant (a typo, the wrong case), or None."""
    by_lower = {a.lower(): a for a in accepted}
    match = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.7)
    return by_lower[match[0]] if match else None


def unknown_key_sentences(where: str | None, given: Iterable[str], accepted: Iterable[str]) -> list[str]:
    """One sentence per key not in `accepted`, naming the close match or the accepted keys.

    `where` is the object the keys are in ("fence", "regionOverrides.us-east-1"); None: the context itself.
    """
    accepted = tuple(accepted)
    sentences = []
    for key in sorted(set(given) - set(accepted)):
        head = f"Unknown context key {key!r}" if where is None else f"{where} has unknown key {key!r}"
        match = close_key(key, accepted)
        if match:
            sentences.append(f"{head} (did you mean {match!r}?); rename it, or remove it.")
        else:
            sentences.append(f"{head}; accepted keys are: {', '.join(sorted(accepted) if where is None else accepted)}.")
    return sentences
