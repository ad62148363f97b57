"""Where the probe's runtime is: lambda_src/probe in a checkout, its copy in an installed wheel.

The Lambda imports the probe's modules by their top-level names (`handler`, `plan`, as on
/var/task), so lambda_src/probe is a folder of flat modules, not a package. The wheel ships
the same files as `private_bedrock.probe_runtime` (pyproject.toml maps that package to
lambda_src/probe), so synthesis from an installed library bundles the same bytes as from a
checkout, and `make verify` imports the probe's plan by that module name in both.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys
import threading
from pathlib import Path
from types import ModuleType

_LIBRARY = Path(__file__).resolve().parents[1]
_CHECKOUT = _LIBRARY.parent
CHECKOUT_DIR = _CHECKOUT / "lambda_src" / "probe"
INSTALLED_DIR = _LIBRARY / "probe_runtime"
# The probe's modules as a package, in the wheel and in a checkout alike (runtime_module).
RUNTIME_PACKAGE = "private_bedrock.probe_runtime"
_lock = threading.Lock()


def in_checkout() -> bool:
    """True when private_bedrock is imported from a clone of the repository (or an editable install)."""
    return CHECKOUT_DIR.is_dir()


def runtime_dir() -> Path:
    """The folder holding the probe's modules and its requirements.txt."""
    return CHECKOUT_DIR if in_checkout() else INSTALLED_DIR


def cache_dir() -> Path:
    """Where the probe's wheels are cached: the checkout's .cache/, else the user's cache folder.

    An installed library must not write into site-packages; PRIVATE_BEDROCK_CACHE overrides both."""
    if os.environ.get("PRIVATE_BEDROCK_CACHE"):
        return Path(os.environ["PRIVATE_BEDROCK_CACHE"])
    if in_checkout():
        return _CHECKOUT / ".cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "private-bedrock"


def runtime_module(name: str) -> ModuleType:
    """The probe's module `name` (e.g. "plan") as private_bedrock.probe_runtime.<name>, imported by
    that name whether the library is a wheel, an editable install or a bare checkout.

    Only modules that import no sibling by its top-level name can be imported this way (plan.py
    imports contract relatively when it is a package module; contract.py imports nothing of the
    probe); the others expect /var/task on sys.path."""
    with _lock:
        _checkout_package()
    return importlib.import_module(f"{RUNTIME_PACKAGE}.{name}")


def _checkout_package() -> None:
    """In a checkout, make private_bedrock.probe_runtime the namespace package of lambda_src/probe,
    the layout the wheel installs (pyproject.toml's package-dir): a package whose only path is
    that folder, so its modules are found and imported by the import system as usual."""
    if RUNTIME_PACKAGE in sys.modules or not in_checkout():
        return
    import private_bedrock

    spec = importlib.machinery.ModuleSpec(RUNTIME_PACKAGE, None, is_package=True)
    spec.submodule_search_locations = [str(CHECKOUT_DIR)]
    package = importlib.util.module_from_spec(spec)
    sys.modules[RUNTIME_PACKAGE] = package
    private_bedrock.probe_runtime = package  # type: ignore[attr-defined]
