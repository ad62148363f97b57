"""Control plane through the bedrock endpoint: ListFoundationModels."""

from __future__ import annotations

import time

import aws_session
from report import result


def run(spec, config) -> dict:
    started = time.perf_counter()
    endpoint = config.endpoint_url("bedrock")
    try:
        response = aws_session.client("bedrock", config).list_foundation_models()
        outcome, detail = aws_session.ok(f"{len(response.get('modelSummaries', []))} model summaries")
    except Exception as exc:  # every failure becomes a check outcome, never an exception
        outcome, detail = aws_session.classify(exc)
    return result(spec, endpoint, outcome, detail, started)
