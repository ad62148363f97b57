"""Bundle the probe Lambda locally with pip, without Docker.

Dependencies are installed for the Lambda's platform (--platform/--python-version/
--only-binary=:all: --implementation cp), so a cp314 aarch64 bundle builds on an x86_64
machine running another Python. Installed wheels are cached under <repo>/.cache/ (an installed
library: private_bedrock/probe/runtime.py cache_dir) keyed by
a hash of requirements + python version + platform, so repeated synths and tests do not
download again.

Bytecode. Lambda's /var/task is read-only, so a bundle without .pyc files makes every cold
start compile every module it imports (~0.5 s of the probe's cold start). The bundle
therefore carries __pycache__/*.pyc compiled by an interpreter of the TARGET minor version
(pyc files are version-specific: a 3.11 .pyc is ignored by 3.14, so compiling with another
version would be dead weight). It is looked up on this machine (PROBE_BYTECODE_PYTHON,
this interpreter, pythonX.Y on PATH, pyenv, uv, the `py` launcher); when none is found the
bundle is built WITHOUT bytecode, a one-line note says so, and bundle_info.json records it.
pycs use the unchecked-hash invalidation mode: their validity does not depend on file
mtimes (which zip extraction does not keep) and the output is reproducible.

Only the modules a cold run imports get a pyc (a static walk of module-level imports from
the probe's entry points, see _COLD_PATH_ENTRY_POINTS): compiling all of openai (1,800
type modules the probe never loads) would put the zipped bundle over its 8 MB budget.

The output is deterministic for a given machine (same inputs -> same files, byte for
byte): no console scripts (their shebang names this machine's interpreter), pycs written
in sorted order by one process with a fixed recorded path (/var/task/...). That keeps the
asset hash stable between runs.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jsii
from aws_cdk import ILocalBundling

from private_bedrock.probe.runtime import cache_dir, runtime_dir

PROBE_DIR = runtime_dir()
CACHE_DIR = cache_dir() / "probe-deps"
# Written at the bundle's root: what the bundle was built for and whether it has bytecode.
INFO_FILE = "bundle_info.json"
# Where Lambda extracts the code: the source path recorded in each pyc (tracebacks).
TASK_ROOT = "/var/task"
# Bump when the install recipe below changes, so old cache entries are not reused.
_RECIPE = "v1"
# Bump when the bytecode recipe (entry points, walk, compile options) changes.
_BYTECODE_RECIPE = "b2"

# Modules a cold run of the probe imports that a walk of module-level imports from the
# probe's own modules cannot see: the probe imports its SDKs inside functions, the OpenAI
# client loads its resources on attribute access, httpx2 loads its transport on the first
# request, pydantic and anyio load most of themselves through a module __getattr__. Everything these
# import at module level is found by the walk. bench/probe_cold_start.py reports any module
# a cold run imported without a pyc, so a dependency bump that moves imports shows up there.
_COLD_PATH_ENTRY_POINTS = (
    "openai", "openai.providers", "openai.providers.bedrock",
    "openai.resources.models", "openai.resources.chat.chat",
    "openai.resources.chat.completions.completions", "openai.resources.responses.responses",
    "aws_bedrock_token_generator",
    "httpcore2", "h11", "jiter",
    "anyio._core._tasks", "anyio._core._resources", "anyio.abc._resources", "anyio.abc._streams", "anyio.abc._tasks",
    "pydantic.main", "pydantic.type_adapter", "pydantic.dataclasses", "pydantic.functional_validators",
    "pydantic.plugin._loader", "pydantic._internal._model_construction", "pydantic._internal._generate_schema",
    "pydantic._internal._dataclasses", "pydantic._internal._discriminated_union",
    "pydantic._internal._known_annotated_metadata", "pydantic._internal._schema_gather",
    "pydantic._internal._serializers", "pydantic._internal._signature",
)


def _cache_key(requirements: bytes, python_version: str, platform: str, *extra: str) -> str:
    h = hashlib.sha256()
    for part in (_RECIPE.encode(), requirements, python_version.encode(), platform.encode(),
                 *(e.encode() for e in extra)):
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


def _cached(key: str, fill) -> Path:
    """CACHE_DIR/key, filled once by fill(work_dir); never a half-filled entry."""
    cached = CACHE_DIR / key
    if not cached.is_dir():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        # Self-ignoring cache: nothing under .cache/ can be committed by accident.
        (CACHE_DIR.parent / ".gitignore").write_text("*\n")
        # Fill a temp dir beside the cache and rename: a crashed or concurrent build
        # never leaves a half-filled entry that later builds would trust.
        work = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=CACHE_DIR))
        try:
            fill(work)
            try:
                os.rename(work, cached)
            except OSError:  # another build won the race; its result is identical
                pass
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return cached


def _deps_dir(python_version: str, platform: str) -> Path:
    requirements = PROBE_DIR / "requirements.txt"
    key = _cache_key(requirements.read_bytes(), python_version, platform)
    return _cached(key, lambda work: _install(requirements, work, python_version, platform))


# ---------------------------------------------------------------------------------------
# Bytecode
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Interpreter:
    command: tuple[str, ...]  # argv prefix that runs it
    version: str  # full version, e.g. "3.14.0"
    cache_tag: str  # e.g. "cpython-314"
    magic: str  # importlib.util.MAGIC_NUMBER, hex


_PROBE_INTERPRETER = (
    "import importlib.util, json, sys, sysconfig;"
    "print(json.dumps({'impl': sys.implementation.name, 'minor': '%d.%d' % sys.version_info[:2],"
    " 'version': '%d.%d.%d' % sys.version_info[:3], 'level': sys.version_info.releaselevel,"
    " 'tag': sys.implementation.cache_tag, 'magic': importlib.util.MAGIC_NUMBER.hex(),"
    " 'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED'))}))"
)


def _candidates(python_version: str) -> list[tuple[str, ...]]:
    exe = f"python{python_version}"
    found: list[tuple[str, ...]] = []
    if os.environ.get("PROBE_BYTECODE_PYTHON"):
        found.append((os.environ["PROBE_BYTECODE_PYTHON"],))
    found.append((sys.executable,))
    on_path = shutil.which(exe)
    if on_path:
        found.append((on_path,))
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    uv_root = os.environ.get("UV_PYTHON_INSTALL_DIR") or str(Path.home() / ".local" / "share" / "uv" / "python")
    for pattern in (f"{pyenv_root}/versions/{python_version}*/bin/{exe}", f"{uv_root}/cpython-{python_version}*/bin/{exe}"):
        found.extend((p,) for p in sorted(glob.glob(pattern)))
    launcher = shutil.which("py")
    if launcher:
        found.append((launcher, f"-{python_version}"))
    return list(dict.fromkeys(found))


_interpreters: dict[str, Interpreter | None] = {}


def find_interpreter(python_version: str) -> Interpreter | None:
    """A final-release CPython python_version (standard GIL build) on this machine, or None.

    Pre-releases are refused: their magic number may differ from the release Lambda runs.
    """
    if python_version not in _interpreters:
        _interpreters[python_version] = None
        for command in _candidates(python_version):
            try:
                out = subprocess.run([*command, "-I", "-c", _PROBE_INTERPRETER], capture_output=True,
                                     text=True, timeout=30, check=True).stdout
                info = json.loads(out.strip().splitlines()[-1])
            except (OSError, subprocess.SubprocessError, ValueError, IndexError):
                continue
            if (info["impl"], info["minor"], info["level"], info["free_threaded"]) == (
                    "cpython", python_version, "final", False):
                _interpreters[python_version] = Interpreter(command, info["version"], info["tag"], info["magic"])
                break
    return _interpreters[python_version]


# Runs in the TARGET interpreter: its ast parses the sources, its importlib names the pyc
# files and its compiler writes them. argv: spec JSON on stdin, {"root", "dest", "files" |
# "entry_points"}. Prints the compiled relative paths as JSON.
_COMPILER = r'''
import ast, importlib.util, json, py_compile, sys
from pathlib import Path

spec = json.load(sys.stdin)
root, dest, ddir = Path(spec["root"]), Path(spec["dest"]), spec["ddir"]

def module_file(name):
    base = root.joinpath(*name.split("."))
    for cand in (base / "__init__.py", base.with_suffix(".py")):
        if cand.is_file():
            return cand
    return None

def type_checking(test):
    # `if TYPE_CHECKING:` and `if TYPE_CHECKING or not install_lazy_importer():` (anyio's
    # eager fallback when its lazy importer cannot be installed).
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(type_checking(v) for v in test.values)
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")

def import_time_imports(tree):
    # Imports executed when the module is imported: not in function bodies, not under
    # `if TYPE_CHECKING:`; try/except, if/else and class bodies are followed.
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        elif isinstance(node, ast.If) and type_checking(node.test):
            stack.extend(node.orelse)
        elif (isinstance(node, ast.If) and isinstance(node.test, ast.UnaryOp)
              and isinstance(node.test.op, ast.Not) and type_checking(node.test.operand)):
            stack.extend(node.body)
        else:
            stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, (ast.stmt, ast.excepthandler)))

def walk(entry_points):
    seen, todo = {}, list(entry_points)
    while todo:
        name = todo.pop()
        if not name or name in seen:
            continue
        seen[name] = path = module_file(name)
        if "." in name:
            todo.append(name.rsplit(".", 1)[0])  # a package runs before its submodules
        if path is None:
            continue
        try:
            tree = ast.parse(path.read_bytes(), str(path))
        except SyntaxError:
            continue
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in import_time_imports(tree):
            if isinstance(node, ast.Import):
                todo.extend(a.name for a in node.names)
                continue
            if node.level:
                parts = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module
            todo.append(base)
            todo.extend(f"{base}.{a.name}" for a in node.names if a.name != "*")
    return sorted(str(p.relative_to(root)) for p in seen.values() if p is not None)

rels = sorted(spec["files"]) if "files" in spec else walk(spec["entry_points"])
assert sys.flags.optimize == 0
for rel in rels:
    cfile = dest / importlib.util.cache_from_source(rel)
    py_compile.compile(str(root / rel), cfile=str(cfile), dfile=f"{ddir}/{rel}", doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
print(json.dumps(rels))
'''


def _compile(interpreter: Interpreter, root: Path, dest: Path, **what) -> list[str]:
    spec = json.dumps({"root": str(root), "dest": str(dest), "ddir": TASK_ROOT, **what})
    # -I: no user site, no PYTHON* variables (PYTHONPYCACHEPREFIX would redirect the output).
    out = subprocess.run([*interpreter.command, "-I", "-c", _COMPILER], input=spec, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _deps_bytecode_dir(deps: Path, interpreter: Interpreter, python_version: str, platform: str) -> Path:
    """Cached overlay holding only the __pycache__ dirs for the deps' cold-path modules."""
    requirements = (PROBE_DIR / "requirements.txt").read_bytes()
    key = _cache_key(requirements, python_version, platform, _BYTECODE_RECIPE, interpreter.version,
                     interpreter.magic, *_COLD_PATH_ENTRY_POINTS)
    return _cached(key, lambda work: _compile(interpreter, deps, work, entry_points=list(_COLD_PATH_ENTRY_POINTS)))


_noted: set[str] = set()


def _note_no_bytecode(python_version: str) -> None:
    if python_version not in _noted:
        _noted.add(python_version)
        print(f"probe bundle: no CPython {python_version} found on this machine, bundling WITHOUT bytecode "
              f"(every Lambda cold start compiles the modules it imports); set PROBE_BYTECODE_PYTHON to a "
              f"python{python_version} to precompile", file=sys.stderr)


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))}


def _link_or_copy(source: str, destination: str) -> None:
    """Hard-link a file of the wheel cache into the bundle (copy across file systems).

    The cache entries are written once and never changed, and nothing edits a staged asset
    (the bytecode overlay and the probe's own files only add new paths), so a link is as good
    as a copy: each synth stages the probe's ~2,500 dependency files, and linking them instead
    of copying takes a synth's staging from about 0.6 s to 0.1 s."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def build_probe_bundle(output_dir: str, *, python_version: str, platform: str, bytecode: bool = True) -> dict:
    """Fill output_dir with the probe code and its dependencies for the given target.

    With bytecode=True (the default), pycs are added when a CPython python_version is found
    on this machine. Returns what bundle_info.json records.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    deps = _deps_dir(python_version, platform)
    shutil.copytree(deps, out, ignore=_ignore, dirs_exist_ok=True, copy_function=_link_or_copy)
    probe_files = sorted(p.name for p in PROBE_DIR.glob("*.py"))
    for name in probe_files:
        shutil.copy2(PROBE_DIR / name, out / name)

    interpreter = find_interpreter(python_version) if bytecode else None
    info: dict = {"python_version": python_version, "platform": platform, "bytecode": None}
    if interpreter is not None:
        overlay = _deps_bytecode_dir(deps, interpreter, python_version, platform)
        shutil.copytree(overlay, out, dirs_exist_ok=True)
        _compile(interpreter, out, out, files=probe_files)
        info["bytecode"] = {"compiled_by": f"CPython {interpreter.version}", "cache_tag": interpreter.cache_tag,
                            "magic": interpreter.magic, "invalidation_mode": "unchecked-hash",
                            "modules": sum(1 for _ in out.rglob("*.pyc"))}
    else:
        info["no_bytecode_reason"] = ("not requested" if not bytecode
                                      else f"no CPython {python_version} interpreter on the build machine")
        if bytecode:
            _note_no_bytecode(python_version)
    (out / INFO_FILE).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    return info


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


def prefetch(targets: list[tuple[str, str]]) -> None:
    """Fill the wheel cache for each (python_version, platform), so synth and tests stay offline."""
    for python_version, platform in targets:
        print(f"probe dependencies cached for cp{python_version.replace('.', '')} {platform}: {_deps_dir(python_version, platform)}")


if __name__ == "__main__":
    # `make setup`: the Lambda target (python3.14 arm64), all synthesis needs. `--host` (make
    # setup-dev): this interpreter's own, which the bundling tests and the bench build for.
    # The only steps of the suite that need PyPI.
    import sysconfig

    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    if "--host" in sys.argv[1:]:
        prefetch([(here, "manylinux2014_" + sysconfig.get_platform().split("-")[-1])])
    else:
        prefetch([("3.14", "manylinux2014_aarch64")])
