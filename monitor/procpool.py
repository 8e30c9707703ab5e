"""Child processes that answer jobs sent over pipes: the CPU-bound part of a poll on every core.

Why not :mod:`multiprocessing`: its ``spawn`` children re-import the parent's main
module (here the whole command line: database, HTTP, settings), and its queues
start one more process, a resource tracker. A poll's memory is the sum over its
processes, so each child here is a bare interpreter that imports one module and
serves jobs until its standard input closes:

- parent to child: a job, pickled, in a frame (8-byte length, then the bytes);
- child to parent: ``(True, result)`` or ``(False, exception)``, in a frame.

One thread per child in the parent takes the next job from a shared queue, so a
free child always gets the next job. The pool may also take jobs in this
process, on one more thread: a process that has spare time (one that fetches
and stores) then does a share of the work without the memory of one more
child. A child that dies fails the job it held (:class:`WorkerError`) and is
started again for the next one. The children ignore Ctrl-C (the parent decides
when they stop) and exit when the parent closes their input, or dies.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import IO, Any

from monitor.affinity import allowed_cpus
from monitor.errors import MonitorError

_HEADER = struct.Struct("<Q")
# The child's interpreter finds packages where the parent found them, wherever that is,
# and may run on every core the parent may (see monitor.affinity).
_BOOT = (
    "import importlib, json, os, sys; "
    "boot = json.loads(sys.argv[1]); "
    "sys.path[:] = boot['path']; "
    "boot['cpus'] and os.sched_setaffinity(0, boot['cpus']); "
    "importlib.import_module(sys.argv[2]).main(sys.argv[3:])"
)
_STOP_SECONDS = 10
# Jobs a child holds at once: the one it works on and the next ones, already in its pipe,
# so that it keeps working while this process is slow to answer (it has its own work).
_AHEAD = 4


class WorkerError(MonitorError):
    """A child process died, or failed in a way that cannot be sent back as it was."""


def write_frame(stream: IO[bytes], data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame; None when the other side closed the pipe (between frames or in one)."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    return data if len(data) == size else None


def serve(handler: Callable[[Any], Any]) -> None:
    """The child's loop: answer every job frame on stdin with ``handler(job)``, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Frames go to a private copy of stdout; anything a library prints goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    # Jobs are read as they come, while this thread works: the parent sends the next
    # job before this one is answered, and must never wait to write it.
    frames: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    threading.Thread(target=_read_all, args=(sys.stdin.buffer, frames), daemon=True).start()
    while (frame := frames.get()) is not None:
        try:
            answer = (True, handler(pickle.loads(frame)))
        except Exception as exc:
            answer = (False, exc)
        write_frame(answers, _dumps_answer(answer))


def _read_all(stream: IO[bytes], frames: queue.SimpleQueue[bytes | None]) -> None:
    while (frame := read_frame(stream)) is not None:
        frames.put(frame)
    frames.put(None)


def _dumps_answer(answer: tuple[bool, Any]) -> bytes:
    ok, value = answer
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        if not ok:
            pickle.loads(data)  # some exceptions pickle but cannot be rebuilt
        return data
    except Exception:
        failure = WorkerError(f"{type(value).__name__}: {value}")
        return pickle.dumps((False, failure), protocol=pickle.HIGHEST_PROTOCOL)


class _Jobs:
    """Jobs waiting for a taker: a child takes the next one as soon as it has room, this
    process only when more are waiting than the children have room for (it has its own
    work to do, and a child has nothing else)."""

    def __init__(self) -> None:
        self._waiting: deque[tuple[Future[Any], Any]] = deque()
        self._changed = threading.Condition()
        self._closed = False

    def put(self, item: tuple[Future[Any], Any]) -> None:
        with self._changed:
            self._waiting.append(item)
            self._changed.notify_all()

    def take(self, *, block: bool, backlog: int = 1) -> tuple[Future[Any], Any] | None:
        """The oldest job once ``backlog`` are waiting; None when closed, or at once
        when none is waiting and ``block`` is false."""
        with self._changed:
            while len(self._waiting) < backlog:
                if self._closed or not block:
                    return None
                self._changed.wait()
            return self._waiting.popleft()

    def close(self) -> list[tuple[Future[Any], Any]]:
        """Stop handing out jobs; the ones still waiting."""
        with self._changed:
            self._closed = True
            waiting, self._waiting = list(self._waiting), deque()
            self._changed.notify_all()
        return waiting


# This process takes a job only when this many wait beyond what the children hold.
_HERE_BACKLOG = 2
# Seconds a thread of this process may hold the interpreter lock while it takes jobs too
# (the default is 5 ms).
_HERE_SWITCH_INTERVAL = 0.001


class ProcessPool:
    """``size`` children running ``module.main(args)``, which calls :func:`serve`, and,
    with ``here``, a thread of this process answering jobs with ``here(job)``."""

    def __init__(
        self,
        module: str,
        args: Sequence[str],
        size: int,
        *,
        here: Callable[[Any], Any] | None = None,
    ) -> None:
        self._module = module
        cpus = allowed_cpus()
        boot = {"path": sys.path, "cpus": sorted(cpus) if cpus else None}
        self._command = [sys.executable, "-c", _BOOT, json.dumps(boot), module, *args]
        self._jobs = _Jobs()
        self._threads = [
            threading.Thread(target=self._feed, name=f"{module}-{index}", daemon=True)
            for index in range(size)
        ]
        self._switch_interval: float | None = None
        if here is not None:
            # A job here runs for many milliseconds without letting go of the interpreter
            # lock but every switch interval; the threads feeding the children need it
            # for microseconds at a time, and a child waits while they wait for it.
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self._switch_interval, _HERE_SWITCH_INTERVAL))
            # With no child, this process is the only taker: it takes every job.
            backlog = _HERE_BACKLOG if size else 1
            self._threads.append(
                threading.Thread(
                    target=self._serve_here,
                    args=(here, backlog),
                    name=f"{module}-here",
                    daemon=True,
                )
            )
        for thread in self._threads:
            thread.start()

    def submit(self, job: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._jobs.put((future, job))
        return future

    def close(self) -> None:
        """Cancel the jobs not yet taken, let the children finish theirs, and stop them."""
        for future, _job in self._jobs.close():
            future.cancel()
        for thread in self._threads:
            thread.join()
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)

    def _serve_here(self, handler: Callable[[Any], Any], backlog: int) -> None:
        while (item := self._jobs.take(block=True, backlog=backlog)) is not None:
            future, job = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = handler(job)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

    def _start(self) -> subprocess.Popen[bytes] | None:
        """A new child; None when none can be started (the jobs it would take fail)."""
        try:
            return subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError:
            return None

    def _feed(self) -> None:
        # Started at once, so the child loads while the first jobs are on their way.
        child = self._start()
        sent: deque[tuple[Future[Any], bytes]] = deque()  # jobs the child has, oldest first
        # Jobs a dead child held but had not started: sent again to its successor.
        again: deque[tuple[Future[Any], bytes]] = deque()
        try:
            while True:
                # The next job waits in the child's pipe while it works on one, so the
                # child never idles while this process is too busy to hand it one.
                while len(sent) < _AHEAD:
                    job = again.popleft() if again else self._next_job(block=not sent)
                    if job is None:  # closed, or (while the child works) none waiting
                        break
                    future, data = job
                    child = child or self._start()
                    if child is None:
                        future.set_exception(WorkerError(f"cannot start a {self._module} process"))
                        continue
                    sent.append(job)
                    if not _send(child, data):
                        break  # the child died: reading its answer says so
                if not sent:
                    return  # closed
                assert child is not None and child.stdout is not None
                answer = read_frame(child.stdout)
                if answer is None:
                    code = _stop(child)
                    child = None
                    # The job it was working on fails (it may be what killed it); the
                    # ones waiting in its pipe go to the next child.
                    failed, _ = sent.popleft()
                    failed.set_exception(
                        WorkerError(f"the {self._module} process exited with status {code}")
                    )
                    again.extendleft(reversed(sent))
                    sent.clear()
                    continue
                _resolve(sent.popleft()[0], answer)
        finally:
            if child is not None:
                _stop(child)

    def _next_job(self, *, block: bool) -> tuple[Future[Any], bytes] | None:
        """The next job from the queue, pickled; None when there is none (or it closed)."""
        while (item := self._jobs.take(block=block)) is not None:
            future, job = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                return future, pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                future.set_exception(WorkerError(f"cannot send the job: {exc}"))
        return None


def _send(child: subprocess.Popen[bytes], data: bytes) -> bool:
    """Send a pickled job; False when the child is gone (its end of the pipe is closed)."""
    assert child.stdin is not None
    try:
        write_frame(child.stdin, data)
    except OSError:
        return False
    return True


def _resolve(future: Future[Any], answer: bytes) -> None:
    try:
        ok, value = pickle.loads(answer)
    except Exception as exc:  # cannot happen short of a bug: fail the job, not the pool
        ok, value = False, WorkerError(f"unreadable answer: {exc}")
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def _stop(child: subprocess.Popen[bytes]) -> int:
    """Close the child's input (it exits at EOF) and reap it; its exit status."""
    assert child.stdin is not None and child.stdout is not None
    with contextlib.suppress(OSError):  # a dead child: its end of the pipe is gone
        child.stdin.close()
    try:
        code = child.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        code = child.wait()
    child.stdout.close()
    return code
