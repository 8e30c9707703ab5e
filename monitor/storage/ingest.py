"""Storing what a poll produced: dedup, items, alerts and the feed's health.

An incoming item is the same as a stored one when, in this order:

a. the same feed carried the same guid, unless the guid appears more than once
   in this poll (such guids identify nothing);
b. the normalised link is the same, whichever feed carried it (the new feed is
   linked to the item; no second alert);
c. the content hash is the same.

Each feed's version of an item is judged on its own: ``item_feeds`` keeps the
hash of what each feed delivered, since two feeds may carry one article in
different forms (full text and summary, another title). So:

- a feed carrying a stored item for the first time is linked to it with its
  own hash; the item's text and alert stay as they are;
- a feed delivering what it delivered before changes nothing;
- a feed delivering a new version of its own (an edited article) updates the
  item and stores its alert again under the same id.

When several incoming items resolve to one stored item, the first one wins.
Together with the unique constraints this makes recording a poll twice a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlmodel
from sqlalchemy import (
    Connection,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    union_all,
    update,
)

from monitor.models import IngestItem, ItemKey, ItemState, PollRecord, PollSummary
from monitor.storage import alert_rows
from monitor.storage.alert_rows import StoredAlert
from monitor.storage.bulk import insert_returning_ids
from monitor.storage.keys import bounded_key, clean, clean_opt, normalize_link, trusted_guids
from monitor.storage.tables import FeedRow, alerts, feeds, item_feeds, items, poll_runs
from monitor.storage.upsert import insert_ignoring

# Serialises ingest across PostgreSQL clients, so two daemons storing the same
# article from two feeds cannot both insert it.
_INGEST_LOCK = 7_413_002
_CHUNK = 500

# Built once: each is executed with a list of rows.
_INSERT_ITEM_FEEDS = insert(item_feeds)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# The resolver's look-ups, built once; each runs on a chunk of ``values``.
def _first_of(key: Any, item_id: Any, *where: Any, values: str = "values", tag: str = "") -> Any:
    """The lowest item id for each key in ``values`` (after ``tag``, when given)."""
    tagged = (literal_column(f"'{tag}'"),) if tag else ()
    return (
        select(*tagged, key, func.min(item_id))
        .where(*where, key.in_(bindparam(values, expanding=True)))
        .group_by(key)
    )


_THIS_FEED = item_feeds.c.feed_id == bindparam("feed_id")
_LOOKUPS = {  # name: (key, item id, condition)
    "guids": (item_feeds.c.guid, item_feeds.c.item_id, _THIS_FEED),
    "links": (items.c.link_norm, items.c.id, None),
    "hashes": (items.c.content_hash, items.c.id, None),
    "own_hashes": (item_feeds.c.content_hash, item_feeds.c.item_id, _THIS_FEED),
}
_BY = {
    name: _first_of(key, item_id, *([] if where is None else [where]))
    for name, (key, item_id, where) in _LOOKUPS.items()
}
# All four in one statement, each part tagged with its name, for a poll whose value
# lists fit in one chunk (nearly every poll): one round trip instead of four.
_BY_ALL = union_all(
    *(
        _first_of(key, item_id, *([] if where is None else [where]), values=name, tag=name)
        for name, (key, item_id, where) in _LOOKUPS.items()
    )
)
_OWN_VERSIONS = select(item_feeds.c.item_id, item_feeds.c.content_hash, item_feeds.c.guid).where(
    _THIS_FEED, item_feeds.c.item_id.in_(bindparam("values", expanding=True))
)


def _first(conn: Connection, query: Any, feed_id: int, values: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in _chunks(values):
        rows = conn.execute(query, {"feed_id": feed_id, "values": list(chunk)})
        out.update({key: int(item_id) for key, item_id in rows})
    return out


def _firsts(
    conn: Connection, feed_id: int, values: dict[str, list[str]]
) -> dict[str, dict[str, int]]:
    """Each look-up of ``_LOOKUPS`` on its values: the lowest item id for each value."""
    out: dict[str, dict[str, int]] = {name: {} for name in _LOOKUPS}
    if all(len(chunk) <= _CHUNK for chunk in values.values()):
        for name, key, item_id in conn.execute(_BY_ALL, {"feed_id": feed_id, **values}):
            out[name][key] = int(item_id)
        return out
    for name, chunk in values.items():
        out[name] = _first(conn, _BY[name], feed_id, chunk)
    return out


class _Resolver:
    """Finds the stored item an incoming key stands for; remembers this poll's writes."""

    def __init__(self, conn: Connection, feed_id: int, keys: Sequence[ItemKey]) -> None:
        self.trusted = trusted_guids(keys)
        # Normalised once per poll: each key's link is looked up several times.
        self.links = {k.link: normalize_link(k.link) for k in keys}
        hashes = sorted({k.content_hash for k in keys})
        found = _firsts(
            conn,
            feed_id,
            {
                "guids": sorted(self.trusted),
                "links": sorted({link for link in self.links.values() if link}),
                "hashes": hashes,
                "own_hashes": hashes,
            },
        )
        self.by_guid = found["guids"]
        self.by_link = found["links"]
        self.by_hash = found["hashes"]
        # This feed's own versions too: another feed's edit may have replaced the
        # item's hash, and an item without guid or link is found by hash alone.
        self.by_hash.update(found["own_hashes"])
        self.found = sorted(
            {*self.by_guid.values(), *self.by_link.values(), *self.by_hash.values()}
        )
        # The hash and guid of this feed's version of each found item it carries.
        self.own_hash: dict[int, str] = {}
        self.own_guid: dict[int, str | None] = {}
        for chunk in _chunks(self.found):
            for row in conn.execute(_OWN_VERSIONS, {"feed_id": feed_id, "values": list(chunk)}):
                self.own_hash[row.item_id] = row.content_hash
                self.own_guid[row.item_id] = row.guid
        self.touched: set[int] = set()

    def find(self, key: ItemKey) -> int | None:
        if key.guid in self.trusted and key.guid in self.by_guid:
            return self.by_guid[key.guid]
        link = self._normalized(key.link)
        if link is not None and link in self.by_link:
            return self.by_link[link]
        return self.by_hash.get(key.content_hash)

    def remember(self, item_id: int, key: ItemKey) -> None:
        """Record that this poll stored ``key`` as ``item_id`` (new or edited)."""
        if key.guid in self.trusted:
            self.by_guid[key.guid] = item_id
        link = self._normalized(key.link)
        if link is not None:
            self.by_link.setdefault(link, item_id)
        self.by_hash.setdefault(key.content_hash, item_id)
        self.own_hash[item_id] = key.content_hash
        self.touched.add(item_id)

    def _normalized(self, link: str | None) -> str | None:
        if link not in self.links:
            self.links[link] = normalize_link(link)
        return self.links[link]

    def link_changed(self, item_id: int, key: ItemKey) -> bool:
        """Whether this feed's stored version of a carried item differs from ``key``
        (its hash, or its guid when the guid can be trusted)."""
        guid = self.guid_for_feed(key)
        return self.own_hash[item_id] != key.content_hash or (
            guid is not None and guid != self.own_guid.get(item_id)
        )

    def carried(self, item_id: int) -> bool:
        """Whether this feed carried the item before this poll."""
        return item_id in self.own_hash

    def guid_for_feed(self, key: ItemKey) -> str | None:
        return key.guid if key.guid in self.trusted else None


def _stored_form(key: ItemKey) -> ItemKey:
    # Compare keys as they are stored (see keys.clean).
    return ItemKey(bounded_key(clean_opt(key.guid)), clean_opt(key.link), clean(key.content_hash))


def feed_id_for(conn: Connection, url: str) -> int | None:
    return conn.execute(sqlmodel.select(FeedRow.id).where(FeedRow.url == url)).scalar()


def known_hashes(conn: Connection, feed_id: int) -> frozenset[str]:
    """The hashes of the versions this feed delivered (not the items' current ones)."""
    rows = conn.execute(select(item_feeds.c.content_hash).where(item_feeds.c.feed_id == feed_id))
    return frozenset(rows.scalars())


def classify(conn: Connection, feed_id: int, keys: Sequence[ItemKey]) -> list[ItemState]:
    """NEW unless this feed already stored the item; then UNCHANGED or CHANGED by
    comparing with the hash of this feed's own version."""
    keys = [_stored_form(key) for key in keys]
    resolver = _Resolver(conn, feed_id, keys)
    states: list[ItemState] = []
    for index, key in enumerate(keys):
        item_id = resolver.find(key)
        if item_id is not None and item_id in resolver.touched:
            states.append(ItemState.UNCHANGED)  # a repeat within this poll: ignored when stored
            continue
        if item_id is None or not resolver.carried(item_id):
            states.append(ItemState.NEW)
        elif resolver.own_hash[item_id] == key.content_hash:
            states.append(ItemState.UNCHANGED)
        else:
            states.append(ItemState.CHANGED)
        # Placeholder ids stand for items this poll would insert.
        resolver.remember(item_id if item_id is not None else -(index + 1), key)
    return states


def record_poll(conn: Connection, record: PollRecord) -> PollSummary | None:
    """Store one poll (the caller's transaction makes it all or nothing); None,
    with nothing written, when no feed has the record's URL.

    New items, links and alerts are gathered first and written with one
    statement per table; edits of stored items are rare and written as found.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK, {"key": _INGEST_LOCK})
    # The feed's health first: the same statement finds its id, so a poll
    # without items (HTTP 304) costs three statements.
    feed_id = _update_feed(conn, record)
    if feed_id is None:
        return None
    counts = dict.fromkeys(
        ("new_items", "updated_items", "new_alerts", "updated_alerts", "removed_alerts"), 0
    )
    counts["linked_items"] = 0
    resolver = _Resolver(conn, feed_id, [_stored_form(item.key) for item in record.items])
    alert_of = _alerts_of(conn, resolver.found)
    new_items: list[tuple[IngestItem, ItemKey]] = []
    # Links of stored items to this feed: (item id, key).
    links: list[tuple[int, ItemKey]] = []
    carried_alerts: list[dict[str, Any]] = []
    # Alerts to insert, in item order (so their ids ascend with it, as when
    # written one by one): an int stands for ``new_items[int]``, a tuple for a
    # stored item (its id, its carriers).
    alert_plan: list[tuple[int | tuple[int, tuple[int, ...]], IngestItem]] = []
    for item in record.items:
        key = _stored_form(item.key)
        item_id = resolver.find(key)
        if item_id is not None and item_id in resolver.touched:
            continue
        if item_id is None:
            counts["new_items"] += 1
            if item.analysis is not None and item.analysis.matched:
                alert_plan.append((len(new_items), item))
                counts["new_alerts"] += 1
            new_items.append((item, key))
            # A placeholder id: later repeats of this item resolve to it and are skipped.
            resolver.remember(-len(new_items), key)
            continue
        if not resolver.carried(item_id):
            # Another feed's item: this feed's version (maybe only a summary) is
            # recorded, but the item's text and alert stay as they are.
            links.append((item_id, key))
            if item_id in alert_of:
                stored = alert_of[item_id]
                carried_alerts.append(
                    {"alert_id": stored.id, "feed_id": feed_id, "created_at": stored.created_at}
                )
            counts["linked_items"] += 1
        else:
            edited = resolver.own_hash[item_id] != key.content_hash
            if resolver.link_changed(item_id, key):
                _update_link(conn, item_id, feed_id, key, resolver.guid_for_feed(key))
            if edited:
                _update_item(conn, item_id, item, record.finished_at)
                counts["updated_items"] += 1
                outcome = _restore_alert(
                    conn, item_id, item, alert_of.get(item_id), record.finished_at, alert_plan
                )
                if outcome:
                    counts[outcome] += 1
        resolver.remember(item_id, key)
    new_ids = _insert_items(conn, feed_id, new_items, record.started_at)
    links[:0] = zip(new_ids, (key for _, key in new_items), strict=True)
    _link(conn, feed_id, links, resolver, record.started_at)
    alert_rows.insert_alerts(
        conn,
        [
            alert_rows.NewAlert(new_ids[target], item.title, item.analysis, (feed_id,))
            if isinstance(target, int)
            else alert_rows.NewAlert(target[0], item.title, item.analysis, target[1])
            for target, item in alert_plan
            if item.analysis is not None
        ],
        record.finished_at,
    )
    alert_rows.link_feeds(conn, carried_alerts)
    _insert_poll_run(conn, feed_id, record, counts["new_items"])
    return PollSummary(feed_url=record.new_url or record.feed_url, **counts)


def _insert_poll_run(conn: Connection, feed_id: int, record: PollRecord, new_items: int) -> None:
    conn.execute(_insert_poll_run_statement(conn), _poll_run_values(feed_id, record, new_items))


def _insert_poll_run_statement(conn: Connection) -> Any:
    # Recording a poll twice stores its run once.
    return insert_ignoring(poll_runs, conn.dialect.name, "feed_id", "started_at")


def _poll_run_values(feed_id: int, record: PollRecord, new_items: int) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "http_status": record.http_status,
        "bytes": record.bytes,
        "new_items": new_items,
        "error": clean_opt(record.error),
    }


_ALERTS_OF = select(alerts.c.item_id, alerts.c.id, alerts.c.created_at, alerts.c.search_text).where(
    alerts.c.item_id.in_(bindparam("values", expanding=True))
)


def _alerts_of(conn: Connection, item_ids: Sequence[int]) -> dict[int, StoredAlert]:
    out: dict[int, StoredAlert] = {}
    for chunk in _chunks(item_ids):
        rows = conn.execute(_ALERTS_OF, {"values": list(chunk)})
        out.update(
            {row.item_id: StoredAlert(row.id, row.created_at, row.search_text) for row in rows}
        )
    return out


def _restore_alert(
    conn: Connection,
    item_id: int,
    item: IngestItem,
    existing: StoredAlert | None,
    now: datetime,
    alert_plan: list[Any],
) -> str | None:
    """Bring an edited item's alert up to date; a new one is added to ``alert_plan``."""
    matched = item.analysis is not None and item.analysis.matched
    if existing is None:
        if not matched:
            return None
        carriers = conn.execute(
            select(item_feeds.c.feed_id).where(item_feeds.c.item_id == item_id)
        ).scalars()
        alert_plan.append(((item_id, tuple(carriers)), item))
        return "new_alerts"
    if not matched:
        alert_rows.delete_alert(conn, existing)
        return "removed_alerts"
    assert item.analysis is not None
    alert_rows.replace_alert(conn, existing, item.title, item.analysis, now)
    return "updated_alerts"


def _insert_items(
    conn: Connection, feed_id: int, new: Sequence[tuple[IngestItem, ItemKey]], fetched_at: datetime
) -> list[int]:
    """Insert items, in order; their ids."""
    if not new:
        return []
    rows = [
        {
            "feed_id": feed_id,
            "title": clean(item.title),
            "link": clean_opt(item.link),
            "link_norm": normalize_link(clean_opt(item.link)),
            "guid": clean_opt(item.guid),
            "published": item.published,
            "fetched_at": fetched_at,
            "content_hash": clean(item.content_hash),
            "text": clean(item.text),
        }
        for item, _ in new
    ]
    return insert_returning_ids(conn, items, rows)


def _update_item(conn: Connection, item_id: int, item: IngestItem, now: datetime) -> None:
    conn.execute(
        update(items)
        .where(items.c.id == item_id)
        .values(
            title=clean(item.title),
            link=clean_opt(item.link),
            link_norm=normalize_link(clean_opt(item.link)),
            published=item.published,
            content_hash=clean(item.content_hash),
            text=clean(item.text),
            updated_at=now,
        )
    )


def _link(
    conn: Connection,
    feed_id: int,
    links: Sequence[tuple[int, ItemKey]],
    resolver: _Resolver,
    now: datetime,
) -> None:
    """Record this feed's version of each item: its hash and (trusted) guid."""
    if not links:
        return
    rows = [
        {
            "item_id": item_id,
            "feed_id": feed_id,
            "guid": clean_opt(resolver.guid_for_feed(key)),
            "first_seen_at": now,
            "content_hash": clean(key.content_hash),
        }
        for item_id, key in links
    ]
    conn.execute(_INSERT_ITEM_FEEDS, rows)


def _update_link(
    conn: Connection, item_id: int, feed_id: int, key: ItemKey, guid: str | None
) -> None:
    """Record the feed's current version, and its guid: a feed that changed its
    guid scheme finds the item by the new one next time."""
    values = {"content_hash": clean(key.content_hash)}
    if guid is not None:
        values["guid"] = clean(guid)
    changed = or_(*(item_feeds.c[name].is_distinct_from(value) for name, value in values.items()))
    conn.execute(
        update(item_feeds)
        .where(item_feeds.c.item_id == item_id, item_feeds.c.feed_id == feed_id, changed)
        .values(**values)
    )


def _health_values(record: PollRecord) -> dict[str, Any]:
    """The feed columns a poll sets: health, schedule, lease and validators."""
    values: dict[str, Any] = {
        "status": record.status.value,
        "last_polled_at": record.finished_at,
        "next_poll_at": record.next_poll_at,
        "error_count": record.error_count,
        "backoff_until": record.backoff_until,
        "lease_owner": None,
        "lease_until": None,
    }
    if record.error is not None:
        values.update(last_error=clean(record.error), last_error_at=record.finished_at)
    else:
        values["last_success_at"] = record.finished_at
    if record.clear_validators:
        values.update(etag=record.etag, last_modified=record.last_modified)
    else:
        if record.etag is not None:
            values["etag"] = record.etag
        if record.last_modified is not None:
            values["last_modified"] = record.last_modified
    return values


def _update_feed(conn: Connection, record: PollRecord) -> int | None:
    """Record the feed's health and validators; its id (None: no such feed)."""
    values = _health_values(record)
    if record.new_url and record.new_url != record.feed_url:
        taken = feed_id_for(conn, record.new_url)
        if taken is None:
            # No longer the URL the config file lists (were it listed): the moved feed
            # stays when the next start syncs the config.
            values.update(url=record.new_url, configured=False)
        else:
            # The feed moved to a URL we already have: that row carries on (brought
            # back if it had been removed), this one retires.
            conn.execute(
                update(feeds)
                .where(feeds.c.id == taken, feeds.c.removed.is_(True))
                .values(removed=False, removed_at=None)
            )
            values.update(removed=True, removed_at=record.finished_at)
    return conn.execute(_UPDATE_FEED_BY_URL, {"feed_url_": record.feed_url, **values}).scalar()


# Executed with parameters naming the columns to set (the SET clause), built once.
_UPDATE_FEED_BY_URL = (
    update(feeds).where(feeds.c.url == bindparam("feed_url_")).returning(feeds.c.id)
)
_UPDATE_FEED_BY_ID = update(feeds).where(feeds.c.id == bindparam("feed_id_"))
_FEED_IDS = select(feeds.c.url, feeds.c.id).where(
    feeds.c.url.in_(bindparam("values", expanding=True))
)


def feed_ids(conn: Connection, urls: Sequence[str]) -> dict[str, int]:
    """The ids of the stored feeds among ``urls``, by URL."""
    ids: dict[str, int] = {}
    for chunk in _chunks(sorted(set(urls))):
        rows = conn.execute(_FEED_IDS, {"values": list(chunk)})
        ids.update((url, int(feed_id)) for url, feed_id in rows)
    return ids


def first_unknown_feed(conn: Connection, records: Sequence[PollRecord]) -> str:
    """The URL of the first record whose feed id is not stored (there must be one)."""
    given = [record.feed_id for record in records if record.feed_id is not None]
    stored = set(conn.execute(select(feeds.c.id).where(feeds.c.id.in_(given))).scalars())
    return next(r.feed_url for r in records if r.feed_id is not None and r.feed_id not in stored)


def record_polls(
    conn: Connection, records: Sequence[PollRecord], ids: dict[str, int]
) -> list[PollSummary] | None:
    """Store polls that brought no item and did not move their feed, all at once: a few
    statements for any number of feeds. A record's feed is its ``feed_id`` or, without
    one, ``ids[feed_url]`` (:func:`feed_ids`). None, for the caller to roll back, when a
    feed id is not (or no longer) stored."""
    if any(record.items or record.new_url for record in records):
        raise ValueError("record_polls takes polls without items or a new URL")
    if not records:
        return []
    feed_of = [
        record.feed_id if record.feed_id is not None else ids[record.feed_url] for record in records
    ]
    # One UPDATE per set of columns (successes, failures, with or without validators).
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record, feed_id in zip(records, feed_of, strict=True):
        values = _health_values(record)
        shapes.setdefault(tuple(values), []).append({"feed_id_": feed_id, **values})
    updated = sum(conn.execute(_UPDATE_FEED_BY_ID, rows).rowcount for rows in shapes.values())
    if updated != len(records):
        return None
    conn.execute(
        _insert_poll_run_statement(conn),
        [
            _poll_run_values(feed_id, record, 0)
            for record, feed_id in zip(records, feed_of, strict=True)
        ],
    )
    return [PollSummary(feed_url=record.feed_url) for record in records]
