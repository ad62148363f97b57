"""bedrock-runtime Converse with a tiny prompt, for the allow-listed and a denied model."""

from __future__ import annotations

import time

import aws_session
from report import result


def run(spec, config) -> dict:
    started = time.perf_counter()
    endpoint = config.endpoint_url("bedrock-runtime")
    model = spec.params["model"]
    try:
        # A required guardrail goes with every call, as the policies demand of workloads.
        guardrail = ({"guardrailConfig": {"guardrailIdentifier": config.guardrail_arn,
                                          "guardrailVersion": config.guardrail_version}}
                     if config.guardrail_arn else {})
        response = aws_session.client("bedrock-runtime", config).converse(
            modelId=model,
            messages=[{"role": "user", "content": [{"text": "Reply with OK."}]}],
            inferenceConfig={"maxTokens": 8},  # authorization is the point, not the answer
            **guardrail,
        )
        outcome, detail = aws_session.ok(
            f"{model}: stopReason={response.get('stopReason')}, usage={response.get('usage', {})}")
    except Exception as exc:
        outcome, detail = aws_session.classify(exc)
        detail = f"{model}: {detail}"
    return result(spec, endpoint, outcome, detail, started)
