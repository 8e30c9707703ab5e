"""Keep this process on one core while it polls; its worker processes get the others.

A poll runs many threads here (fetches, storing, a share of the analysis), but
they take turns holding the interpreter lock, so the process never uses more
than one core at a time. When its threads hop between cores, every hand-over
of the lock moves the interpreter's working set from one core's cache to
another's: fetching a thousand feeds with eight threads cost 1.8 times the
CPU time of one thread, and no more than one thread once the process was kept
to a single core, where the threads also stop taking turns with the worker
processes on theirs.

Linux only (elsewhere nothing changes), and best effort: when the system
refuses, the poll runs as it would have. Worker processes start with every
core the process had before (:func:`allowed_cpus`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_TASKS = Path("/proc/self/task")
# The cores this process may use, as it started (before any `one_core`).
_ALLOWED: frozenset[int] | None = None


def allowed_cpus() -> frozenset[int] | None:
    """Every core this process was allowed before keeping to one; None where unknown."""
    if _ALLOWED is not None:
        return _ALLOWED
    if not hasattr(os, "sched_getaffinity"):
        return None
    return frozenset(os.sched_getaffinity(0))


@contextmanager
def one_core() -> Iterator[None]:
    """Keep every thread of this process, and the threads it starts meanwhile, on the
    core it runs on now; afterwards they may use every allowed core again."""
    global _ALLOWED
    allowed = allowed_cpus()
    core = _current_cpu()
    if _ALLOWED is not None or allowed is None or len(allowed) < 2 or core not in allowed:
        yield  # nested, unsupported, or nothing to gain
        return
    _ALLOWED = allowed
    try:
        _set_all_threads({core})
        yield
    finally:
        _set_all_threads(allowed)
        _ALLOWED = None


def _current_cpu() -> int | None:
    try:
        stat = Path("/proc/thread-self/stat").read_text()
    except OSError:
        return None
    # Field 39 of proc(5), "processor"; fields are counted after the parenthesised name.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[36]) if len(fields) > 36 and fields[36].isdigit() else None


def _set_all_threads(cpus: set[int] | frozenset[int]) -> None:
    try:
        tasks = [int(name) for name in os.listdir(_TASKS)]
    except OSError:
        tasks = [0]
    for task in tasks:
        # The thread may have just ended, or the system refuses: either way, no harm done.
        with contextlib.suppress(OSError):
            os.sched_setaffinity(task, cpus)
