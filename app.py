#!/usr/bin/env python3
"""Entry point: read configuration once (stacks/build.py builds every stack), print its problems in one go, synthesize."""

from __future__ import annotations

import os
import sys
from pathlib import Path

VENV_PYTHON = Path(__file__).resolve().parent / ".venv" / "bin" / "python"

if __name__ == "__main__":
    try:
        import aws_cdk  # noqa: F401  (`npx cdk` from a fresh shell runs cdk.json's `python3 app.py` outside the virtualenv)
    except ModuleNotFoundError:
        if VENV_PYTHON.exists() and not os.environ.get("PRIVATE_BEDROCK_REEXEC"):
            os.environ["PRIVATE_BEDROCK_REEXEC"] = "1"
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])
        print(f"{sys.executable} cannot import aws_cdk and {VENV_PYTHON} does not exist: run `make setup` (or `make synth`) first.", file=sys.stderr)
        sys.exit(2)

import aws_cdk as cdk  # noqa: E402

from private_bedrock.config.errors import ConfigError  # noqa: E402
from stacks.build import build  # noqa: E402


def main() -> None:
    app = cdk.App()
    try:
        # The only place that reads the environment: everything below gets typed config.
        config, _ = build(app, os.environ.get("CDK_DEFAULT_ACCOUNT") or None)
    except ConfigError as err:
        for problem in err.problems:  # one line each: every problem of this run at once
            print(f"Configuration error: {problem}", file=sys.stderr)
        sys.exit(2)
    for warning in config.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    app.synth()


if __name__ == "__main__":
    main()
