"""Feeds: configuration, health, due feeds and leases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from storage_factories import FEED, NO_PG, OTHER, PG_URL, T0, add_feeds, make_item, make_poll

from monitor.models import FeedSpec, FeedStatus
from monitor.storage import Storage, open_storage
from monitor.storage import feeds as feed_rows
from monitor.storage.tables import feeds

THIRD = "https://third.example.com/atom"


def test_upsert_inserts_then_updates_configuration_but_never_health(storage: Storage) -> None:
    storage.upsert_feeds([FeedSpec(url=FEED, name="News", interval=600, lang="sr")], 900)
    storage.record_poll(
        make_poll(status=FeedStatus.FAILING, error="HTTP 503", error_count=2, http_status=503)
    )
    storage.upsert_feeds(
        [FeedSpec(url=FEED, name="Renamed", weight=0.5, enabled=False), FeedSpec(url=OTHER)], 900
    )
    feed = storage.get_feed(FEED)
    assert feed is not None
    assert (feed.name, feed.interval, feed.weight, feed.lang, feed.enabled) == (
        "Renamed",
        900,
        0.5,
        None,
        False,
    )
    assert feed.status is FeedStatus.FAILING
    assert (feed.last_error, feed.error_count) == ("HTTP 503", 2)
    assert feed.last_error_at == T0 + timedelta(seconds=2)
    other = storage.get_feed(OTHER)
    assert other is not None and other.status is FeedStatus.NEW and other.interval == 900


def test_add_remove_and_add_again_keeps_history(storage: Storage) -> None:
    feed = storage.add_feed(FeedSpec(url=FEED, name="News"), 300)
    assert (feed.url, feed.name, feed.interval, feed.status) == (FEED, "News", 300, FeedStatus.NEW)
    storage.record_poll(make_poll([make_item("Barricades in Zvečan", guid="a")]))
    assert storage.remove_feed(FEED) is True
    assert storage.remove_feed(FEED) is False
    assert storage.remove_feed("https://never.example/rss") is False
    assert storage.get_feed(FEED) is None
    assert storage.list_feeds() == []
    assert [f.url for f in storage.list_feeds(include_removed=True)] == [FEED]
    again = storage.add_feed(FeedSpec(url=FEED), 300)
    assert again.id == feed.id
    assert again.items == 1
    assert again.status is FeedStatus.OK


def test_list_feeds_counts_stored_items(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER)
    storage.record_poll(
        make_poll([make_item("One", guid="1"), make_item("Two", guid="2")], feed=FEED)
    )
    counts = {f.url: f.items for f in storage.list_feeds()}
    assert counts == {FEED: 2, OTHER: 0}


def test_record_poll_updates_health_and_validators(storage: Storage) -> None:
    add_feeds(storage)
    storage.record_poll(make_poll(etag='"v1"', last_modified="Mon, 29 May 2023 08:00:00 GMT"))
    storage.record_poll(make_poll(at=T0 + timedelta(minutes=15), http_status=304))
    feed = storage.get_feed(FEED)
    assert feed is not None
    assert (feed.etag, feed.last_modified) == ('"v1"', "Mon, 29 May 2023 08:00:00 GMT")
    assert feed.status is FeedStatus.OK and feed.last_success_at == T0 + timedelta(
        minutes=15, seconds=2
    )
    assert feed.next_poll_at == T0 + timedelta(minutes=30)
    storage.record_poll(make_poll(at=T0 + timedelta(minutes=30), clear_validators=True))
    feed = storage.get_feed(FEED)
    assert feed is not None and (feed.etag, feed.last_modified) == (None, None)
    until = T0 + timedelta(hours=2)
    storage.record_poll(
        make_poll(
            at=T0 + timedelta(minutes=45),
            status=FeedStatus.BACKOFF,
            error="HTTP 429",
            error_count=3,
            backoff_until=until,
            next_poll_at=until,
        )
    )
    feed = storage.get_feed(FEED)
    assert feed is not None
    assert (feed.status, feed.error_count, feed.backoff_until) == (FeedStatus.BACKOFF, 3, until)
    assert feed.last_success_at == T0 + timedelta(minutes=30, seconds=2)
    run = storage.last_poll()
    assert run is not None and (run.feed_url, run.error, run.bytes) == (FEED, "HTTP 429", 1234)


def test_permanent_redirect_renames_the_feed(storage: Storage) -> None:
    add_feeds(storage)
    moved = "https://news.example.org/rss2"
    summary = storage.record_poll(make_poll([make_item("x", guid="1")], new_url=moved))
    assert summary.feed_url == moved
    assert storage.get_feed(FEED) is None
    feed = storage.get_feed(moved)
    assert feed is not None and feed.items == 1


def test_redirect_to_a_feed_we_already_poll_retires_the_old_row(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER)
    storage.record_poll(make_poll(new_url=OTHER))
    assert [f.url for f in storage.list_feeds()] == [OTHER]


def test_due_feeds(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER, THIRD)
    storage.upsert_feeds([FeedSpec(url="https://off.example/rss", enabled=False)], 900)
    assert {f.url for f in storage.due_feeds(T0)} == {FEED, OTHER, THIRD}
    storage.record_poll(make_poll(feed=FEED))  # next poll at T0+15min
    storage.record_poll(
        make_poll(
            feed=OTHER,
            status=FeedStatus.BACKOFF,
            error="HTTP 429",
            backoff_until=T0 + timedelta(hours=1),
            next_poll_at=T0 + timedelta(hours=1),
        )
    )
    later = T0 + timedelta(minutes=5)
    assert [f.url for f in storage.due_feeds(later)] == [THIRD]
    # Ignoring the interval polls everything except feeds told to back off.
    assert {f.url for f in storage.due_feeds(later, ignore_interval=True)} == {FEED, THIRD}
    assert {f.url for f in storage.due_feeds(T0 + timedelta(minutes=20))} == {FEED, THIRD}
    assert {f.url for f in storage.due_feeds(T0 + timedelta(hours=2))} == {FEED, OTHER, THIRD}
    storage.remove_feed(THIRD)
    assert {f.url for f in storage.due_feeds(T0 + timedelta(hours=2))} == {FEED, OTHER}


def test_next_due_at_follows_intervals_and_backoff(storage: Storage) -> None:
    assert storage.next_due_at() is None
    add_feeds(storage, FEED, OTHER)
    assert storage.next_due_at() <= T0  # never polled: due already
    storage.record_poll(make_poll(feed=FEED, next_poll_at=T0 + timedelta(minutes=15)))
    storage.record_poll(
        make_poll(
            feed=OTHER,
            status=FeedStatus.BACKOFF,
            error="HTTP 429",
            backoff_until=T0 + timedelta(hours=1),
            next_poll_at=T0 + timedelta(minutes=10),
        )
    )
    assert storage.next_due_at() == T0 + timedelta(minutes=15)  # OTHER waits out its backoff
    storage.upsert_feeds([FeedSpec(url=FEED, enabled=False)], 900)
    assert storage.next_due_at() == T0 + timedelta(hours=1)


def test_a_feed_leased_elsewhere_is_due_when_its_lease_ends(storage: Storage) -> None:
    # Another daemon holds it: waking before the lease ends finds nothing to claim.
    add_feeds(storage, FEED)
    assert storage.claim_due_feeds("other", T0, lease_seconds=600, limit=None)
    assert storage.next_due_at() == T0 + timedelta(seconds=600)


def test_claims_exclude_other_owners_until_recorded_released_or_expired(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER, THIRD)
    first = storage.claim_due_feeds("a", T0, lease_seconds=60, limit=2)
    assert len(first) == 2
    second = storage.claim_due_feeds("b", T0)
    assert {f.url for f in second} == {FEED, OTHER, THIRD} - {f.url for f in first}
    assert storage.claim_due_feeds("c", T0 + timedelta(seconds=30)) == []
    # Not even the owner gets a leased feed twice: it is still polling it.
    assert storage.claim_due_feeds("a", T0 + timedelta(seconds=30)) == []
    # Recording a poll releases the lease; the feed is then not due until its next poll.
    storage.record_poll(make_poll(feed=first[0].url))
    assert storage.release_feed(first[1].url, "someone-else") is False
    assert storage.release_feed(first[1].url, "a") is True
    assert [f.url for f in storage.claim_due_feeds("c", T0 + timedelta(seconds=30))] == [
        first[1].url
    ]
    # Leases expire: b's feed (300 s lease) is free again after 301 s.
    [b_feed] = second
    assert [f.url for f in storage.claim_due_feeds("d", T0 + timedelta(seconds=301))] == [
        b_feed.url
    ]
    expired = storage.claim_due_feeds("e", T0 + timedelta(minutes=20), ignore_interval=True)
    assert {f.url for f in expired} == {FEED, OTHER, THIRD}


def test_a_claim_skips_feeds_the_claimer_still_has_in_hand(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER)
    first = storage.claim_due_feeds("a", T0, lease_seconds=60, limit=1)
    # Its lease ran out while it waited for its host: not claimed a second time.
    later = T0 + timedelta(minutes=5)
    again = storage.claim_due_feeds("a", later, lease_seconds=60, exclude={first[0].id})
    assert [f.url for f in again] == [OTHER]


def test_two_storages_never_claim_the_same_feed(db_url: str) -> None:
    urls = [f"https://feeds.example/{n}.xml" for n in range(40)]
    with open_storage(db_url) as setup:
        setup.upsert_feeds([FeedSpec(url=u) for u in urls], 900)
    claimed: dict[str, list[str]] = {}
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker(owner: str) -> None:
        try:
            with open_storage(db_url) as storage:
                barrier.wait()
                got: list[str] = []
                for _ in range(20):
                    got += [f.url for f in storage.claim_due_feeds(owner, T0, limit=3)]
                claimed[owner] = got
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"owner-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    every = [url for got in claimed.values() for url in set(got)]
    assert sorted(every) == sorted(urls)  # each feed claimed by exactly one owner


@pytest.mark.postgres
@pytest.mark.skipif(PG_URL is None, reason=NO_PG)
def test_postgres_claim_skips_rows_locked_by_an_open_transaction(
    pg_schema_url: Callable[[], str],
) -> None:
    url = pg_schema_url()
    with open_storage(url) as storage:
        add_feeds(storage, FEED, OTHER)
        locker = create_engine(url)
        with locker.connect() as conn, conn.begin():
            conn.execute(text("SELECT id FROM feeds WHERE url = :u FOR UPDATE"), {"u": FEED})
            # Another daemon is mid-claim on FEED: we get OTHER at once instead of waiting.
            assert [f.url for f in storage.claim_due_feeds("b", T0)] == [OTHER]
        locker.dispose()
        assert [f.url for f in storage.claim_due_feeds("c", T0)] == [FEED]


def test_last_item_at_is_when_each_feed_last_carried_an_item_new_to_it(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER, THIRD)
    later, latest = T0 + timedelta(hours=3), T0 + timedelta(days=2)
    story = make_item("Barricades in Zvečan", link="https://wire.example/1", guid="a")
    storage.record_poll(make_poll([story], feed=FEED))
    storage.record_poll(
        make_poll([story, make_item("Talks resume", guid="b")], feed=FEED, at=later)
    )
    # The same article through another feed, later: new to that feed, so it counts there.
    storage.record_poll(make_poll([story], feed=OTHER, at=latest))
    # A feed that repeats what it already carried stays silent.
    storage.record_poll(make_poll([story], feed=FEED, at=latest + timedelta(hours=1)))
    storage.record_poll(make_poll([], feed=THIRD, at=latest))
    stats = {f.url: (f.items, f.last_item_at) for f in storage.list_feeds()}
    assert stats == {FEED: (2, later), OTHER: (1, latest), THIRD: (0, None)}
    feed = storage.get_feed(OTHER)
    assert feed is not None and feed.last_item_at == latest and feed.last_item_at.tzinfo is UTC
    storage.remove_feed(FEED)
    [removed] = [f for f in storage.list_feeds(include_removed=True) if f.url == FEED]
    assert removed.last_item_at == later


def test_feed_item_stats_read_one_index_per_feed(tmp_path: Path) -> None:
    """Feed.items and Feed.last_item_at come from the (feed_id, first_seen_at) index
    alone, whatever the number of items: listing feeds stays cheap."""
    with open_storage(f"sqlite:///{tmp_path / 'm.db'}") as storage:
        add_feeds(storage)
        with storage._engine.connect() as conn:
            statement = feed_rows._with_item_stats().order_by(feeds.c.url)
            sql = str(statement.compile(conn))
            steps = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    searches = [step for step in steps if "item_feeds" in step]
    assert len(searches) == 2, steps
    for step in searches:
        assert "COVERING INDEX ix_item_feeds_feed_id_first_seen_at (feed_id=?)" in step, steps


def _active(storage: Storage) -> set[str]:
    return {feed.url for feed in storage.list_feeds()}


def test_the_config_files_list_is_what_is_polled_besides_feeds_added_by_command(
    storage: Storage,
) -> None:
    storage.upsert_feeds([FeedSpec(url=FEED), FeedSpec(url=OTHER)], 900, now=T0, configured=True)
    storage.add_feed(FeedSpec(url=THIRD), 900, now=T0)  # `monitor feeds add`
    # Only showing the feeds (`feeds list` with another config file) removes nothing.
    storage.upsert_feeds([FeedSpec(url=FEED)], 900, now=T0, configured=True)
    assert _active(storage) == {FEED, OTHER, THIRD}
    storage.record_poll(make_poll([make_item("Kept")], feed=OTHER))
    # The user deletes OTHER from the config file.
    later = T0 + timedelta(hours=1)
    storage.upsert_feeds([FeedSpec(url=FEED)], 900, now=later, configured=True, drop_unlisted=True)
    assert _active(storage) == {FEED, THIRD}
    assert storage.totals()["items"] == 1  # its history stays
    # ... and lists it again: it comes back with its history and health.
    specs = [FeedSpec(url=FEED), FeedSpec(url=OTHER)]
    storage.upsert_feeds(specs, 900, configured=True, drop_unlisted=True)
    assert _active(storage) == {FEED, OTHER, THIRD}
    back = storage.get_feed(OTHER)
    assert back is not None and back.items == 1 and back.status is FeedStatus.OK


def test_a_configured_feed_that_moves_is_kept_at_its_new_url(storage: Storage) -> None:
    moved = "https://moved.example.com/rss"
    storage.upsert_feeds([FeedSpec(url=FEED)], 900, now=T0, configured=True, drop_unlisted=True)
    storage.record_poll(make_poll(feed=FEED, new_url=moved))
    storage.upsert_feeds([FeedSpec(url=FEED)], 900, now=T0, configured=True, drop_unlisted=True)
    assert moved in _active(storage)


def test_a_feed_that_moves_to_a_removed_feeds_url_brings_that_feed_back(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER)
    assert storage.remove_feed(OTHER)
    storage.record_poll(make_poll(feed=FEED, new_url=OTHER))
    assert _active(storage) == {OTHER}
