"""Names derived from service names (statement ids, construct ids, output names)."""

from __future__ import annotations


def pascal(service: str) -> str:
    """bedrock-runtime -> BedrockRuntime (statement ids, construct ids, output names)."""
    return "".join(part.capitalize() for part in service.split("-"))
