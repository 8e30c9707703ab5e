"""Builds the application's objects from settings, once, for the CLI and the daemon."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from monitor.settings import Settings
from monitor.storage import Storage, open_storage

if TYPE_CHECKING:  # the engine and the poll machinery load only when a command needs them
    from indicators.engine import Engine
    from monitor.fetch import FetchPolicy
    from monitor.pipeline import Pipeline


def _utc_now() -> datetime:
    return datetime.now(UTC)


class App:
    """Lazily opens the database, loads the rules and wires the pipeline."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._closers: list[Any] = []

    @cached_property
    def storage(self) -> Storage:
        """The database, made and migrated when needed."""
        return self._open(create=True)

    @cached_property
    def existing_storage(self) -> Storage:
        """The database for a command that only reads it: a SQLite file must exist."""
        if "storage" in self.__dict__:
            return self.storage
        return self._open(create=False)

    def _open(self, *, create: bool) -> Storage:
        storage = open_storage(self.settings.database_url, create=create)
        self._closers.append(storage)
        return storage

    @cached_property
    def engine(self) -> Engine:
        from indicators.engine import Engine

        return Engine.from_directory(self.settings.indicators_dir, self.settings.topics_dir)

    def sync_feeds(self, *, polling: bool = False) -> None:
        """Add the config file's feeds to the database (health and history are kept).

        ``polling``: the config file is what is polled, so a feed it listed before and
        lists no more is removed (feeds added by command stay). Commands that only show
        the feeds never remove any: another config file may be in use for this database.
        """
        self.storage.upsert_feeds(
            self.settings.feed_specs(),
            self.settings.default_interval,
            configured=True,
            drop_unlisted=polling,
        )

    def fetch_policy(self) -> FetchPolicy:
        from monitor.fetch import FetchPolicy

        fetch = self.settings.fetch
        return FetchPolicy(
            connect_timeout=fetch.connect_timeout,
            read_timeout=fetch.read_timeout,
            total_timeout=fetch.total_timeout,
            max_bytes=fetch.max_bytes,
            max_redirects=fetch.max_redirects,
        )

    def pipeline(
        self,
        *,
        workers: int | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> Pipeline:
        from monitor.analysis import AnalysisRunner
        from monitor.fetch import Fetcher
        from monitor.pipeline import BATCH_ROUNDS, Pipeline, PollOptions
        from monitor.schedule import Backoff

        schedule = self.settings.schedule
        fetcher = Fetcher(self.fetch_policy())
        runner = AnalysisRunner(
            # Loaded when this process first analyses a body: a poll of 304s, or one
            # analysed by worker processes, never needs the rules here.
            lambda: self.engine,
            indicators_dir=self.settings.indicators_dir,
            topics_dir=self.settings.topics_dir,
            workers=schedule.workers if workers is None else workers,
        )
        self._closers.extend([runner, fetcher])
        options = PollOptions(
            concurrency=self.settings.fetch.concurrency,
            per_host=self.settings.fetch.per_host,
            backoff=Backoff(
                base=schedule.backoff_base, cap=schedule.backoff_max, jitter=schedule.jitter
            ),
            unconditional_every=schedule.unconditional_every,
            # A batch is BATCH_ROUNDS rounds of requests, each bounded by the total deadline.
            lease_seconds=int(self.settings.fetch.total_timeout * (BATCH_ROUNDS + 2)) + 60,
        )
        return Pipeline(
            storage=self.storage,
            fetcher=fetcher,
            runner=runner,
            options=options,
            rng=rng,
            clock=clock,
        )

    def close(self) -> None:
        while self._closers:
            self._closers.pop().close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
