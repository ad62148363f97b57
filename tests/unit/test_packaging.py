"""The library as a wheel (pyproject.toml): what it holds, what it declares, and an app outside
the repository that synthesizes with it installed in a fresh virtualenv.

The wheel is built offline from a copy of the files a clone has (`pip wheel --no-deps
--no-build-isolation`, setuptools from requirements-dev.txt), so the build leaves nothing in
the work tree. The fresh virtualenv has no site packages of its own: it sees the wheel and,
through one .pth file, a folder of links to exactly the installed files of the distributions
the wheel's own metadata requires (aws-cdk-lib and constructs, and what they require in
turn), taken from this environment so nothing is downloaded (a venv with --system-site-packages
or this venv's site-packages on its path would hide a missing declaration). A module the library
imports without declaring it (rich, boto3, stacks/, tests/) is therefore missing there, and
examples/app.py, run from outside the repository, fails.
"""

from __future__ import annotations

import email
import json
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import Distribution, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import offline_env

ROOT = Path(__file__).resolve().parents[2]
# What a clone holds that the build reads (pyproject.toml names the readme and the probe's folder).
BUILD_INPUTS = ("pyproject.toml", "README.md", "private_bedrock", "lambda_src/probe")

# The library's user: examples/app.py (its own VPC and role, BedrockAccess, PrivateBedrockEndpoints,
# SourceVpceOnlyPolicy), copied out of the repository and run as `cdk synth` runs it.
EXAMPLE = ROOT / "examples" / "app.py"
# What the installed library itself resolves: where it was imported from, the probe runtime it
# bundles and the plan `verify` imports; then the probe bundle built from the installed copy.
INSTALLED_PROBE = """
import json, sys
import private_bedrock
from private_bedrock.probe import runtime
from private_bedrock.probe.bundling import build_probe_bundle

build_probe_bundle(sys.argv[1], python_version="3.14", platform="manylinux2014_aarch64")
print(json.dumps({"library": private_bedrock.__file__, "probe_runtime": str(runtime.runtime_dir()),
                  "plan": runtime.runtime_module("plan").__name__, "rich": "rich" in sys.modules}))
"""


def _copy_build_inputs(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in BUILD_INPUTS:
        source, target = ROOT / name, dest / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = _copy_build_inputs(work / "source")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "--disable-pip-version-check", "--quiet", "--wheel-dir", str(work / "dist"), str(source)],
                   check=True, capture_output=True, text=True, timeout=120)
    (built,) = (work / "dist").glob("*.whl")
    return built


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        (path,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(zf.read(path))


def _source_files(folder: str) -> set[str]:
    return {str(p.relative_to(ROOT / folder)) for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def test_the_wheel_holds_every_file_of_the_library_and_the_probe_runtime(wheel: Path) -> None:
    names = set(_names(wheel))
    library = {n.removeprefix("private_bedrock/") for n in names if n.startswith("private_bedrock/")}
    runtime = {n.removeprefix("probe_runtime/") for n in library if n.startswith("probe_runtime/")}
    # Every file of the package folder (modules, the simulator's .mjs, py.typed), no more, no less.
    assert library - {f"probe_runtime/{n}" for n in runtime} == _source_files("private_bedrock")
    assert {"policies/scp.py", "config/app_config.py", "facts/regions.py", "probe/runtime.py", "cli.py",
            "__main__.py", "py.typed", "tools/prove/simulate.mjs", "tools/prove/memo/hooks.mjs"} <= library
    # The probe's runtime as the Lambda gets it: the same modules and its requirements.txt.
    assert runtime == _source_files("lambda_src/probe") and {"handler.py", "plan.py", "requirements.txt"} <= runtime


def test_the_wheel_installs_no_other_top_level_name(wheel: Path) -> None:
    tops = {n.split("/", 1)[0] for n in _names(wheel)}
    assert tops == {"private_bedrock", "private_bedrock-0.1.0.dist-info"}
    assert not tops & {"stacks", "tools", "lambda_src", "tests", "app.py", "bench", "examples"}


def test_the_wheel_requires_only_what_synthesis_needs(wheel: Path) -> None:
    metadata = _metadata(wheel)
    required = [Requirement(r) for r in metadata.get_all("Requires-Dist")]
    runtime = {canonicalize_name(r.name): str(r.specifier) for r in required if r.marker is None}
    assert runtime == {"aws-cdk-lib": "<3,>=2.275.0", "constructs": "<11,>=10.8.1"}
    nag = {canonicalize_name(r.name): str(r.specifier) for r in required if r.marker is not None and r.marker.evaluate({"extra": "nag"})}
    assert nag == {"cdk-nag": "<4,>=3.0.2"}
    tools = {canonicalize_name(r.name) for r in required if r.marker is not None and r.marker.evaluate({"extra": "tools"})}
    assert tools == {"rich", "boto3"}
    assert set(metadata.get_all("Provides-Extra")) == {"nag", "tools", "dev"}
    with zipfile.ZipFile(wheel) as zf:
        (path,) = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
        assert zf.read(path).decode().split() == ["[console_scripts]", "private-bedrock", "=", "private_bedrock.cli:main"]


def _pins(path: Path) -> set[str]:
    pins: set[str] = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins |= _pins(path.parent / line.removeprefix("-r ").strip())
        elif line:
            pins.add(line)
    return pins


def test_the_pins_satisfy_the_ranges_and_the_dev_extra_is_requirements_dev(wheel: Path) -> None:
    required = [Requirement(r) for r in _metadata(wheel).get_all("Requires-Dist")]
    pins = {canonicalize_name(Requirement(p).name): Requirement(p) for p in _pins(ROOT / "requirements-dev.txt")}
    for r in required:
        if r.marker is None or r.marker.evaluate({"extra": "nag"}) or r.marker.evaluate({"extra": "tools"}):
            (pinned,) = pins[canonicalize_name(r.name)].specifier
            assert r.specifier.contains(pinned.version), (r, pinned)
    dev = {str(r).split(";")[0].strip().replace(" ", "") for r in required if r.marker is not None and r.marker.evaluate({"extra": "dev"})}
    runtime_names = {canonicalize_name(r.name) for r in required if r.marker is None}
    assert dev == {p.replace(" ", "") for p in _pins(ROOT / "requirements-dev.txt") if canonicalize_name(Requirement(p).name) not in runtime_names}


def test_from_a_checkout_the_probe_runtime_is_lambda_src(monkeypatch: pytest.MonkeyPatch) -> None:
    from private_bedrock.probe import bundling, runtime

    assert runtime.in_checkout() and runtime.runtime_dir() == ROOT / "lambda_src" / "probe" == bundling.PROBE_DIR
    monkeypatch.delenv("PRIVATE_BEDROCK_CACHE", raising=False)
    assert runtime.cache_dir() == ROOT / ".cache"
    monkeypatch.setenv("PRIVATE_BEDROCK_CACHE", "/somewhere/else")
    assert runtime.cache_dir() == Path("/somewhere/else")
    plan = runtime.runtime_module("plan")
    assert plan.__name__ == "private_bedrock.probe_runtime.plan" and plan.__file__ == str(ROOT / "lambda_src" / "probe" / "plan.py")


# --- the wheel in a fresh virtualenv --------------------------------------------------------


def _closure(requirements: list[Requirement]) -> list[Distribution]:
    """The installed distributions `requirements` need, transitively (markers evaluated, no extras)."""
    seen: dict[str, Distribution] = {}
    todo = list(requirements)
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen or (requirement.marker is not None and not requirement.marker.evaluate({"extra": ""})):
            continue
        seen[name] = found = distribution(name)
        assert requirement.specifier.contains(found.version, prereleases=True), (requirement, found.version)
        todo.extend(Requirement(r) for r in found.requires or [])
    return list(seen.values())


def _link_files(distributions: list[Distribution], dest: Path) -> None:
    for dist in distributions:
        for file in dist.files or []:
            if file.parts[0] == "..":  # console scripts, outside site-packages
                continue
            target = dest / file
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(Path(dist.locate_file(file)).resolve())


@pytest.fixture(scope="module")
def consumer_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("consumer-venv")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    runtime = [Requirement(r) for r in _metadata(wheel).get_all("Requires-Dist") if ";" not in r]
    _link_files(_closure(runtime), work / "dependencies")
    (site / "dependencies.pth").write_text(f"{work / 'dependencies'}\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--quiet", str(wheel)], check=True, capture_output=True, text=True, timeout=120)
    return venv


def _consumer_env(**extra: str) -> dict[str, str]:
    env = offline_env(**extra)
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def test_the_installed_wheel_has_its_dependencies_and_nothing_else(consumer_venv: Path) -> None:
    python = str(consumer_venv / "bin" / "python")
    check = subprocess.run([sys.executable, "-m", "pip", "--python", python, "check", "--disable-pip-version-check"],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    probe = "import importlib.util as u; print([n for n in ('rich', 'boto3', 'stacks', 'tests', 'lambda_src', 'app') if u.find_spec(n)])"
    found = subprocess.run([python, "-I", "-c", probe], capture_output=True, text=True, check=True, timeout=60, cwd=consumer_venv)
    assert found.stdout.strip() == "[]"


def test_the_example_app_synthesizes_outside_the_repository_with_the_installed_library(consumer_venv: Path, tmp_path: Path) -> None:
    app = tmp_path / "consumer" / "app.py"
    app.parent.mkdir()
    shutil.copy(EXAMPLE, app)
    out = tmp_path / "consumer" / "cdk.out"
    # No CloudFormation validation: its rule engine takes seconds to start and only ever warns.
    proc = subprocess.run([str(consumer_venv / "bin" / "python"), str(app)], cwd=app.parent,
                          env=_consumer_env(CDK_OUTDIR=str(out), CDK_VALIDATION="false"), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    template = json.loads((out / "BedrockConsumer.template.json").read_text())
    resources = template["Resources"].values()
    endpoints = sorted(r["Properties"]["ServiceName"] for r in resources if r["Type"] == "AWS::EC2::VPCEndpoint")
    assert endpoints == [f"com.amazonaws.eu-central-1.{s}" for s in ("bedrock", "bedrock-mantle", "bedrock-runtime")]
    (policy,) = [r["Properties"] for r in resources if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert any(s["Sid"] == "DenyBedrockOutsideThisDeploymentsEndpoints" for s in policy["PolicyDocument"]["Statement"])


def test_the_installed_library_bundles_the_probe_from_its_own_copy(consumer_venv: Path, tmp_path: Path) -> None:
    """The probe runtime the wheel ships bundles to the same files, byte for byte, as lambda_src/probe
    of this checkout: an app synthesized with the installed library deploys the same probe code."""
    installed = tmp_path / "installed-bundle"
    # The probe's wheels from this checkout's cache (make setup), so the bundle is built offline.
    proc = subprocess.run([str(consumer_venv / "bin" / "python"), "-c", INSTALLED_PROBE, str(installed)], cwd=tmp_path,
                          env=_consumer_env(PRIVATE_BEDROCK_CACHE=str(ROOT / ".cache")), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    site = consumer_venv.resolve()
    assert Path(seen["library"]).resolve().is_relative_to(site) and Path(seen["probe_runtime"]).resolve().is_relative_to(site)
    assert seen["plan"] == "private_bedrock.probe_runtime.plan" and seen["rich"] is False

    from private_bedrock.probe.bundling import build_probe_bundle

    reference = tmp_path / "checkout-bundle"
    build_probe_bundle(str(reference), python_version="3.14", platform="manylinux2014_aarch64")
    assert _tree(installed) == _tree(reference)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_installed_command_lists_its_commands_and_names_the_tools_extra(consumer_venv: Path, tmp_path: Path) -> None:
    command = str(consumer_venv / "bin" / "private-bedrock")
    help_ = subprocess.run([command, "--help"], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=_consumer_env())
    assert help_.returncode == 0 and "synth-report" in help_.stdout and "fence-ids" in help_.stdout
    prove = subprocess.run([command, "prove", str(tmp_path)], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=_consumer_env())
    assert (prove.returncode, prove.stdout) == (2, "")
    assert prove.stderr == 'private-bedrock prove needs rich, which the library alone does not install: pip install "private-bedrock[tools]".\n'
