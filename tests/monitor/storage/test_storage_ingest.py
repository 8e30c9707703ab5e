"""record_poll and classify_items: dedup, edits, idempotency."""

from __future__ import annotations

import random
import string
from datetime import timedelta

import pytest
from storage_factories import FEED, OTHER, T0, add_feeds, make_item, make_poll, snapshot

from indicators.types import Status
from monitor.models import AlertQuery, IngestItem, ItemKey, ItemState
from monitor.storage import Storage, UnknownFeedError

ALL = AlertQuery(limit=0)
TITLE = "Serbian army put on highest alert"
BODY = "Serbia's army was put on the highest level of combat readiness on Friday."
HIT = [("troops-alert", Status.EVENT, BODY)]


def _alert_item(**kwargs: object) -> object:
    values = {"guid": "g-1", "link": "https://news.example.org/a/1", "hits": HIT}
    values.update(kwargs)
    return make_item(TITLE, BODY, **values)  # type: ignore[arg-type]


def test_recording_the_same_poll_twice_changes_nothing(storage: Storage) -> None:
    add_feeds(storage)
    record = make_poll(
        [
            _alert_item(),
            make_item("Weather in Pristina", "Sunny.", guid="g-2", link="https://n.example/w"),
            make_item("Dup A", "first", guid="dup", link="https://n.example/da"),
            make_item("Dup B", "second", guid="dup", link="https://n.example/db"),
        ],
        etag='"e1"',
    )
    first = storage.record_poll(record)
    assert (first.new_items, first.new_alerts) == (4, 1)
    before = snapshot(storage)
    second = storage.record_poll(record)
    assert (second.new_items, second.updated_items, second.new_alerts) == (0, 0, 0)
    assert (second.updated_alerts, second.removed_alerts, second.linked_items) == (0, 0, 0)
    assert snapshot(storage) == before
    assert storage.count_alerts(ALL) == 1


def test_items_without_a_match_are_stored_without_an_alert(storage: Storage) -> None:
    add_feeds(storage)
    summary = storage.record_poll(make_poll([make_item("Weather", "Sunny.", guid="w")]))
    assert (summary.new_items, summary.new_alerts) == (1, 0)
    assert storage.count_alerts(ALL) == 0
    assert storage.classify_items(
        FEED, [ItemKey("w", None, make_item("Weather", "Sunny.").content_hash)]
    ) == [ItemState.UNCHANGED]


def test_classify_items(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER)
    stored = _alert_item()
    storage.record_poll(make_poll([stored]))
    edited = make_item(TITLE, BODY + " Updated.", guid="g-1", link=stored.link)
    states = storage.classify_items(
        FEED,
        [
            stored.key,  # same guid, same hash
            edited.key,  # same guid, new hash ... but the first key already took the item
            ItemKey("g-new", "https://news.example.org/a/2", "h2"),
        ],
    )
    assert states == [ItemState.UNCHANGED, ItemState.UNCHANGED, ItemState.NEW]
    assert storage.classify_items(FEED, [edited.key]) == [ItemState.CHANGED]
    # Known to another feed only: new for this one (matched again, then only linked).
    assert storage.classify_items(OTHER, [stored.key]) == [ItemState.NEW]
    # Two unknown keys for one article (same link) in one poll: the second is a repeat.
    assert storage.classify_items(
        FEED,
        [
            ItemKey("x1", "https://news.example.org/a/9", "h9"),
            ItemKey("x2", "https://news.example.org/a/9#comments", "h9b"),
        ],
    ) == [ItemState.NEW, ItemState.UNCHANGED]


def test_duplicated_guids_within_a_poll_are_not_trusted(storage: Storage) -> None:
    add_feeds(storage)
    items = [
        make_item(
            "Barricades in Zvečan", "Roads blocked.", guid="same", link="https://n.example/1"
        ),
        make_item("Shots near Jarinje", "Police fired.", guid="same", link="https://n.example/2"),
    ]
    summary = storage.record_poll(make_poll(items))
    assert summary.new_items == 2  # not collapsed into one item by the shared guid
    assert storage.classify_items(FEED, [i.key for i in items]) == [ItemState.UNCHANGED] * 2
    # Next poll the guid is unique again, but it was never recorded: link decides.
    again = make_item(
        "Shots near Jarinje", "Police fired.", guid="same", link="https://n.example/2"
    )
    assert storage.classify_items(FEED, [again.key]) == [ItemState.UNCHANGED]
    assert storage.record_poll(make_poll([again], at=T0 + timedelta(hours=1))).new_items == 0


def test_a_changed_guid_finds_the_item_by_link(storage: Storage) -> None:
    add_feeds(storage)
    storage.record_poll(make_poll([_alert_item(guid="old-scheme-1")]))
    moved = _alert_item(guid="tag:news.example.org,2023:1", link="http://NEWS.example.org/a/1/")
    summary = storage.record_poll(make_poll([moved], at=T0 + timedelta(hours=1)))
    assert (summary.new_items, summary.new_alerts, summary.updated_items) == (0, 0, 0)
    # The new guid is remembered: the item is found by it even when the link changes.
    relinked = _alert_item(guid="tag:news.example.org,2023:1", link="https://m.example.org/1")
    assert storage.classify_items(FEED, [relinked.key]) == [ItemState.UNCHANGED]


def test_the_same_content_under_a_new_guid_and_link_is_the_same_item(storage: Storage) -> None:
    add_feeds(storage)
    storage.record_poll(make_poll([_alert_item()]))
    summary = storage.record_poll(
        make_poll([_alert_item(guid="g-9", link="https://amp.example/1")], at=T0 + timedelta(1))
    )
    assert summary.new_items == 0 and storage.count_alerts(ALL) == 1


def test_the_same_link_in_two_feeds_is_one_item_with_one_alert(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER)
    storage.record_poll(make_poll([_alert_item()], feed=FEED))
    summary = storage.record_poll(
        make_poll([_alert_item(guid="other-guid")], feed=OTHER, at=T0 + timedelta(minutes=5))
    )
    assert (summary.new_items, summary.linked_items, summary.new_alerts) == (0, 1, 0)
    [alert] = storage.query_alerts(ALL)
    assert alert.item.feed_url == FEED
    assert alert.item.feeds == (FEED, OTHER)
    assert [a.id for a in storage.query_alerts(AlertQuery(feed=OTHER))] == [alert.id]
    assert {f.url: f.items for f in storage.list_feeds()} == {FEED: 1, OTHER: 1}
    # The other feed now knows the item under its own guid.
    assert storage.classify_items(OTHER, [_alert_item(guid="other-guid").key]) == [
        ItemState.UNCHANGED
    ]


def test_an_edited_article_updates_its_alert_in_place(storage: Storage) -> None:
    add_feeds(storage)
    storage.record_poll(make_poll([_alert_item()]))
    [before] = storage.query_alerts(ALL)
    body = BODY + " Troops moved to the administrative line near Jarinje."
    edited = make_item(
        TITLE + " (updated)",
        body,
        guid="g-1",
        link="https://news.example.org/a/1",
        hits=[
            ("troops-alert", Status.EVENT, BODY),
            (
                "troop-movement",
                Status.EVENT,
                "Troops moved to the administrative line near Jarinje.",
            ),
        ],
        topics=("kosovo-serbia", "military"),
        score=80,
        deadlines=[("on Friday", None)],
    )
    later = T0 + timedelta(hours=2)
    summary = storage.record_poll(make_poll([edited], at=later))
    assert (summary.updated_items, summary.updated_alerts, summary.new_alerts) == (1, 1, 0)
    [after] = storage.query_alerts(ALL)
    assert (after.id, after.created_at) == (before.id, before.created_at)
    assert after.updated_at == later + timedelta(seconds=2)
    assert after.score == 80 and after.topics == ("kosovo-serbia", "military")
    assert [i.id for i in after.indicators] == ["troops-alert", "troop-movement"]
    assert [d.phrase for d in after.deadlines] == ["on Friday"]
    assert after.item.title == TITLE + " (updated)"
    full = storage.get_alert(after.id)
    assert full is not None and full.item.text == edited.text
    assert [a.id for a in storage.query_alerts(AlertQuery(topic="military"))] == [after.id]
    assert [a.id for a in storage.query_alerts(AlertQuery(search="Jarinje"))] == [after.id]
    # Edited again so that nothing matches: the alert goes, the item stays.
    plain = make_item(TITLE, "Nothing happened.", guid="g-1", link="https://news.example.org/a/1")
    summary = storage.record_poll(make_poll([plain], at=later + timedelta(hours=1)))
    assert (summary.updated_items, summary.removed_alerts) == (1, 1)
    assert storage.count_alerts(ALL) == 0
    assert storage.query_alerts(AlertQuery(search="Jarinje")) == []
    assert storage.query_alerts(AlertQuery(topic="military")) == []
    # ...and comes back as a new alert when a later edit matches again.
    summary = storage.record_poll(make_poll([_alert_item()], at=later + timedelta(hours=2)))
    assert (summary.updated_items, summary.new_alerts) == (1, 1)
    assert storage.count_alerts(ALL) == 1


def test_first_of_several_items_for_one_article_wins(storage: Storage) -> None:
    add_feeds(storage)
    record = make_poll(
        [
            _alert_item(guid="a"),
            make_item("Other text", "Different.", guid="b", link="https://news.example.org/a/1"),
        ]
    )
    summary = storage.record_poll(record)
    assert summary.new_items == 1
    before = snapshot(storage)
    storage.record_poll(record)
    assert snapshot(storage) == before


def test_a_failed_poll_stores_no_items_but_its_run(storage: Storage) -> None:
    add_feeds(storage)
    storage.record_poll(make_poll(error="connection refused", http_status=None))
    run = storage.last_poll()
    assert run is not None and run.error == "connection refused" and run.http_status is None
    assert storage.totals() == {"feeds": 1, "items": 0, "alerts": 0}


def test_known_hashes_are_what_this_feed_stored(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER)
    first, second = _alert_item(), make_item("Weather", "Sunny.", guid="w")
    storage.record_poll(make_poll([first, second]))
    assert storage.known_hashes(FEED) == {first.content_hash, second.content_hash}
    assert storage.known_hashes(OTHER) == frozenset()
    # Once the other feed carries the article, its hash is known there too.
    storage.record_poll(make_poll([_alert_item(guid="o")], feed=OTHER, at=T0 + timedelta(1)))
    assert storage.known_hashes(OTHER) == {first.content_hash}
    with pytest.raises(UnknownFeedError):
        storage.known_hashes("https://missing.example/rss")


# One article in two feeds: the first carries the full text, the second a summary
# under another title. Both versions match.
SUMMARY_TITLE = "Army on alert"
SUMMARY = "Serbia's army was put on alert."
LINK = "https://news.example.org/a/1"


def _full(body: str = BODY, **kwargs: object) -> object:
    hits = [("troops-alert", Status.EVENT, BODY)]
    return make_item(TITLE, body, guid="a-1", link=LINK, hits=hits, **kwargs)  # type: ignore[arg-type]


def _summary() -> object:
    hits = [("troops-alert", Status.EVENT, SUMMARY)]
    return make_item(SUMMARY_TITLE, SUMMARY, guid="b-1", link=LINK + "?utm_source=rss", hits=hits)


def _item_state(storage: Storage) -> dict[str, list[tuple[object, ...]]]:
    tables = snapshot(storage)
    return {name: tables[name] for name in ("items", "item_feeds", "alerts", "evidence")}


def test_two_versions_of_one_link_in_two_feeds_do_not_take_turns(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER)
    full, summary = _full(), _summary()
    summaries = []
    for n in range(3):
        at = T0 + timedelta(hours=n)
        summaries.append(storage.record_poll(make_poll([full], feed=FEED, at=at)))
        summaries.append(storage.record_poll(make_poll([summary], feed=OTHER, at=at)))
        if n == 0:
            settled = _item_state(storage)
    first, linked, *rest = summaries
    assert (first.new_items, first.new_alerts) == (1, 1)
    assert (linked.new_items, linked.linked_items, linked.updated_items) == (0, 1, 0)
    assert (linked.new_alerts, linked.updated_alerts) == (0, 0)
    for later in rest:
        assert (later.new_items, later.linked_items, later.updated_items) == (0, 0, 0)
        assert (later.new_alerts, later.updated_alerts, later.removed_alerts) == (0, 0, 0)
    assert _item_state(storage) == settled
    [alert] = storage.query_alerts(ALL)
    assert alert.item.feeds == (FEED, OTHER)
    # The item keeps the first feed's version; each feed knows its own.
    full_alert = storage.get_alert(alert.id)
    assert full_alert is not None and full_alert.item.text == full.text
    assert storage.known_hashes(FEED) == {full.content_hash}
    assert storage.known_hashes(OTHER) == {summary.content_hash}
    assert storage.classify_items(FEED, [full.key]) == [ItemState.UNCHANGED]
    assert storage.classify_items(OTHER, [summary.key]) == [ItemState.UNCHANGED]
    assert storage.classify_items(OTHER, [full.key]) == [ItemState.CHANGED]


def test_an_edit_in_one_feed_updates_the_alert_once(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER)
    summary = _summary()
    storage.record_poll(make_poll([_full()], feed=FEED))
    storage.record_poll(make_poll([summary], feed=OTHER))
    [before] = storage.query_alerts(ALL)
    edited = _full(BODY + " Troops moved to the administrative line.", score=75)
    assert storage.classify_items(FEED, [edited.key]) == [ItemState.CHANGED]
    later = T0 + timedelta(hours=1)
    summaries = [
        storage.record_poll(make_poll([edited], feed=FEED, at=later)),
        storage.record_poll(make_poll([summary], feed=OTHER, at=later)),
        storage.record_poll(make_poll([edited], feed=FEED, at=later + timedelta(hours=1))),
    ]
    counts = [(s.updated_items, s.updated_alerts, s.new_alerts, s.linked_items) for s in summaries]
    assert counts == [(1, 1, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0)]
    [after] = storage.query_alerts(ALL)
    assert (after.id, after.score, after.updated_at) == (
        before.id,
        75,
        later + timedelta(seconds=2),
    )
    full_alert = storage.get_alert(after.id)
    assert full_alert is not None and full_alert.item.text == edited.text
    assert full_alert.item.feeds == (FEED, OTHER)
    assert storage.known_hashes(FEED) == {edited.content_hash}
    assert storage.known_hashes(OTHER) == {summary.content_hash}
    assert storage.totals()["items"] == 1


def test_an_item_known_by_hash_alone_survives_another_feeds_edit(storage: Storage) -> None:
    add_feeds(storage, FEED, OTHER)
    bare = make_item(TITLE, BODY, hits=HIT)  # no guid, no link: only its hash identifies it
    storage.record_poll(make_poll([_full()], feed=FEED))
    storage.record_poll(make_poll([bare], feed=OTHER))
    edited = _full(BODY + " Updated.")
    storage.record_poll(make_poll([edited], feed=FEED, at=T0 + timedelta(hours=1)))
    # The item's hash is now the edit's; the other feed still finds its own version.
    assert storage.classify_items(OTHER, [bare.key]) == [ItemState.UNCHANGED]
    summary = storage.record_poll(make_poll([bare], feed=OTHER, at=T0 + timedelta(hours=2)))
    assert (summary.new_items, summary.updated_items, summary.new_alerts) == (0, 0, 0)
    assert storage.totals() == {"feeds": 2, "items": 1, "alerts": 1}


def test_a_large_poll_keeps_every_row_with_its_own_item(storage: Storage) -> None:
    """Rows are written a table at a time: each alert's evidence, topics, deadlines,
    carriers and search entry must still belong to its own item."""
    add_feeds(storage, FEED, OTHER)

    def numbered(n: int, body: str = "") -> IngestItem:
        sentence = f"Unit{n} was put on combat alert."
        hits = [(f"indicator-{n}", Status.EVENT, sentence)] if n % 3 and not body else []
        return make_item(
            f"Item {n}",
            body or sentence,
            guid=f"g-{n}",
            link=f"https://n.example/{n}",
            hits=hits,
            topics=(f"topic-{n}",),
            score=n,
            deadlines=[(f"Unit{n}", None)],
        )

    # OTHER carries item 4 (with its alert) first; FEED's edit gives item 7 its first alert.
    storage.record_poll(make_poll([numbered(4)], feed=OTHER))
    storage.record_poll(make_poll([numbered(7, "Calm.")]))
    later = T0 + timedelta(hours=1)
    summary = storage.record_poll(make_poll([numbered(n) for n in range(1, 41)], at=later))
    assert (summary.new_items, summary.linked_items, summary.updated_items) == (38, 1, 1)
    assert summary.new_alerts == 26  # n % 3 != 0, but for item 4 (already alerted)
    found = storage.query_alerts(ALL)
    # Newest first, ties by id: this poll's ids ascend in item order, as when
    # written one by one (item 7's alert too, though found as an edit).
    this_poll = [f"Item {n}" for n in range(40, 0, -1) if n % 3 and n != 4]
    assert [a.item.title for a in found] == [*this_poll, "Item 4"]
    for alert in found:
        n = int(alert.item.title.split()[1])
        assert alert.score == n and alert.topics == (f"topic-{n}",)
        [indicator] = alert.indicators
        assert indicator.id == f"indicator-{n}"
        assert [e.sentence for e in indicator.evidence] == [f"Unit{n} was put on combat alert."]
        assert [d.phrase for d in alert.deadlines] == [f"Unit{n}"]
        assert set(alert.item.feeds) == ({FEED, OTHER} if n == 4 else {FEED})
        assert [a.id for a in storage.query_alerts(AlertQuery(search=f"Unit{n}"))] == [alert.id]
        assert [a.id for a in storage.query_alerts(AlertQuery(topic=f"topic-{n}"))] == [alert.id]


def test_very_long_guids_links_and_evidence_are_stored_once(storage: Storage) -> None:
    # Longer than PostgreSQL takes in an index entry, or in one full-text vector (random,
    # so that compression does not make them fit).
    rng = random.Random(7)
    guid = "urn:" + "".join(rng.choices(string.ascii_letters, k=6000))
    link = "https://news.example/" + "".join(rng.choices(string.ascii_letters, k=6000))
    words = ("".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(140_000))
    sentence = "shots fired " + " ".join(words)
    item = make_item(
        "Long", sentence, guid=guid, link=link, hits=[("shooting", Status.EVENT, sentence)]
    )
    add_feeds(storage)
    first = storage.record_poll(make_poll([item]))
    again = storage.record_poll(make_poll([item], at=T0 + timedelta(hours=1)))
    assert (first.new_items, first.new_alerts) == (1, 1)
    assert (again.new_items, again.updated_items, again.new_alerts) == (0, 0, 0)
    assert len(storage.query_alerts(AlertQuery(search="shots fired"))) == 1


def test_lone_surrogates_are_stored_as_replacement_characters(storage: Storage) -> None:
    sentence = "Shots \ud800 fired."
    item = make_item(
        "Bad \udfff title", sentence, guid="s1", hits=[("shooting", Status.EVENT, sentence)]
    )
    add_feeds(storage)
    assert storage.record_poll(make_poll([item])).new_alerts == 1
    [listed] = storage.query_alerts(AlertQuery())
    alert = storage.get_alert(listed.id)
    assert alert is not None and alert.item.text is not None
    assert alert.item.title == "Bad \ufffd title"
    evidence = alert.indicators[0].evidence[0]
    assert alert.item.text[evidence.start : evidence.end] == "Shots \ufffd fired."


def test_a_long_link_with_characters_no_store_takes_is_one_article_in_two_feeds(
    storage: Storage,
) -> None:
    # Stored and looked up in the same cleaned form (NUL, a lone surrogate → U+FFFD).
    link = "https://news.example/a?x=\ud800&y=" + "z" * 700 + "\x00"
    add_feeds(storage, FEED, OTHER)
    first = storage.record_poll(make_poll([make_item("Story", "Text.", guid="s", link=link)]))
    other = make_item("Story", "Text, as the other feed has it.", guid="o", link=link)
    second = storage.record_poll(make_poll([other], feed=OTHER))
    assert first.new_items == 1
    assert (second.new_items, second.linked_items) == (0, 1)
