"""The probe bundle: contents, bytecode for the matching interpreter only, determinism.

Builds go through the on-disk wheel and bytecode cache (.cache/probe-deps), so only a first
run on a fresh machine downloads anything.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import sysconfig
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from private_bedrock.probe.bundling import INFO_FILE, PROBE_DIR, build_probe_bundle, find_interpreter  # noqa: E402

HERE = f"{sys.version_info.major}.{sys.version_info.minor}"
LOCAL = {"python_version": HERE, "platform": "manylinux2014_" + sysconfig.get_platform().split("-")[-1]}
LAMBDA = {"python_version": "3.14", "platform": "manylinux2014_aarch64"}
PROBE_MODULES = sorted(p.name for p in PROBE_DIR.glob("*.py"))


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundles")
    built = {}
    for name, target, bytecode in (("local", LOCAL, True), ("local-again", LOCAL, True),
                                   ("local-plain", LOCAL, False), ("lambda", LAMBDA, True)):
        info = build_probe_bundle(str(root / name), **target, bytecode=bytecode)
        built[name] = (root / name, info)
    return built


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def pycs(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pyc"))


@pytest.mark.parametrize("name", ["local", "local-plain", "lambda"])
def test_bundle_has_the_probe_and_openai_and_no_scripts(bundles, name):
    root, _ = bundles[name]
    for module in PROBE_MODULES:
        assert (root / module).read_bytes() == (PROBE_DIR / module).read_bytes()
    assert (root / "openai" / "__init__.py").is_file()
    assert (root / "aws_bedrock_token_generator").is_dir()
    assert not (root / "botocore").exists() and not (root / "boto3").exists()  # the runtime provides them
    assert not (root / "bin").exists()
    # Console scripts name this machine's interpreter in their shebang: none may ship.
    assert not [p.name for p in root.iterdir() if p.is_file() and p.read_bytes().startswith(b"#!")]


def test_no_bytecode_when_not_requested(bundles):
    root, info = bundles["local-plain"]
    assert not pycs(root) and not list(root.rglob("__pycache__"))
    assert info["bytecode"] is None and info["no_bytecode_reason"] == "not requested"
    assert json.loads((root / INFO_FILE).read_text()) == info


def test_lambda_bundle_has_bytecode_only_from_a_matching_interpreter(bundles):
    root, info = bundles["lambda"]
    assert json.loads((root / INFO_FILE).read_text()) == info
    if find_interpreter("3.14") is None:
        # Never compiled by another version (a 3.11 pyc is ignored by 3.14): sources only.
        assert info["bytecode"] is None and "no CPython 3.14" in info["no_bytecode_reason"]
        assert not pycs(root) and not list(root.rglob("__pycache__"))
    else:
        assert info["bytecode"]["cache_tag"] == "cpython-314"
        assert pycs(root) and all(p.name.endswith(".cpython-314.pyc") for p in pycs(root))


def test_pycs_are_unchecked_hash_for_the_target_interpreter(bundles):
    root, info = bundles["local"]
    found = pycs(root)
    assert info["bytecode"]["invalidation_mode"] == "unchecked-hash"
    assert info["bytecode"]["modules"] == len(found)
    tag = sys.implementation.cache_tag
    for pyc in found:
        header = pyc.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER, pyc
        # PEP 552 flags: bit 0 = hash-based, bit 1 = check_source; 0b01 = unchecked hash.
        assert int.from_bytes(header[4:8], "little") == 0b01, pyc
        assert pyc.parent.name == "__pycache__" and pyc.name.endswith(f".{tag}.pyc")
        assert (pyc.parent.parent / (pyc.name.split(".")[0] + ".py")).is_file(), pyc
    compiled = {str(p.relative_to(root)) for p in found}
    for module in PROBE_MODULES:
        assert importlib.util.cache_from_source(module) in compiled
    # The cold path: the SDK the probe imports, not all of it (that would break the size budget).
    for module in ("openai/__init__.py", "openai/_client.py", "openai/providers/bedrock.py",
                   "pydantic/main.py", "httpx2/__init__.py", "aws_bedrock_token_generator/__init__.py"):
        assert importlib.util.cache_from_source(module) in compiled, module
    sources = [p for p in root.rglob("*.py")]
    assert len(found) < len(sources) / 2


def test_build_is_deterministic(bundles):
    first, second = files(bundles["local"][0]), files(bundles["local-again"][0])
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_a_pyc_records_the_lambda_path_not_the_build_machine(bundles):
    root, _ = bundles["local"]
    data = (root / importlib.util.cache_from_source("handler.py")).read_bytes()
    assert b"/var/task/handler.py" in data and str(root).encode() not in data


def test_no_interpreter_for_an_unknown_version():
    assert find_interpreter("3.99") is None
    local = find_interpreter(HERE)
    assert local is not None and local.cache_tag == sys.implementation.cache_tag
    assert os.path.basename(local.command[0]).startswith("python")
