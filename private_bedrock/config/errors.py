"""The one exception a user's configuration can cause, and how one run collects them all.

A ConfigError carries one sentence per problem (naming the value and the fix). The parsers
check every key they can and raise once with everything they found, so one run tells the
user every mistake whose check does not depend on another mistake's value.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """Configuration mistakes, each explained in one sentence (str(): one line each)."""

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = tuple(dict.fromkeys(problems))  # a shared key's sentence once
        super().__init__("\n".join(self.problems))


class _Failed:
    """What a check returns when its value was refused: later checks that need it are skipped."""

    def __repr__(self) -> str:
        return "FAILED"

    def __bool__(self) -> bool:  # `check(...) or (FAILED, FAILED)` unpacks a failed pair
        return False


FAILED: Any = _Failed()


def ok(*values: object) -> bool:
    """Whether every value passed its own checks (none is FAILED)."""
    return all(v is not FAILED for v in values)


class Problems:
    """The problems of one parse, collected: `check` runs one check and keeps its sentences."""

    def __init__(self) -> None:
        self.sentences: list[str] = []

    def check(self, parse: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """parse(*args, **kwargs), or FAILED with its sentences kept."""
        try:
            return parse(*args, **kwargs)
        except ConfigError as err:
            self.sentences.extend(err.problems)
            return FAILED

    def add(self, sentence: str) -> None:
        self.sentences.append(sentence)

    def raise_if_any(self) -> None:
        if self.sentences:
            raise ConfigError(*self.sentences)
