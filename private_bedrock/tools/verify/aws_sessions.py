"""boto3 sessions that read botocore's service models once per process.

Every boto3 Session has its own botocore data loader, which parses the JSON models of the
services it makes clients for (EC2's alone is several megabytes) and the endpoint tables.
`make verify FLEET=...` opens two sessions per account and region, so a fleet of a hundred
accounts parsed the same models hundreds of times over; here the sessions share one loader.
Credentials, profile, region and client configuration stay each session's own: the loader
holds only the models shipped with botocore and boto3.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

_lock = threading.Lock()
_loader: Any = None


def _serialized(loader: Any) -> Any:
    """The loader with its loads behind one lock. Its cache is filled on the first load of
    each model; threads that miss it at once (the fleet verifier's workers, all starting
    together) would each parse and keep their own copy: 32 workers held 32 copies of EC2's
    model, 787 MB instead of 79 (measured 2026-12-03)."""
    lock = threading.RLock()  # load_service_model calls load_data
    for name in ("load_service_model", "load_data", "load_data_with_path", "list_available_services"):
        original = getattr(loader, name)

        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        setattr(loader, name, locked)
    return loader


def boto3_session(setup: Callable[[Any], None] | None = None, **kwargs: Any) -> Any:
    """boto3.session.Session(**kwargs), sharing this process's botocore data loader.
    `setup(botocore_session)` runs before the boto3 session exists: session-wide config
    variables (retry mode) and event handlers, which every client of the session inherits."""
    import boto3
    import botocore.session

    global _loader
    with _lock:
        core = botocore.session.get_session()
        if _loader is None:
            _loader = _serialized(core.get_component("data_loader"))
        else:
            core.register_component("data_loader", _loader)
        if setup is not None:
            setup(core)
        session = boto3.session.Session(botocore_session=core, **kwargs)
        # boto3 appends its own data folder to the loader's search path for every Session.
        _loader.search_paths[:] = list(dict.fromkeys(_loader.search_paths))
    return session
