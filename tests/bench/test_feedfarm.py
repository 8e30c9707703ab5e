"""The poll benchmark's feeds: what they carry, and the server's conditional GET."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import feedparser
import pytest

from bench.corpus import build_corpus, render_rss
from bench.feedfarm import FeedFarm, build_feeds, serve
from monitor.errors import HTTPStatusError
from monitor.fetch import Fetcher, FetchPolicy

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_summary_items_carry_no_full_text_and_full_items_do() -> None:
    items = build_corpus(12, seed=4)
    summary = feedparser.parse(render_rss(items, full_text=False))
    full = feedparser.parse(render_rss(items))
    assert not summary.bozo and not full.bozo
    assert [e.title for e in summary.entries] == [e.title for e in full.entries]
    assert all("content" not in e for e in summary.entries)
    assert [e.summary for e in summary.entries] == [item.summary for item in items]
    for entry, item in zip(full.entries, items, strict=True):
        first_paragraph = item.body.split("\n\n")[0][:40]
        assert first_paragraph.split("&")[0] in entry.content[0].value


def test_a_summary_feed_is_about_a_third_of_a_full_one() -> None:
    summary = sum(len(feed.body) for feed in build_feeds(10, 20, body="summary"))
    full = sum(len(feed.body) for feed in build_feeds(10, 20, body="full"))
    assert 2.5 * summary < full < 5 * summary


def test_an_unknown_body_is_refused() -> None:
    with pytest.raises(ValueError, match="summary, full"):
        build_feeds(1, 1, body="headlines")


@pytest.fixture
def farm_url() -> Iterator[tuple[FeedFarm, str]]:
    farm = FeedFarm(build_feeds(3, 5, seed=2))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    loop = asyncio.new_event_loop()
    task: list[asyncio.Task[None]] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        task.append(loop.create_task(serve(farm, port, announce=False)))
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    _wait_until_listening(port)
    yield farm, url
    loop.call_soon_threadsafe(task[0].cancel)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)


def _wait_until_listening(port: int) -> None:
    for _ in range(200):  # at most 2 s
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                return
        threading.Event().wait(0.01)
    raise AssertionError("the feed farm did not start listening")


def test_the_farm_serves_gzip_and_answers_304_to_its_own_validators(
    farm_url: tuple[FeedFarm, str],
) -> None:
    farm, url = farm_url
    policy = FetchPolicy(connect_timeout=2.0, read_timeout=2.0, trust_env=False)
    with Fetcher(policy) as fetcher:
        first = fetcher.fetch(f"{url}/feeds/1.xml", now=NOW)
        again = fetcher.fetch(
            f"{url}/feeds/1.xml", etag=first.etag, last_modified=first.last_modified, now=NOW
        )
        with pytest.raises(HTTPStatusError, match="404"):
            fetcher.fetch(f"{url}/feeds/9.xml", now=NOW)
    assert first.status == 200 and first.content == farm.feeds[1].body
    assert gzip.decompress(farm.feeds[1].gzipped) == farm.feeds[1].body
    assert again.not_modified and again.content is None
    assert farm.counts["200"] == 1 and farm.counts["304"] == 1 and farm.counts["gzip"] == 1
    assert farm.counts["404"] == 1
