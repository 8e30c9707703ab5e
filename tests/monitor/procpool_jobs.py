"""Jobs for the process pool tests, run in its child processes (``main``) or here."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from monitor.errors import ParseError
from monitor.procpool import serve


class Unpicklable(Exception):
    def __init__(self, a: int, b: int) -> None:  # pickling passes one argument: it breaks
        super().__init__(f"{a}/{b}")


def handle(job: tuple[str, Any]) -> Any:
    kind, value = job
    if kind == "double":
        return value * 2
    if kind == "pid":
        return os.getpid()
    if kind == "cpus":
        return sorted(os.sched_getaffinity(0))
    if kind == "print":
        print("chatter on stdout", value)  # must not reach the parent as a frame
        sys.stdout.flush()
        return value
    if kind == "parse-error":
        raise ParseError("not a feed", url=value)
    if kind == "unpicklable":
        raise Unpicklable(1, 2)
    if kind == "die":
        os._exit(3)
    raise ValueError(kind)


def main(argv: Sequence[str]) -> None:
    serve(handle)
