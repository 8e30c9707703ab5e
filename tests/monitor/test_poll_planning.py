"""A poll tells the analysis runner how large it is: the whole poll, not one claimed batch."""

from __future__ import annotations

from pathlib import Path

import pytest

from indicators.engine import Engine
from monitor import paths
from monitor.analysis import POOL_MIN_FEEDS, AnalysisRunner
from monitor.fetch import Fetcher
from monitor.models import FeedSpec
from monitor.pipeline import BATCH_ROUNDS, Pipeline, PollOptions
from monitor.storage import Storage, open_storage

CONCURRENCY = 2  # claimed batches of CONCURRENCY * BATCH_ROUNDS feeds


class _RecordingRunner(AnalysisRunner):
    """The real runner (in this process), remembering what each poll announced."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(
            engine, indicators_dir=paths.indicators_dir(), topics_dir=paths.topics_dir()
        )
        self.planned: list[int] = []

    def plan(self, feeds: int) -> None:
        self.planned.append(feeds)
        super().plan(feeds)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_directory(paths.indicators_dir(), paths.topics_dir())


def _storage_with_feeds(tmp_path: Path, count: int) -> Storage:
    seed = (paths.seeds_dir() / "feed.xml").read_bytes()
    specs = []
    for index in range(count):
        path = tmp_path / f"feed-{index}.xml"
        path.write_bytes(seed)
        specs.append(FeedSpec(url=path.as_uri()))
    storage = open_storage(f"sqlite:///{tmp_path / 'monitor.db'}")
    storage.upsert_feeds(specs, 1800)
    return storage


def _poll_due(tmp_path: Path, engine: Engine, feeds: int) -> _RecordingRunner:
    runner = _RecordingRunner(engine)
    with _storage_with_feeds(tmp_path, feeds) as storage, Fetcher() as fetcher:
        pipeline = Pipeline(
            storage=storage,
            fetcher=fetcher,
            runner=runner,
            options=PollOptions(concurrency=CONCURRENCY, per_host=CONCURRENCY),
        )
        report = pipeline.poll_due()
    assert len(report.outcomes) == feeds
    assert not report.failed
    return runner


def test_many_due_feeds_are_announced_as_a_large_poll(tmp_path: Path, engine: Engine) -> None:
    batch = CONCURRENCY * BATCH_ROUNDS
    assert batch < POOL_MIN_FEEDS  # else this test proves nothing
    runner = _poll_due(tmp_path, engine, POOL_MIN_FEEDS + 4)
    assert max(runner.planned) >= POOL_MIN_FEEDS


def test_a_few_due_feeds_are_announced_as_a_small_poll(tmp_path: Path, engine: Engine) -> None:
    runner = _poll_due(tmp_path, engine, 3)
    assert runner.planned and max(runner.planned) == 3
