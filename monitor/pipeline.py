"""The one place where the steps are chained: fetch, parse, match, score, store.

For each due feed::

    fetch (thread pool: I/O, per-host limit)
      -> parse + match (worker processes: CPU, see monitor.analysis)
      -> store (this thread: one transaction per feed, new validators included)

Every feed ends as one :class:`FeedOutcome`; a failing feed never stops the
others. Nothing here reads the clock directly: ``clock`` is injected.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from monitor.analysis import AnalysisRunner, FeedAnalysis, FeedContext
from monitor.errors import FetchError, GoneError, MonitorError, ParseError, RetryLaterError
from monitor.fetch import Fetcher, FetchResult
from monitor.models import Feed, FeedStatus, PollRecord
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
                known = self.storage.known_hashes(feed.url)
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
        except Exception as exc:  # a bug must cost one feed, not the poll
            log.exception("unexpected error polling %s", feed.url)
            job.error = MonitorError(f"internal error: {type(exc).__name__}: {exc}")
        return job

    def _record(self, job: _Fetched) -> FeedOutcome:
        """Runs on the calling thread: decide the feed's health and store everything at once."""
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
        record = PollRecord(
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
        )
        summary = self.storage.record_poll(record)
        outcome = FeedOutcome(
            url=feed.url,
            name=feed.name,
            status=decision.status,
            http_status=record.http_status,
            not_modified=bool(result is not None and result.not_modified),
            items_seen=job.analysis.items_seen if job.analysis is not None else 0,
            new_items=summary.new_items,
            updated_items=summary.updated_items,
            new_alerts=summary.new_alerts,
            updated_alerts=summary.updated_alerts,
            bytes=record.bytes,
            error=record.error,
            error_kind=_error_kind(error),
            elapsed=time.monotonic() - job.started,
        )
        _log_outcome(outcome, decision.next_poll_at)
        return outcome

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
        report = PollReport(started_at=self.clock())
        feeds = list(feeds)
        self.runner.plan(len(feeds))
        threads = max(1, min(self.options.concurrency, len(feeds) or 1))
        # Feeds fetched or analysed but not yet stored stay within this window, so a
        # poll of thousands of feeds holds a few dozen bodies at a time, not all of them.
        window = 2 * threads
        waiting = iter(feeds)
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fetch") as pool:
            running: set[Future[_Fetched | None]] = set()

            def start_next() -> None:
                feed = next(waiting, None)
                if feed is not None:
                    running.add(pool.submit(self._unless_stopped, feed, stop))

            for _ in range(window):
                start_next()
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    start_next()  # before storing, so fetching goes on meanwhile
                    job = future.result()
                    if job is None:
                        continue
                    outcome = self._store_safely(job)
                    report.outcomes.append(outcome)
                    if on_outcome is not None:
                        on_outcome(outcome)
        report.finished_at = self.clock()
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
        every feed not in backoff is claimed at once, for one pass.
        """
        report = PollReport(started_at=self.clock())
        options = self.options
        release_dead_leases(self.storage)
        limit = None if ignore_interval else options.concurrency * BATCH_ROUNDS
        claimed = 0
        while not (stop is not None and stop.is_set()):
            feeds = self.storage.claim_due_feeds(
                self.owner,
                self.clock(),
                ignore_interval=ignore_interval,
                lease_seconds=options.lease_seconds,
                limit=limit,
            )
            if not feeds:
                break
            claimed += len(feeds)
            # The analysis workers are worth starting for a large poll, not a large batch:
            # a full batch means more feeds are due.
            more_due = limit if limit is not None and len(feeds) == limit else 0
            self.runner.plan(claimed + more_due)
            batch = self.poll(feeds, on_outcome=on_outcome, stop=stop)
            report.outcomes.extend(batch.outcomes)
            polled = {outcome.url for outcome in batch.outcomes}
            for feed in feeds:
                if feed.url not in polled:  # stopped before it started: free it for others
                    self.storage.release_feed(feed.url, self.owner)
            if ignore_interval:
                break
        report.finished_at = self.clock()
        return report

    def _unless_stopped(self, feed: Feed, stop: threading.Event | None) -> _Fetched | None:
        if stop is not None and stop.is_set():
            return None
        return self._fetch_and_analyse(feed)

    def _store_safely(self, job: _Fetched) -> FeedOutcome:
        try:
            return self._record(job)
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
