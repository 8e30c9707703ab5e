"""The analysis runner: worker processes only for polls of many feeds, same results."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from indicators.engine import Engine
from monitor import paths
from monitor.analysis import AnalysisRunner, FeedAnalysis, FeedContext

FETCHED_AT = datetime(2023, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_directory(paths.indicators_dir(), paths.topics_dir())


@pytest.fixture(scope="module")
def seed_feed() -> bytes:
    return (paths.seeds_dir() / "feed.xml").read_bytes()


def _runner(engine: Engine | Callable[[], Engine], workers: int) -> AnalysisRunner:
    return AnalysisRunner(
        engine,
        indicators_dir=paths.indicators_dir(),
        topics_dir=paths.topics_dir(),
        workers=workers,
        pool_min_feeds=4,
    )


def _analyse(runner: AnalysisRunner, content: bytes) -> FeedAnalysis:
    context = FeedContext(
        url="https://news.example.org/feed.xml",
        headers={"content-type": "application/rss+xml"},
        lang=None,
        weight=1.0,
        fetched_at=FETCHED_AT,
    )
    return runner.analyse(content, context)


def _summary(analysis: FeedAnalysis) -> list[tuple[str, int | None]]:
    return [
        (item.content_hash, item.analysis.score.score if item.analysis else None)
        for item in analysis.items
    ]


def test_a_poll_of_few_feeds_is_analysed_in_this_process(engine: Engine, seed_feed: bytes) -> None:
    with _runner(engine, workers=2) as runner:
        runner.plan(3)
        analysis = _analyse(runner, seed_feed)
        assert not runner.parallel
    assert analysis.items_seen == 5
    assert any(item.analysis is not None for item in analysis.items)


def test_a_poll_of_many_feeds_starts_the_workers_at_the_first_body(
    engine: Engine, seed_feed: bytes
) -> None:
    with _runner(engine, workers=1) as in_process:
        expected = _summary(_analyse(in_process, seed_feed))
    with _runner(engine, workers=2) as runner:
        runner.plan(50)
        assert not runner.parallel  # nothing analysed yet: a poll of 304s starts nothing
        got = _summary(_analyse(runner, seed_feed))
        assert runner.parallel
    assert not runner.parallel  # closing stops them
    assert got == expected


def test_one_worker_never_starts_a_pool(engine: Engine, seed_feed: bytes) -> None:
    with _runner(engine, workers=1) as runner:
        runner.plan(1000)
        _analyse(runner, seed_feed)
        assert not runner.parallel


def test_an_engine_loader_is_called_once_and_only_when_this_process_analyses(
    engine: Engine, seed_feed: bytes
) -> None:
    calls: list[int] = []

    def load() -> Engine:
        calls.append(1)
        return engine

    with _runner(load, workers=2) as runner:
        runner.plan(50)
        _analyse(runner, seed_feed)  # in a worker process: the parent needs no engine
        assert calls == []
    with _runner(load, workers=1) as runner:
        assert calls == []
        _analyse(runner, seed_feed)
        _analyse(runner, seed_feed)
        assert calls == [1]
        assert runner.engine is engine
