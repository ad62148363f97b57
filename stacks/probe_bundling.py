"""Bundle the probe Lambda locally with pip, without Docker.

Dependencies are installed for the Lambda's platform (--platform/--python-version/
--only-binary=:all: --implementation cp), so a cp314 aarch64 bundle builds on an x86_64
machine running another Python. Installed wheels are cached under <repo>/.cache/ keyed by
a hash of requirements + python version + platform, so repeated synths and tests do not
download again.

The output is deterministic (same inputs -> same files, byte for byte): no __pycache__,
no bytecode (pip --no-compile; bytecode compiled by this machine's Python would not be
valid for the Lambda's Python anyway), no console scripts (their shebang names this
machine's interpreter). That keeps the asset hash stable between runs and machines.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsii
from aws_cdk import ILocalBundling

REPO = Path(__file__).resolve().parents[1]
PROBE_DIR = REPO / "lambda_src" / "probe"
CACHE_DIR = REPO / ".cache" / "probe-deps"
# Bump when the install recipe below changes, so old cache entries are not reused.
_RECIPE = "v1"


def _cache_key(requirements: bytes, python_version: str, platform: str) -> str:
    h = hashlib.sha256()
    for part in (_RECIPE.encode(), requirements, python_version.encode(), platform.encode()):
        h.update(part + b"\0")
    return h.hexdigest()[:32]


def _install(requirements: Path, target: Path, python_version: str, platform: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-r", str(requirements), "--target", str(target),
         "--platform", platform, "--python-version", python_version, "--only-binary=:all:",
         "--implementation", "cp",
         # requirements.txt is the full pinned closure minus the AWS SDK the Lambda runtime
         # provides; --no-deps keeps pip from pulling botocore (16.5 MB wheel) back in.
         "--no-deps", "--no-compile", "--disable-pip-version-check", "--no-input", "--quiet"],
        check=True,
    )
    shutil.rmtree(target / "bin", ignore_errors=True)


def _deps_dir(python_version: str, platform: str) -> Path:
    requirements = PROBE_DIR / "requirements.txt"
    key = _cache_key(requirements.read_bytes(), python_version, platform)
    cached = CACHE_DIR / key
    if not cached.is_dir():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        # Self-ignoring cache: nothing under .cache/ can be committed by accident.
        (CACHE_DIR.parent / ".gitignore").write_text("*\n")
        # Install into a temp dir beside the cache and rename: a crashed or concurrent build
        # never leaves a half-filled entry that later builds would trust.
        work = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=CACHE_DIR))
        try:
            _install(requirements, work, python_version, platform)
            try:
                os.rename(work, cached)
            except OSError:  # another build won the race; its result is identical
                pass
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return cached


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))}


def build_probe_bundle(output_dir: str, *, python_version: str, platform: str) -> None:
    """Fill output_dir with the probe code and its dependencies for the given target."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(_deps_dir(python_version, platform), out, ignore=_ignore, dirs_exist_ok=True)
    for source in sorted(PROBE_DIR.glob("*.py")):
        shutil.copy2(source, out / source.name)


@jsii.implements(ILocalBundling)
class LocalProbeBundling:
    """CDK local bundling for the probe asset: CDK never falls back to Docker for it."""

    def __init__(self, *, python_version: str, platform: str) -> None:
        self.python_version = python_version
        self.platform = platform

    def try_bundle(self, output_dir: str, *args, **options) -> bool:
        # jsii passes the BundlingOptions struct as keyword arguments; none of them matter here.
        build_probe_bundle(output_dir, python_version=self.python_version, platform=self.platform)
        return True
