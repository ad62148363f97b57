"""The probe's code asset (bundled locally, without Docker)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

PROBE_SRC = Path(__file__).resolve().parent.parent / "lambda_src" / "probe"


def probe_code(runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> lambda_.Code:
    return lambda_.Code.from_asset(str(PROBE_SRC), exclude=["__pycache__", "*.pyc"])
