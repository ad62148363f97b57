"""The probe's code asset: lambda_src/probe plus its pinned dependencies, bundled locally.

pip installs wheels for the function's platform and Python version (no Docker, see
private_bedrock/probe/bundling.py). The asset hash is taken from the bundle's output, so files that
local test runs leave in the source folder (__pycache__) never change it.
"""

from __future__ import annotations

from aws_cdk import AssetHashType, BundlingOptions, DockerImage
from aws_cdk import aws_lambda as lambda_

from private_bedrock.probe.bundling import PROBE_DIR, LocalProbeBundling

_PLATFORM = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}


def probe_code(runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> lambda_.Code:
    python_version = runtime.name.removeprefix("python")
    return lambda_.Code.from_asset(
        str(PROBE_DIR),
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(
            # Never pulled: local bundling always succeeds, so CDK does not fall back to Docker.
            image=DockerImage.from_registry("local-bundling-only"),
            local=LocalProbeBundling(python_version=python_version, platform=_PLATFORM[architecture.name]),
        ),
    )
