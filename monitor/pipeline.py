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
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from monitor.analysis import AnalysisRunner, FeedAnalysis
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


@dataclass(frozen=True, slots=True)
class PollOptions:
    concurrency: int = 8
    per_host: int = 2
    backoff: Backoff = field(default_factory=Backoff)
    unconditional_every: int = 20


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
    ) -> None:
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
                job.analysis = self.runner.analyse(
                    job.result.content,
                    url=job.result.final_url,
                    headers=job.result.headers,
                    lang=feed.lang,
                    weight=feed.weight,
                    fetched_at=job.started_at,
                    known_hashes=known,
                )
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
        with ThreadPoolExecutor(
            max_workers=max(1, min(self.options.concurrency, len(feeds) or 1)),
            thread_name_prefix="fetch",
        ) as pool:
            futures: list[Future[_Fetched | None]] = [
                pool.submit(self._unless_stopped, feed, stop) for feed in feeds
            ]
            for future in as_completed(futures):
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
        feeds = self.storage.due_feeds(self.clock(), ignore_interval=ignore_interval)
        return self.poll(feeds, on_outcome=on_outcome, stop=stop)

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
