"""The process pool: jobs answered by child processes (and this one), failures contained."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from monitor.affinity import allowed_cpus, one_core
from monitor.errors import ParseError
from monitor.procpool import ProcessPool, WorkerError

JOBS = "procpool_jobs"  # tests/monitor/procpool_jobs.py, found through the parent's sys.path


@pytest.fixture
def pool() -> Iterator[ProcessPool]:
    pool = ProcessPool(JOBS, [], 2)
    yield pool
    pool.close()


def test_children_answer_jobs_in_parallel_processes(pool: ProcessPool) -> None:
    futures = [pool.submit(("double", n)) for n in range(20)]
    assert [f.result(timeout=60) for f in futures] == [2 * n for n in range(20)]
    pids = {pool.submit(("pid", None)).result(timeout=60) for _ in range(10)}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_errors_come_back_as_raised_or_as_worker_errors(pool: ProcessPool) -> None:
    with pytest.raises(ParseError, match="not a feed") as raised:
        pool.submit(("parse-error", "https://example.org/x")).result(timeout=60)
    assert raised.value.url == "https://example.org/x"
    with pytest.raises(WorkerError, match="Unpicklable: 1/2"):
        pool.submit(("unpicklable", None)).result(timeout=60)
    assert pool.submit(("double", 4)).result(timeout=60) == 8


def test_a_job_that_cannot_be_sent_fails_alone(pool: ProcessPool) -> None:
    with pytest.raises(WorkerError, match="cannot send the job"):
        pool.submit(("double", threading.Lock())).result(timeout=60)
    assert pool.submit(("double", 5)).result(timeout=60) == 10


def test_a_child_that_dies_fails_its_job_and_is_replaced(pool: ProcessPool) -> None:
    with pytest.raises(WorkerError, match="exited with status 3"):
        pool.submit(("die", None)).result(timeout=60)
    assert [pool.submit(("double", n)).result(timeout=60) for n in range(4)] == [0, 2, 4, 6]


def test_a_child_that_dies_fails_only_the_job_it_was_working_on() -> None:
    # One child holds several jobs at once (the next ones wait in its pipe): when it
    # dies, those it had not started go to its successor.
    pool = ProcessPool(JOBS, [], 1)
    try:
        futures = [pool.submit(("die", None)), *(pool.submit(("double", n)) for n in range(6))]
        with pytest.raises(WorkerError, match="exited with status 3"):
            futures[0].result(timeout=60)
        assert [f.result(timeout=60) for f in futures[1:]] == [0, 2, 4, 6, 8, 10]
    finally:
        pool.close()


def test_what_a_job_prints_does_not_disturb_the_answers(pool: ProcessPool) -> None:
    assert pool.submit(("print", "hello")).result(timeout=60) == "hello"
    assert pool.submit(("double", 21)).result(timeout=60) == 42


def test_this_process_takes_its_share_of_the_jobs() -> None:
    here: list[int] = []

    def handle(job: tuple[str, int]) -> int:
        here.append(job[1])
        return job[1] * 2

    before = sys.getswitchinterval()
    pool = ProcessPool(JOBS, [], 1, here=handle)
    try:
        # Its jobs hold the interpreter lock: it lets go of it sooner meanwhile.
        assert sys.getswitchinterval() < before
        with ThreadPoolExecutor(8) as submitters:
            futures = list(submitters.map(lambda n: pool.submit(("double", n)), range(200)))
        assert [f.result(timeout=60) for f in futures] == [2 * n for n in range(200)]
    finally:
        pool.close()
    assert sys.getswitchinterval() == before
    assert 0 < len(here) < 200  # both this process and the child answered


def test_closing_cancels_the_jobs_no_one_took() -> None:
    pool = ProcessPool(JOBS, [], 1)
    futures = [pool.submit(("double", n)) for n in range(50)]
    pool.close()
    done = [f for f in futures if not f.cancelled()]
    assert all(f.result(timeout=0) % 2 == 0 for f in done)
    assert all(f.done() for f in futures)


linux_smp = pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux and two cores",
)


@linux_smp
def test_one_core_holds_every_thread_and_the_children_get_every_core_back() -> None:
    before = frozenset(os.sched_getaffinity(0))
    started = threading.Event()
    release = threading.Event()
    masks: dict[str, set[int]] = {}

    def waiting() -> None:  # a thread older than the pinning
        started.set()
        release.wait(30)

    old = threading.Thread(target=waiting)
    old.start()
    started.wait(30)
    try:
        with one_core():
            masks["main"] = os.sched_getaffinity(0)
            masks["old"] = os.sched_getaffinity(old.native_id)
            with ThreadPoolExecutor(1) as executor:
                masks["new"] = executor.submit(os.sched_getaffinity, 0).result()
            assert allowed_cpus() == before
            pool = ProcessPool(JOBS, [], 1)
            try:
                masks["child"] = set(pool.submit(("cpus", None)).result(timeout=60))
            finally:
                pool.close()
        masks["after"] = os.sched_getaffinity(old.native_id)
    finally:
        release.set()
        old.join()
    assert len(masks["main"]) == 1 and masks["main"] <= before
    assert masks["old"] == masks["new"] == masks["main"]
    assert masks["child"] == before
    assert masks["after"] == before == os.sched_getaffinity(0)
