"""One daemon per SQLite file.

Two daemons writing one SQLite file would poll every feed twice. The lock is
an OS file lock (``flock``) on ``<database>.lock``: the kernel releases it
when the process dies, even by ``kill -9``, so a stale lock file never blocks
the next start. PostgreSQL needs no such lock: daemons there share the feeds
through row leases.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.errors import MonitorError


class DaemonAlreadyRunning(MonitorError):
    def __init__(self, database: str, pid: str) -> None:
        owner = f" (pid {pid})" if pid else ""
        super().__init__(f"{database}: another monitor daemon is running on it{owner}")


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory SQLite."""
    scheme, _, rest = database_url.partition("://")
    if scheme.split("+")[0] != "sqlite" or not rest.startswith("/"):
        return None
    database = rest[1:].split("?")[0]  # sqlite:///relative.db, sqlite:////absolute.db
    if not database or database == ":memory:":
        return None
    return Path(database).resolve()


def _lock_file(database_url: str) -> Path | None:
    path = sqlite_path(database_url)
    return path.with_name(path.name + ".lock") if path is not None else None


def daemon_holder(database_url: str) -> str | None:
    """The pid of the daemon holding a SQLite file (``""`` if it did not say), else None.

    For other databases there is no lock to look at: None.
    """
    lock_path = _lock_file(database_url)
    if lock_path is None or not lock_path.exists():
        return None
    with lock_path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip()
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


@contextmanager
def daemon_lock(database_url: str) -> Iterator[None]:
    lock_path = _lock_file(database_url)
    if lock_path is None:
        yield
        return
    handle = lock_path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            database = lock_path.with_suffix("")  # m.db.lock -> m.db
            raise DaemonAlreadyRunning(str(database), handle.read().strip()) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock
