"""Where the probe's runtime is: lambda_src/probe in a checkout, its copy in an installed wheel.

The Lambda imports the probe's modules by their top-level names (`handler`, `plan`, as on
/var/task), so lambda_src/probe is a folder of flat modules, not a package. The wheel ships
the same files as `private_bedrock.probe_runtime` (pyproject.toml maps that package to
lambda_src/probe), so synthesis from an installed library bundles the same bytes as from a
checkout, and `make verify` imports the probe's plan by module name in both.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

_LIBRARY = Path(__file__).resolve().parents[1]
_CHECKOUT = _LIBRARY.parent
CHECKOUT_DIR = _CHECKOUT / "lambda_src" / "probe"
INSTALLED_DIR = _LIBRARY / "probe_runtime"
# Tried in this order: a wheel (or an editable install) has the first, a bare checkout only
# the second. private_bedrock is a regular package, so a checkout's private_bedrock never
# finds the probe_runtime of a wheel installed beside it.
RUNTIME_PACKAGES = ("private_bedrock.probe_runtime", "lambda_src.probe")


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
    """The probe's module `name` (e.g. "plan"), imported by its package name, not its file path.

    Only modules that import no sibling by its top-level name (plan.py imports none) can be
    imported this way; the others expect /var/task on sys.path."""
    for package in RUNTIME_PACKAGES:
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as err:
            # Only "this package is not here" moves on; a missing import inside the module is a real error.
            if err.name is None or not f"{package}.".startswith(f"{err.name}."):
                raise
    raise ModuleNotFoundError(f"the probe's {name}.py is in neither {' nor '.join(RUNTIME_PACKAGES)}; "
                              "install private-bedrock from its wheel or run from a checkout", name=name)
