"""``monitor run``: APScheduler wiring, and nothing else.

The schedule lives in the database: after every poll the pipeline stores the
feed's next poll time (its interval with jitter, or its backoff), so a
restart resumes where the last run stopped. Two jobs:

- ``poll`` claims the feeds that are due (a lease per feed, so several
  daemons on one PostgreSQL database never poll a feed twice), polls them,
  and then sleeps until the next feed is due (at most ``TICK`` seconds, so it
  sees feeds added from the CLI and the work of other daemons);
- ``digest`` delivers the daily digest; which days were delivered is stored,
  so a restart never repeats one, and a day missed while down is caught up.

Both have explicit ids, ``replace_existing``, ``max_instances=1`` and
``coalesce``; a failing job is logged and the scheduler goes on. SIGTERM and
SIGINT stop the daemon after the feeds in hand are stored.
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
from monitor.pipeline import Pipeline, utc_now

log = logging.getLogger("monitor.daemon")

TICK = 60  # longest sleep of the poll job: new feeds and other daemons' work show up this fast
# The digest job looks this often whether a digest is due (and retries a failed delivery).
DIGEST_EVERY = 300
# A job that missed its time by less than this (the machine was busy or asleep) still runs;
# coalescing folds every missed run into one.
MISFIRE_GRACE = 3600


def _scheduler_now() -> datetime:
    return datetime.now(UTC)


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
        self._stopping = threading.Lock()
        self.pipeline: Pipeline = app.pipeline(clock=clock)
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            # Two jobs at most; the fetch concurrency lives in the pipeline.
            executors={"default": ThreadPoolExecutor(2)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE,
            },
        )
        self.scheduler.add_listener(self._on_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    # -- jobs -----------------------------------------------------------------

    def poll(self) -> None:
        """Poll what is due, then sleep until the next feed is due."""
        if self.stop.is_set():
            return
        report = self.pipeline.poll_due(stop=self.stop)
        if report.outcomes:
            failed = len(report.failed)
            log.info(
                "poll cycle feeds=%d failed=%d new_items=%d new_alerts=%d",
                len(report.outcomes),
                failed,
                report.total("new_items"),
                report.total("new_alerts"),
            )
        self._sleep_until_next_due()

    def _sleep_until_next_due(self) -> None:
        now = self.clock()
        wake = now + timedelta(seconds=TICK)
        next_due = self.app.storage.next_due_at()
        sleep = (min(next_due, wake) if next_due is not None else wake) - now
        # The scheduler's shutdown waits for this job while holding the scheduler's lock:
        # touching the scheduler after shutdown began would deadlock, hence our own lock.
        with self._stopping:
            if self.stop.is_set():
                return
            # Our clock decides what is due; the scheduler's own clock decides when it wakes.
            self.scheduler.modify_job(
                "poll", next_run_time=_scheduler_now() + max(sleep, timedelta(seconds=1))
            )

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
                    "digest day=%s channel=%s to=%s", result.day, result.channel, result.location
                )
            else:
                log.error(
                    "digest day=%s channel=%s error=%s", result.day, result.channel, result.error
                )

    def _on_job_event(self, event: JobExecutionEvent) -> None:
        if event.exception is not None:
            log.error("job %s failed: %s", event.job_id, event.exception, exc_info=event.exception)
        else:
            log.warning("job %s missed its time (%s)", event.job_id, event.scheduled_run_time)

    # -- life cycle -----------------------------------------------------------

    def start(self) -> None:
        self.app.sync_feeds(polling=True)
        now = _scheduler_now()
        self.scheduler.add_job(
            self.poll,
            IntervalTrigger(seconds=TICK),
            id="poll",
            name="poll due feeds",
            replace_existing=True,
            next_run_time=now,  # at start: everything due is polled at once
        )
        self.scheduler.add_job(
            self.deliver_digests,
            IntervalTrigger(seconds=DIGEST_EVERY),
            id="digest",
            name="daily digest",
            replace_existing=True,
            next_run_time=now,  # a day missed while the daemon was down is caught up now
        )
        self.scheduler.start()
        log.info("daemon started as %s on %s", self.pipeline.owner, self.app.storage.url)

    def shutdown(self) -> None:
        with self._stopping:
            self.stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)  # the feeds in hand finish and are stored
        log.info("daemon stopped")

    def run_until_stopped(self) -> None:
        self.start()
        try:
            while not self.stop.wait(1.0):
                pass
        finally:
            self.shutdown()


def run_daemon(app: App) -> None:
    """Run until SIGTERM or SIGINT; refuse to start when another daemon holds the SQLite file."""
    logging.getLogger("monitor").setLevel(logging.INFO)
    with daemon_lock(app.settings.database_url):
        daemon = Daemon(app)

        def _stop(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s; stopping after the feeds in hand", signal.Signals(signum).name)
            daemon.stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        daemon.run_until_stopped()
