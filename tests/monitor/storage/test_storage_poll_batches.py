"""Polls without items stored many at once, the configured feeds synced in bulk, and
the counts and ranking a poll's summary reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from storage_factories import T0, make_item, make_poll, snapshot

from indicators.types import Level, Status
from monitor.models import AlertQuery, Feed, FeedSpec, FeedStatus, IngestItem, PollRecord
from monitor.storage import Storage, UnknownFeedError
from monitor.storage.tables import feeds, poll_runs

LATER = T0 + timedelta(minutes=30)


def _polls(prefix: str) -> list[PollRecord]:
    """A 304 with new validators, a 304 without, a failure: the item-less kinds of poll."""
    return [
        make_poll(feed=f"{prefix}/a", at=LATER, http_status=304, etag='"v2"', last_modified="Mon"),
        make_poll(feed=f"{prefix}/b", at=LATER, http_status=304),
        make_poll(
            feed=f"{prefix}/c",
            at=LATER,
            status=FeedStatus.FAILING,
            error="HTTP 500",
            error_count=1,
            http_status=500,
            backoff_until=LATER + timedelta(minutes=5),
            next_poll_at=LATER + timedelta(minutes=5),
        ),
    ]


def _state(storage: Storage, prefix: str) -> list[tuple[Any, ...]]:
    """The feeds of ``prefix`` and their poll runs, without ids and URLs."""
    with storage._engine.connect() as conn:
        rows = conn.execute(
            select(feeds, poll_runs)
            .join(poll_runs, poll_runs.c.feed_id == feeds.c.id)
            .where(feeds.c.url.startswith(prefix))
            .order_by(feeds.c.url, poll_runs.c.started_at)
        ).all()
    skip = {"id", "url", "feed_id", "id_1"}
    return [tuple(v for k, v in row._mapping.items() if k not in skip) for row in rows]


def test_polls_stored_together_end_as_polls_stored_one_by_one(storage: Storage) -> None:
    storage.upsert_feeds(
        [FeedSpec(url=f"{p}/{x}") for p in ("https://one", "https://all") for x in "abc"],
        900,
        now=T0,
    )
    for prefix in ("https://one", "https://all"):  # an earlier poll: validators to keep
        storage.record_poll(make_poll(feed=f"{prefix}/b", etag='"v1"'))
    for record in _polls("https://one"):
        storage.record_poll(record)
    summaries = storage.record_polls(_polls("https://all"))

    assert [s.feed_url for s in summaries] == [f"https://all/{x}" for x in "abc"]
    assert all(s.new_items == s.new_alerts == 0 for s in summaries)
    together = _state(storage, "https://all")
    assert together == _state(storage, "https://one")
    assert len(together) == 4  # three polls now and the earlier one
    stored: dict[str, Feed] = {f.url: f for f in storage.list_feeds()}
    assert stored["https://all/a"].etag == '"v2"'
    assert stored["https://all/b"].etag == '"v1"'
    assert stored["https://all/c"].next_poll_at == LATER + timedelta(minutes=5)


def test_polls_stored_together_twice_are_stored_once(storage: Storage) -> None:
    storage.upsert_feeds([FeedSpec(url=f"https://all/{x}") for x in "abc"], 900, now=T0)
    storage.record_polls(_polls("https://all"))
    before = snapshot(storage)
    storage.record_polls(_polls("https://all"))
    assert snapshot(storage) == before


def test_an_unknown_feed_among_polls_stored_together_stores_none_of_them(
    storage: Storage,
) -> None:
    storage.upsert_feeds([FeedSpec(url=f"https://all/{x}") for x in "ab"], 900, now=T0)
    before = snapshot(storage)
    with pytest.raises(UnknownFeedError, match="https://all/c"):
        storage.record_polls(_polls("https://all"))
    assert snapshot(storage) == before


def test_a_feed_deleted_since_it_was_claimed_stores_none_of_the_polls(
    storage: Storage,
) -> None:
    storage.upsert_feeds([FeedSpec(url=f"https://all/{x}") for x in "abc"], 900, now=T0)
    ids = {feed.url: feed.id for feed in storage.list_feeds()}
    claimed = [replace(poll, feed_id=ids[poll.feed_url]) for poll in _polls("https://all")]
    with storage._engine.begin() as conn:  # (removing keeps the row; only a hand deletes it)
        conn.execute(feeds.delete().where(feeds.c.url == "https://all/b"))
    before = snapshot(storage)
    with pytest.raises(UnknownFeedError, match="https://all/b"):
        storage.record_polls(claimed)
    assert snapshot(storage) == before
    # With the ids the pipeline has, the others are stored as without them.
    kept = [poll for poll in claimed if poll.feed_url != "https://all/b"]
    assert [s.feed_url for s in storage.record_polls(kept)] == [p.feed_url for p in kept]
    stored = {feed.url: feed for feed in storage.list_feeds()}
    assert all(stored[poll.feed_url].last_polled_at is not None for poll in kept)


def _polls_with_items(prefix: str) -> list[PollRecord]:
    """New items (one with an alert), a 304 and a moved feed, as one poll brings them."""
    hits = [("police_operation", Status.EVENT, "Police raided the village.")]
    story = make_item(f"Raid {prefix}", "Police raided the village.", guid="1", hits=hits)
    other = make_item(f"Weather {prefix}", "Sunny.", guid="2", link=f"{prefix}/weather")
    moved = make_item(f"Moved {prefix}", "Text.", guid="3")
    return [
        make_poll([story, other], feed=f"{prefix}/a", at=LATER, etag='"a1"'),
        make_poll(feed=f"{prefix}/b", at=LATER, http_status=304),
        make_poll([moved], feed=f"{prefix}/c", at=LATER, new_url=f"{prefix}/c2"),
    ]


def _feed_states(storage: Storage, prefix: str) -> list[tuple[Any, ...]]:
    return [
        (f.url.removeprefix(prefix), f.status, f.etag, f.items, f.next_poll_at)
        for f in storage.list_feeds()
        if f.url.startswith(prefix)
    ]


def test_polls_with_items_stored_together_end_as_stored_one_by_one(storage: Storage) -> None:
    storage.upsert_feeds(
        [FeedSpec(url=f"{p}/{x}") for p in ("https://one", "https://all") for x in "abc"],
        900,
        now=T0,
    )
    one_by_one = [storage.record_poll(record) for record in _polls_with_items("https://one")]
    together = storage.record_polls(_polls_with_items("https://all"))

    assert [s.feed_url for s in together] == ["https://all/a", "https://all/b", "https://all/c2"]
    strip = [replace(s, feed_url="") for s in together]
    assert strip == [replace(s, feed_url="") for s in one_by_one]
    assert (together[0].new_items, together[0].new_alerts) == (2, 1)
    assert _feed_states(storage, "https://all") == _feed_states(storage, "https://one")
    assert storage.count_alerts(AlertQuery(search="Raid")) == 2


def test_an_unknown_feed_among_polls_with_items_stores_none_of_them(storage: Storage) -> None:
    storage.upsert_feeds([FeedSpec(url=f"https://all/{x}") for x in "ab"], 900, now=T0)
    before = snapshot(storage)
    with pytest.raises(UnknownFeedError, match="https://all/c"):
        storage.record_polls(_polls_with_items("https://all"))
    assert snapshot(storage) == before


def test_syncing_unchanged_feeds_writes_nothing_and_changes_apply(storage: Storage) -> None:
    specs = [FeedSpec(url="https://all/a", name="A"), FeedSpec(url="https://all/b", weight=0.5)]
    storage.upsert_feeds(specs, 900, now=T0)
    storage.record_poll(make_poll(feed="https://all/a", etag='"v1"'))
    before = snapshot(storage)
    storage.upsert_feeds(specs, 900, now=LATER)
    assert snapshot(storage) == before

    storage.remove_feed("https://all/b", now=LATER)
    changed = [replace(specs[0], interval=60), specs[1], FeedSpec(url="https://all/c")]
    storage.upsert_feeds(changed, 900, now=LATER)
    stored = {f.url: f for f in storage.list_feeds()}
    assert set(stored) == {"https://all/a", "https://all/b", "https://all/c"}  # b is back
    assert (stored["https://all/a"].interval, stored["https://all/a"].etag) == (60, '"v1"')
    assert stored["https://all/b"].weight == 0.5
    assert stored["https://all/c"].status is FeedStatus.NEW
    # A changed default interval reaches the feeds that use it.
    storage.upsert_feeds(changed, 1800, now=LATER)
    assert {f.url: f.interval for f in storage.list_feeds()} == {
        "https://all/a": 60,
        "https://all/b": 1800,
        "https://all/c": 1800,
    }


def _alert_item(title: str, score: int, level: Level, guid: str) -> IngestItem:
    sentence = "Police raided the village at dawn."
    hits = [("police_operation", Status.EVENT, sentence)]
    return make_item(title, sentence, guid=guid, hits=hits, score=score, level=level)


def test_the_new_alerts_of_a_poll_are_counted_by_level_and_ranked_by_score(
    storage: Storage,
) -> None:
    storage.upsert_feeds([FeedSpec(url="https://all/a")], 900, now=T0)
    old = _alert_item("Old", 90, Level.CRITICAL, "old")
    storage.record_poll(make_poll([old], feed="https://all/a", at=T0 - timedelta(days=1)))
    items = [
        _alert_item("First", 40, Level.WATCH, "1"),
        _alert_item("Second", 70, Level.WARNING, "2"),
        _alert_item("Third", 40, Level.WATCH, "3"),
        _alert_item("Fourth", 70, Level.WARNING, "4"),
    ]
    storage.record_poll(make_poll(items[:2], feed="https://all/a", at=T0))
    storage.record_poll(make_poll(items[2:], feed="https://all/a", at=T0 + timedelta(minutes=1)))

    levels = storage.alert_levels_since(T0)
    assert levels == {"warning": 2, "watch": 2}
    # On a tie the level of the newest alert comes first, as counting newest first finds them.
    assert list(levels) == ["warning", "watch"]
    top = storage.top_alerts_since(T0, 3)
    assert [(a.item.title, a.score) for a in top] == [
        ("Second", 70),
        ("Fourth", 70),
        ("First", 40),
    ]
    assert storage.alert_levels_since(T0 + timedelta(hours=1)) == {}


def test_a_poll_of_more_items_than_one_look_up_takes_finds_each_stored_one(
    storage: Storage,
) -> None:
    # Over 500 values, each look-up (guid, link, hash) runs in chunks of its own.
    storage.upsert_feeds([FeedSpec(url="https://all/a"), FeedSpec(url="https://all/b")], 900)
    many = [
        make_item(f"Story {n}", "Text.", guid=f"g{n}", link=f"https://news.example/{n}")
        for n in range(1200)
    ]
    first = storage.record_poll(make_poll(many, feed="https://all/a"))
    assert first.new_items == 1200
    again = storage.record_poll(make_poll(many, feed="https://all/a", at=LATER))
    assert (again.new_items, again.updated_items) == (0, 0)
    carried = storage.record_poll(make_poll(many[::-1], feed="https://all/b", at=LATER))
    assert (carried.new_items, carried.linked_items) == (0, 1200)
