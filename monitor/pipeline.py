"""The one place where the steps are chained: fetch, parse, match, score, store.

For each due feed::

    fetch (thread pool: I/O, per-host limit)
      -> parse + match (worker processes and this one: CPU, see monitor.analysis)
      -> store (this thread: a feed's items in one transaction with its new validators)

A feed that brought no item to store (a 304, a failure, a body of known items)
changes only its own bookkeeping: such feeds are stored together, many in one
transaction, since losing them in a crash only means polling them again. Feeds
with items that finish while others are being stored are stored together too:
each feed's items still commit with its validators.

Every feed ends as one :class:`FeedOutcome`; a failing feed never stops the
others. Nothing here reads the clock directly: ``clock`` is injected.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from monitor.affinity import one_core
from monitor.analysis import AnalysisRunner, FeedAnalysis, FeedContext, RulesUnavailableError
from monitor.errors import FetchError, GoneError, MonitorError, ParseError, RetryLaterError
from monitor.fetch import Fetcher, FetchResult
from monitor.models import Feed, FeedStatus, PollRecord, PollSummary
from monitor.schedule import Backoff, PollKind, decide
from monitor.storage import Storage

log = logging.getLogger("monitor.poll")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """How one poll of one feed ended."""

    url: str
    name: str | None
    status: FeedStatus
    http_status: int | None = None
    not_modified: bool = False
    items_seen: int = 0
    new_items: int = 0
    updated_items: int = 0
    new_alerts: int = 0
    updated_alerts: int = 0
    bytes: int = 0
    error: str | None = None
    error_kind: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class PollReport:
    started_at: datetime
    finished_at: datetime | None = None
    outcomes: list[FeedOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if not o.ok]

    def total(self, attribute: str) -> int:
        return sum(getattr(o, attribute) for o in self.outcomes)


# A claimed batch is this many rounds of `concurrency` feeds: small enough that its lease
# (several total request deadlines) outlasts it, large enough to keep every fetch slot busy.
BATCH_ROUNDS = 4
# Feeds without items to store are written together once this many are waiting, or
# when nothing else has finished for FLUSH_IDLE seconds, or at the end of the poll.
FLUSH_SIZE = 256
FLUSH_IDLE = 0.5
# At most this many feeds with items are stored in one transaction (see _poll_stream).
STORE_TOGETHER = 8


@dataclass(frozen=True, slots=True)
class PollOptions:
    concurrency: int = 8
    per_host: int = 2
    backoff: Backoff = field(default_factory=Backoff)
    unconditional_every: int = 20
    lease_seconds: int = 600


def default_owner() -> str:
    """Who holds a feed's lease: this host and process, unique per pipeline."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def release_dead_leases(storage: Storage) -> int:
    """Free the leases of processes on this host that died (``kill -9``, a crash).

    Leases of other hosts are left to expire: we cannot tell whether they live.
    """
    host = socket.gethostname()
    freed = 0
    for owner in storage.lease_owners():
        parts = owner.rsplit(":", 2)  # host:pid:random
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        if not _process_alive(int(parts[1])):
            freed += storage.release_leases(owner)
            log.info("released %d feed leases of %s, which is no longer running", freed, owner)
    return freed


class _HostLimiter:
    """At most ``per_host`` requests in flight to one host."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        host = urlsplit(url).hostname or ""
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self._per_host))
        with semaphore:
            yield


@dataclass(slots=True)
class _Fetched:
    feed: Feed
    started_at: datetime
    started: float
    result: FetchResult | None = None
    analysis: FeedAnalysis | None = None
    error: MonitorError | None = None


class Pipeline:
    """Polls feeds and stores what the engine finds in them."""

    def __init__(
        self,
        *,
        storage: Storage,
        fetcher: Fetcher,
        runner: AnalysisRunner,
        options: PollOptions = PollOptions(),
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        owner: str | None = None,
    ) -> None:
        self.owner = owner or default_owner()
        self.storage = storage
        self.fetcher = fetcher
        self.runner = runner
        self.options = options
        self.clock = clock
        self.rng = rng or random.Random()
        self._hosts = _HostLimiter(options.per_host)

    # -- one feed -------------------------------------------------------------

    def _fetch_and_analyse(self, feed: Feed) -> _Fetched:
        """Runs in the I/O pool: fetch, then hand the bytes to the analysis workers."""
        job = _Fetched(feed=feed, started_at=self.clock(), started=time.monotonic())
        use_validators = not (
            self.options.unconditional_every
            and self.rng.random() < 1 / self.options.unconditional_every
        )
        try:
            with self._hosts.slot(feed.url):
                job.result = self.fetcher.fetch(
                    feed.url,
                    etag=feed.etag if use_validators else None,
                    last_modified=feed.last_modified if use_validators else None,
                    now=job.started_at,
                )
            if job.result.content is not None:
                # A feed never polled before has stored nothing: no need to ask.
                known = (
                    frozenset()
                    if feed.status is FeedStatus.NEW
                    else self.storage.known_hashes(feed.url)
                )
                context = FeedContext(
                    url=job.result.final_url,
                    headers=job.result.headers,
                    lang=feed.lang,
                    weight=feed.weight,
                    fetched_at=job.started_at,
                    known_hashes=frozenset(known),
                )
                job.analysis = self.runner.analyse(job.result.content, context)
        except MonitorError as exc:
            job.error = exc
        except RulesUnavailableError:
            raise  # no feed can be analysed: the poll stops
        except Exception as exc:  # a bug must cost one feed, not the poll
            log.exception("unexpected error polling %s", feed.url)
            job.error = MonitorError(f"internal error: {type(exc).__name__}: {exc}")
        return job

    def _poll_record(self, job: _Fetched) -> PollRecord:
        """Decide the feed's health after this poll: everything to store, in one record."""
        feed, result, error = job.feed, job.result, job.error
        now = self.clock()
        kind, retry_after = PollKind.OK, None
        if isinstance(error, GoneError):
            kind = PollKind.GONE
        elif isinstance(error, RetryLaterError):
            kind, retry_after = PollKind.RETRY_LATER, error.retry_after
        elif error is not None:
            kind = PollKind.FAILED
        decision = decide(
            kind,
            now=now,
            interval=feed.interval,
            error_count=feed.error_count,
            policy=self.options.backoff,
            rng=self.rng,
            retry_after=retry_after,
            max_age=result.max_age if result is not None else None,
        )
        items = job.analysis.items if job.analysis is not None else ()
        return PollRecord(
            feed_url=feed.url,
            started_at=job.started_at,
            finished_at=now,
            status=decision.status,
            next_poll_at=decision.next_poll_at,
            backoff_until=decision.backoff_until,
            error_count=decision.error_count,
            http_status=_http_status(result, error),
            bytes=result.bytes if result is not None else 0,
            error=str(error) if error is not None else None,
            etag=result.etag if result is not None and error is None else None,
            last_modified=result.last_modified if result is not None and error is None else None,
            new_url=result.permanent_url if result is not None and error is None else None,
            items=tuple(items),
            feed_id=feed.id,
        )

    def _outcome(self, job: _Fetched, record: PollRecord, summary: PollSummary) -> FeedOutcome:
        """The outcome of a stored poll, logged."""
        result = job.result
        outcome = FeedOutcome(
            url=job.feed.url,
            name=job.feed.name,
            status=record.status,
            http_status=record.http_status,
            not_modified=bool(result is not None and result.not_modified),
            items_seen=job.analysis.items_seen if job.analysis is not None else 0,
            new_items=summary.new_items,
            updated_items=summary.updated_items,
            new_alerts=summary.new_alerts,
            updated_alerts=summary.updated_alerts,
            bytes=record.bytes,
            error=record.error,
            error_kind=_error_kind(job.error),
            elapsed=time.monotonic() - job.started,
        )
        _log_outcome(outcome, record.next_poll_at)
        return outcome

    def _record(self, job: _Fetched) -> FeedOutcome:
        """Store one poll now, in its own transaction."""
        record = self._poll_record(job)
        return self._outcome(job, record, self.storage.record_poll(record))

    def poll_feed(self, feed: Feed) -> FeedOutcome:
        return self._record(self._fetch_and_analyse(feed))

    # -- many feeds -----------------------------------------------------------

    def poll(
        self,
        feeds: Iterable[Feed],
        *,
        on_outcome: Callable[[FeedOutcome], None] | None = None,
        stop: threading.Event | None = None,
    ) -> PollReport:
        """Poll ``feeds`` concurrently; store each as it completes; return every outcome.

        When ``stop`` is set, feeds not yet started are left for the next run and
        the ones in hand are finished and stored.
        """
        feeds = list(feeds)
        self.runner.plan(len(feeds))
        report, _unstarted = self._poll_stream(iter(feeds), len(feeds), on_outcome, stop)
        return report

    def poll_due(
        self,
        *,
        ignore_interval: bool = False,
        on_outcome: Callable[[FeedOutcome], None] | None = None,
        stop: threading.Event | None = None,
    ) -> PollReport:
        """Claim due feeds in batches and poll them until none is due (or ``stop`` is set).

        Claiming leases each feed to this pipeline's ``owner``: daemons sharing a
        PostgreSQL database never poll one feed twice. With ``ignore_interval``
        every feed not in backoff is claimed at once, for one pass. The next batch
        is claimed as soon as the last one has started, so fetching and analysis
        never wait for a batch to drain.
        """
        release_dead_leases(self.storage)
        due = _DueFeeds(self, ignore_interval=ignore_interval, stop=stop)
        report, unstarted = self._poll_stream(due, self.options.concurrency, on_outcome, stop)
        for feed in [*unstarted, *due.unclaimed_leftovers()]:
            # Stopped before it started: free it for others.
            self.storage.release_feed(feed.url, self.owner)
        return report

    def _poll_stream(
        self,
        feeds: Iterator[Feed],
        size: int,
        on_outcome: Callable[[FeedOutcome], None] | None,
        stop: threading.Event | None,
    ) -> tuple[PollReport, list[Feed]]:
        """Poll the feeds ``feeds`` yields (about ``size``); the report and the feeds
        that ``stop`` kept from starting."""
        report = PollReport(started_at=self.clock())
        unstarted: list[Feed] = []
        pending = _Pending(self, report, on_outcome)
        threads = max(1, min(self.options.concurrency, size or 1))
        # Feeds fetched or analysed but not yet stored stay within this window, so a
        # poll of thousands of feeds holds a few dozen bodies at a time, not all of them.
        window = 2 * threads
        # Each fetch hands its job to this queue as it ends: one cheap hand-over per
        # feed, where waiting on the set of running futures costs a lock per future.
        finished: queue.SimpleQueue[tuple[Feed, _Fetched | BaseException | None]]
        finished = queue.SimpleQueue()

        def fetch(feed: Feed) -> None:
            try:
                finished.put((feed, self._unless_stopped(feed, stop)))
            except BaseException as exc:  # re-raised below, on this thread
                finished.put((feed, exc))

        with (
            one_core() if threads > 1 else nullcontext(),
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fetch") as pool,
        ):
            running = 0

            def start_next() -> None:
                nonlocal running
                feed = None if stop is not None and stop.is_set() else next(feeds, None)
                if feed is not None:
                    pool.submit(fetch, feed)
                    running += 1

            for _ in range(window):
                start_next()
            try:
                while running:
                    try:
                        batch = [finished.get(timeout=FLUSH_IDLE if pending else None)]
                    except queue.Empty:
                        pending.flush()
                        continue
                    # The feeds that finished while the last ones were stored are stored
                    # together: when storing holds the poll up, it gets cheaper per feed.
                    while len(batch) < STORE_TOGETHER:
                        try:
                            batch.append(finished.get_nowait())
                        except queue.Empty:
                            break
                    with_items = []
                    for feed, job in batch:
                        running -= 1
                        start_next()  # before storing, so fetching goes on meanwhile
                        if isinstance(job, BaseException):
                            raise job
                        if job is None:
                            unstarted.append(feed)
                        elif job.analysis is not None and job.analysis.items:
                            with_items.append(job)
                        else:
                            pending.add(job)
                    for outcome in self._store_together(with_items):
                        self._emit(outcome, report, on_outcome)
            finally:
                pending.flush()
        report.finished_at = self.clock()
        return report, unstarted

    @staticmethod
    def _emit(
        outcome: FeedOutcome,
        report: PollReport,
        on_outcome: Callable[[FeedOutcome], None] | None,
    ) -> None:
        report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    def _unless_stopped(self, feed: Feed, stop: threading.Event | None) -> _Fetched | None:
        if stop is not None and stop.is_set():
            return None
        return self._fetch_and_analyse(feed)

    def _store_together(self, jobs: list[_Fetched]) -> list[FeedOutcome]:
        """Store polls in one transaction; if that fails, each in its own, so that one
        bad poll costs no other its items."""
        if len(jobs) < 2:
            return [self._store_safely(job) for job in jobs]
        records = [self._poll_record(job) for job in jobs]
        try:
            summaries = self.storage.record_polls(records)
        except MonitorError:
            pairs = zip(jobs, records, strict=True)
            return [self._store_safely(job, record) for job, record in pairs]
        return [
            self._outcome(job, record, summary)
            for job, record, summary in zip(jobs, records, summaries, strict=True)
        ]

    def _store_safely(self, job: _Fetched, record: PollRecord | None = None) -> FeedOutcome:
        try:
            if record is None:
                return self._record(job)
            return self._outcome(job, record, self.storage.record_poll(record))
        except MonitorError as exc:
            log.error("poll feed=%s outcome=store_failed error=%s", job.feed.url, exc)
            return FeedOutcome(
                url=job.feed.url,
                name=job.feed.name,
                status=job.feed.status,
                error=f"could not store: {exc}",
                error_kind="storage",
                elapsed=time.monotonic() - job.started,
            )


class _Pending:
    """Polls that brought no item, waiting to be stored together (see the module docstring)."""

    def __init__(
        self,
        pipeline: Pipeline,
        report: PollReport,
        on_outcome: Callable[[FeedOutcome], None] | None,
    ) -> None:
        self._pipeline = pipeline
        self._report = report
        self._on_outcome = on_outcome
        self._waiting: list[tuple[_Fetched, PollRecord]] = []

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, job: _Fetched) -> None:
        record = self._pipeline._poll_record(job)
        if record.new_url is not None:  # a moved feed: its own transaction, as ever
            self._pipeline._emit(
                self._pipeline._store_safely(job, record), self._report, self._on_outcome
            )
            return
        self._waiting.append((job, record))
        if len(self._waiting) >= FLUSH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self._waiting:
            return
        waiting, self._waiting = self._waiting, []
        pipeline = self._pipeline
        try:
            summaries = pipeline.storage.record_polls([record for _, record in waiting])
        except MonitorError:
            # One bad record (a feed removed meanwhile) must not cost the others theirs.
            outcomes = [pipeline._store_safely(job, record) for job, record in waiting]
        else:
            outcomes = [
                pipeline._outcome(job, record, summary)
                for (job, record), summary in zip(waiting, summaries, strict=True)
            ]
        for outcome in outcomes:
            pipeline._emit(outcome, self._report, self._on_outcome)


class _DueFeeds:
    """Iterator of due feeds, claimed one batch at a time when the poll wants the next feed."""

    def __init__(
        self, pipeline: Pipeline, *, ignore_interval: bool, stop: threading.Event | None
    ) -> None:
        self._pipeline = pipeline
        self._ignore_interval = ignore_interval
        self._stop = stop
        options = pipeline.options
        self._limit = None if ignore_interval else options.concurrency * BATCH_ROUNDS
        self._claimed: deque[Feed] = deque()
        # Feeds handed out in this poll: one whose lease ran out while it waited for its
        # host is still in hand, and must not be claimed (and fetched) a second time.
        self._handed: set[int] = set()
        self._count = 0
        self._done = False

    def __iter__(self) -> _DueFeeds:
        return self

    def __next__(self) -> Feed:
        if not self._claimed and not self._done:
            self._claim()
        if not self._claimed:
            raise StopIteration
        feed = self._claimed.popleft()
        self._handed.add(feed.id)
        return feed

    def unclaimed_leftovers(self) -> list[Feed]:
        """Feeds claimed but never handed out (the poll stopped first)."""
        leftovers, self._claimed = list(self._claimed), deque()
        return leftovers

    def _claim(self) -> None:
        pipeline = self._pipeline
        if self._stop is not None and self._stop.is_set():
            self._done = True
            return
        feeds = pipeline.storage.claim_due_feeds(
            pipeline.owner,
            pipeline.clock(),
            ignore_interval=self._ignore_interval,
            lease_seconds=pipeline.options.lease_seconds,
            limit=self._limit,
            exclude=self._handed,
        )
        # With ignore_interval, one pass: every feed was claimed at once.
        self._done = not feeds or self._limit is None
        self._count += len(feeds)
        # The analysis workers are worth starting for a large poll, not a large batch:
        # a full batch means more feeds are due.
        more_due = self._limit if self._limit is not None and len(feeds) == self._limit else 0
        if feeds:
            pipeline.runner.plan(self._count + more_due)
        self._claimed.extend(feeds)


def _http_status(result: FetchResult | None, error: MonitorError | None) -> int | None:
    if isinstance(error, FetchError):
        return error.http_status
    return result.status if result is not None else None


def _error_kind(error: MonitorError | None) -> str | None:
    if error is None:
        return None
    if isinstance(error, FetchError):
        return error.kind
    if isinstance(error, ParseError):
        return "parse"
    return "error"


def _log_outcome(outcome: FeedOutcome, next_poll_at: datetime) -> None:
    """One structured line per poll outcome (key=value, easy to grep and to ship)."""
    if not log.isEnabledFor(logging.INFO):
        return  # most runs: no handler wants the line, so do not format it
    fields = {
        "feed": outcome.url,
        "outcome": "error" if outcome.error else ("not_modified" if outcome.not_modified else "ok"),
        "status": outcome.status.value,
        "http": outcome.http_status,
        "bytes": outcome.bytes,
        "items": outcome.items_seen,
        "new_items": outcome.new_items,
        "new_alerts": outcome.new_alerts,
        "updated_alerts": outcome.updated_alerts,
        "elapsed_ms": round(outcome.elapsed * 1000),
        "next_poll": next_poll_at.isoformat(timespec="seconds"),
    }
    if outcome.error:
        fields["error_kind"] = outcome.error_kind
        fields["error"] = outcome.error
    line = " ".join(f"{key}={_logfmt(value)}" for key, value in fields.items())
    # INFO, failures too: a failing feed is routine for a daemon, and `run --once` sums them up.
    log.info("poll %s", line)


def _logfmt(value: object) -> str:
    text = "" if value is None else str(value)
    if not text or any(ch in text for ch in ' "=\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
    return text
