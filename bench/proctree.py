"""Run a command as a whole process and measure it: wall time, CPU time, peak memory.

Peak memory is taken two ways:

- ``tree_rss``: the largest sum of the resident set sizes of the process and
  all its descendants, sampled every ``interval`` seconds from ``/proc`` (Linux).
  Pages shared between processes count once per process, so this errs high;
  a short peak between two samples can be missed, so it can also err low.
- ``max_rss``: the largest resident set of any single process in the tree,
  from the kernel's own accounting (``wait4``); exact, never misses a peak.

CPU time (user + system) covers the process and every descendant it waited for.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True, slots=True)
class Measured:
    argv: tuple[str, ...]
    returncode: int
    wall: float  # seconds
    cpu: float  # user + system seconds, descendants included
    tree_rss: int | None  # bytes; None where /proc is missing
    max_rss: int  # bytes
    processes: int  # most processes alive at once in the tree
    stdout: str
    stderr: str


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in (PROC / str(pid) / "task").iterdir():
            text = (task / "children").read_text()
            found.extend(int(child) for child in text.split())
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return found


def _tree(root: int) -> Iterator[int]:
    pending = [root]
    while pending:
        pid = pending.pop()
        yield pid
        pending.extend(_children(pid))


def _rss(pid: int) -> int:
    try:
        fields = (PROC / str(pid) / "statm").read_text().split()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    return int(fields[1]) * _PAGE


class _Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.processes = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            pids = list(_tree(self.pid))
            self.peak = max(self.peak, sum(_rss(pid) for pid in pids))
            self.processes = max(self.processes, len(pids))
            self.done.wait(self.interval)


def run_measured(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
    interval: float = 0.02,
) -> Measured:
    """Run ``argv`` to completion (killed after ``timeout`` seconds) and measure it."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = _Sampler(process.pid, interval) if PROC.is_dir() else None
    if sampler is not None:
        sampler.start()
    output: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda n=name, s=stream: output.__setitem__(n, s.read()))
        for name, stream in (("stdout", process.stdout), ("stderr", process.stderr))
    ]
    for reader in readers:
        reader.start()
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.005)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if sampler is not None:
        sampler.done.set()
        sampler.join()
    for reader in readers:
        reader.join()
    return Measured(
        argv=tuple(argv),
        returncode=process.returncode,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        tree_rss=sampler.peak if sampler is not None else None,
        max_rss=usage.ru_maxrss * 1024,  # Linux reports kilobytes
        processes=sampler.processes if sampler is not None else 1,
        stdout=output.get("stdout", ""),
        stderr=output.get("stderr", ""),
    )
