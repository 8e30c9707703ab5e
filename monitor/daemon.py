"""``monitor run``: APScheduler wiring, and nothing else.

One job per feed (id ``feed:<url>``) polls it at its interval; after each
poll the job is moved to the feed's stored ``next_poll_at``, so backoff,
``Retry-After`` and the schedule itself live in the database and a restart
resumes where the last run stopped. A ``sync`` job picks up feeds added or
removed while the daemon runs; a ``digest`` job writes the daily digest.
SIGTERM and SIGINT stop the daemon after the feeds in hand are stored.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app import App
from monitor.daemon_lock import daemon_lock
from monitor.deliver import deliver_due
from monitor.digest import DigestSettings
from monitor.models import Feed
from monitor.pipeline import Pipeline, utc_now

log = logging.getLogger("monitor.daemon")

SYNC_EVERY = 60  # seconds between looks for feeds added or removed from the CLI
# The digest job looks this often whether a digest is due (and retries failed deliveries);
# what is due and what was delivered live in the database, so a restart never repeats one.
DIGEST_EVERY = 300
# A poll that missed its time by less than this still runs; a longer miss
# (the machine slept) is coalesced into one run at once anyway.
MISFIRE_GRACE = 3600


def feed_job_id(url: str) -> str:
    return f"feed:{url}"


class Daemon:
    def __init__(
        self,
        app: App,
        *,
        clock: Callable[[], datetime] = utc_now,
        stop: threading.Event | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.stop = stop or threading.Event()
        self.pipeline: Pipeline = app.pipeline()
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(app.settings.fetch.concurrency)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE,
            },
        )
        self.scheduler.add_listener(self._on_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    # -- jobs -----------------------------------------------------------------

    def poll_feed(self, url: str) -> None:
        if self.stop.is_set():
            return
        feed = self.app.storage.get_feed(url)
        if feed is None or not feed.enabled:
            self._remove_job(url)
            return
        now = self.clock()
        wait_until = max(
            (t for t in (feed.next_poll_at, feed.backoff_until) if t is not None), default=None
        )
        if wait_until is not None and wait_until > now + timedelta(seconds=1):
            self._move_job(url, wait_until)  # not due yet: another daemon or a backoff moved it
            return
        self.pipeline.poll_feed(feed)
        stored = self.app.storage.get_feed(url)
        if stored is not None and stored.next_poll_at is not None:
            self._move_job(url, stored.next_poll_at)

    def sync_feeds(self) -> None:
        """Add a job for each feed without one; drop jobs of removed or disabled feeds."""
        feeds = {feed.url: feed for feed in self.app.storage.list_feeds() if feed.enabled}
        jobs = {job.id for job in self.scheduler.get_jobs() if job.id.startswith("feed:")}
        for url, feed in feeds.items():
            if feed_job_id(url) not in jobs:
                self._add_feed_job(feed)
        for job_id in jobs - {feed_job_id(url) for url in feeds}:
            self.scheduler.remove_job(job_id)

    def deliver_digests(self) -> None:
        if self.stop.is_set() or not self.app.settings.digest.enabled:
            return
        results = deliver_due(
            self.app.storage,
            DigestSettings.from_config(self.app.settings.digest),
            now=self.clock(),
            indicator_titles={i.id: i.title for i in self.app.engine.indicators},
        )
        for result in results:
            if result.ok:
                log.info(
                    "digest day=%s channel=%s delivered to %s",
                    result.day,
                    result.channel,
                    result.location,
                )
            else:
                log.error(
                    "digest day=%s channel=%s failed: %s", result.day, result.channel, result.error
                )

    def _add_feed_job(self, feed: Feed) -> None:
        now = self.clock()
        first = max(feed.next_poll_at or now, feed.backoff_until or now, now)
        self.scheduler.add_job(
            self.poll_feed,
            IntervalTrigger(
                seconds=feed.interval,
                jitter=int(feed.interval * self.app.settings.schedule.jitter) or None,
            ),
            args=[feed.url],
            id=feed_job_id(feed.url),
            name=f"poll {feed.url}",
            replace_existing=True,
            next_run_time=first,
        )

    def _move_job(self, url: str, when: datetime) -> None:
        job = self.scheduler.get_job(feed_job_id(url))
        if job is not None:
            job.modify(next_run_time=when)

    def _remove_job(self, url: str) -> None:
        if self.scheduler.get_job(feed_job_id(url)) is not None:
            self.scheduler.remove_job(feed_job_id(url))

    def _on_job_event(self, event: JobExecutionEvent) -> None:
        if event.exception is not None:
            log.error("job %s failed: %s", event.job_id, event.exception, exc_info=event.exception)
        else:
            log.warning("job %s missed its time (%s)", event.job_id, event.scheduled_run_time)

    # -- life cycle -----------------------------------------------------------

    def start(self) -> None:
        self.app.sync_feeds()
        self.sync_feeds()
        self.scheduler.add_job(
            self.sync_feeds,
            IntervalTrigger(seconds=SYNC_EVERY),
            id="sync",
            name="sync feeds",
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.deliver_digests,
            IntervalTrigger(seconds=DIGEST_EVERY),
            id="digest",
            name="daily digest",
            replace_existing=True,
            next_run_time=self.clock(),  # a day missed while the daemon was down is caught up now
        )
        self.scheduler.start()
        log.info("daemon started with %d feed jobs", len(self.scheduler.get_jobs()) - 2)

    def shutdown(self) -> None:
        self.stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)  # lets the feeds in hand finish and be stored
        log.info("daemon stopped")

    def run_until_stopped(self) -> None:
        self.start()
        try:
            while not self.stop.wait(1.0):
                pass
        finally:
            self.shutdown()


def run_daemon(app: App) -> None:
    """Run until SIGTERM or SIGINT; refuse to start when another daemon holds the database."""
    logging.getLogger("monitor").setLevel(min(logging.getLogger().level, logging.INFO))
    with daemon_lock(app.settings.database_url):
        daemon = Daemon(app)

        def _stop(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s; stopping after the feeds in hand", signal.Signals(signum).name)
            daemon.stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        daemon.run_until_stopped()
