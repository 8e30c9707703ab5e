"""The analysis runner: worker processes only for polls of many feeds, same results."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from indicators.engine import Engine
from indicators.types import Analysis, Document
from monitor import paths
from monitor.analysis import (
    AnalysisRunner,
    FeedAnalysis,
    FeedContext,
    RulesUnavailableError,
    analyse_feed,
)
from monitor.procpool import ProcessPool

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


def _context() -> FeedContext:
    return FeedContext(
        url="https://news.example.org/feed.xml",
        headers={"content-type": "application/rss+xml"},
        lang=None,
        weight=1.0,
        fetched_at=FETCHED_AT,
    )


def _analyse(runner: AnalysisRunner, content: bytes) -> FeedAnalysis:
    return runner.analyse(content, _context())


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


def _counting_loader(engine: Engine) -> tuple[Callable[[], Engine], list[int]]:
    """A loader of ``engine``, and the list it appends to at each call."""
    calls: list[int] = []

    def load() -> Engine:
        calls.append(1)
        return engine

    return load, calls


def test_an_engine_loader_is_called_once_and_only_when_this_process_analyses(
    engine: Engine, seed_feed: bytes
) -> None:
    load, calls = _counting_loader(engine)
    with _runner(load, workers=2) as runner:
        runner.plan(50)
        assert calls == []  # planned, nothing analysed: a poll of 304s loads no rules
    with _runner(load, workers=1) as runner:
        assert calls == []
        _analyse(runner, seed_feed)
        _analyse(runner, seed_feed)
        assert calls == [1]
        assert runner.engine is engine


def test_this_process_and_the_workers_share_the_bodies_and_agree(
    engine: Engine, seed_feed: bytes
) -> None:
    load, calls = _counting_loader(engine)
    with _runner(engine, workers=1) as in_process:
        expected = _summary(_analyse(in_process, seed_feed))
    with _runner(load, workers=2) as runner, ThreadPoolExecutor(8) as fetchers:
        runner.plan(50)
        results = list(fetchers.map(lambda _: _analyse(runner, seed_feed), range(40)))
    assert all(_summary(result) == expected for result in results)
    assert len(calls) <= 1  # this process took a share (or none): it loaded the rules once


def test_rules_that_cannot_be_loaded_stop_the_analysis_here_and_in_workers(
    tmp_path: Path, seed_feed: bytes
) -> None:
    broken = tmp_path / "rules"
    broken.mkdir()
    (broken / "bad.yaml").write_text("indicators: [\n", encoding="utf-8")
    for workers, feeds in ((1, 1), (2, 50)):
        runner = AnalysisRunner(
            lambda: Engine.from_directory(broken, None),
            indicators_dir=broken,
            topics_dir=None,
            workers=workers,
            pool_min_feeds=4,
        )
        with runner:
            runner.plan(feeds)
            with pytest.raises(RulesUnavailableError, match=r"bad\.yaml"):
                _analyse(runner, seed_feed)
    # A worker process on its own (the runner may have handed the body to this one).
    pool = ProcessPool("monitor.analysis", [str(broken)], 1)
    try:
        job = (seed_feed, _context())
        with pytest.raises(RulesUnavailableError, match=r"bad\.yaml"):
            pool.submit(job).result(timeout=60)
    finally:
        pool.close()


class _FailsOn(Engine):
    """The shipped rules, with a bug that strikes items with one title (a stand-in for
    any matching bug: nothing real fails on demand)."""

    def __init__(self, engine: Engine, title: str) -> None:
        super().__init__(engine.indicator_set, engine.gazetteer)
        self._title = title

    def alert(self, doc: Document) -> Analysis | None:
        if doc.title == self._title:
            raise RuntimeError("a matching bug")
        return super().alert(doc)


def test_a_matching_bug_costs_one_item_not_the_feed(
    engine: Engine, seed_feed: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    whole = analyse_feed(engine, seed_feed, _context())
    victim = whole.items[1].title
    analysis = analyse_feed(_FailsOn(engine, victim), seed_feed, _context())
    assert [i.title for i in analysis.items] == [i.title for i in whole.items if i.title != victim]
    assert "matching failed on item" in caplog.text


def test_a_null_date_in_a_feed_is_no_date(engine: Engine) -> None:
    # What some servers write for "no date": counting "last December" from it left the calendar.
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Clashes</title><pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate>"
        b"<description>Troops were deployed last December.</description><guid>b</guid></item>"
        b"</channel></rss>"
    )
    (item,) = analyse_feed(engine, feed, _context()).items
    assert item.published is None and item.analysis is not None
