"""Session fixtures computed once per test run, also when pytest-xdist runs two workers.

`make test` runs the suite on two workers (pytest-xdist, one per core); each worker is its
own process with its own session, so a plain session fixture would synthesize the same
configuration once per worker. Here the first worker to need a value computes it under a
file lock in the run's shared temporary folder and the other reads it back: one synth per
configuration per run, as without xdist (where the value is simply computed).
"""

from __future__ import annotations

import fcntl
import os
import pickle
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import pytest

T = TypeVar("T")


def _shared_folder(factory: pytest.TempPathFactory) -> Path | None:
    """The folder every worker of this run shares (None without xdist)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return None
    # Workers' base temps are <run>/popen-gw<N>: their parent is this run's, and only this run's.
    return factory.getbasetemp().parent


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def value_once(factory: pytest.TempPathFactory, name: str, compute: Callable[[], T]) -> T:
    """compute() once per run; picklable values only."""
    shared = _shared_folder(factory)
    if shared is None:
        return compute()
    path = shared / f"{name}.pickle"
    with _locked(path):
        if path.exists():
            return pickle.loads(path.read_bytes())
        value = compute()
        path.write_bytes(pickle.dumps(value))
        return value


def folder_once(factory: pytest.TempPathFactory, name: str, fill: Callable[[Path], None]) -> Path:
    """A folder filled once per run by fill(folder) (a CLI synth's cloud assembly)."""
    shared = _shared_folder(factory)
    if shared is None:
        folder = factory.mktemp(name)
        fill(folder)
        return folder
    folder = shared / name
    done = shared / f"{name}.done"
    with _locked(done):
        if not done.exists():
            folder.mkdir(exist_ok=True)
            fill(folder)
            done.touch()
    return folder
