"""Feed rows: configuration, health, scheduling and leases."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from monitor.models import Feed, FeedSpec, FeedStatus
from monitor.storage.tables import feeds, item_feeds
from monitor.storage.upsert import insert_for, insert_ignoring


def feed_from_row(row: Row[Any], items: int = 0, last_item_at: datetime | None = None) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        name=row.name,
        interval=row.interval,
        weight=row.weight,
        lang=row.lang,
        enabled=row.enabled,
        status=FeedStatus(row.status),
        last_error=row.last_error,
        last_error_at=row.last_error_at,
        last_success_at=row.last_success_at,
        last_polled_at=row.last_polled_at,
        next_poll_at=row.next_poll_at,
        backoff_until=row.backoff_until,
        etag=row.etag,
        last_modified=row.last_modified,
        error_count=row.error_count,
        items=items,
        last_item_at=last_item_at,
    )


def _config_values(spec: FeedSpec, default_interval: int) -> dict[str, Any]:
    return {
        "name": spec.name,
        "interval": spec.interval if spec.interval is not None else default_interval,
        "weight": spec.weight,
        "lang": spec.lang,
        "enabled": spec.enabled,
    }


def upsert(
    conn: Connection,
    spec: FeedSpec,
    default_interval: int,
    now: datetime,
    *,
    configured: bool | None = None,
) -> int:
    """Insert or reconfigure one feed; health is never reset. Returns the feed id.

    ``configured`` records whether the config file lists it (None: unchanged).
    Safe when two daemons start at once: the insert skips a URL another
    transaction has just added, and the feed is then reconfigured like any other.
    """
    values = _config_values(spec, default_interval)
    if configured is not None:
        values["configured"] = configured
    existing = conn.execute(select(feeds.c.id).where(feeds.c.url == spec.url)).scalar()
    if existing is None:
        make_insert = insert_for(conn)
        inserted = conn.execute(
            make_insert(feeds)
            .values(
                url=spec.url,
                **values,
                removed=False,
                created_at=now,
                status=FeedStatus.NEW.value,
                error_count=0,
            )
            .on_conflict_do_nothing(index_elements=["url"])
            .returning(feeds.c.id)
        ).scalar()
        if inserted is not None:
            return int(inserted)
        existing = conn.execute(select(feeds.c.id).where(feeds.c.url == spec.url)).scalar_one()
    conn.execute(
        update(feeds).where(feeds.c.id == existing).values(**values, removed=False, removed_at=None)
    )
    return int(existing)


def remove(conn: Connection, url: str, now: datetime) -> bool:
    result = conn.execute(
        update(feeds)
        .where(feeds.c.url == url, feeds.c.removed.is_(False))
        .values(removed=True, removed_at=now, lease_owner=None, lease_until=None)
    )
    return result.rowcount > 0


def _with_item_stats() -> Select[Any]:
    """Feeds with how many items each carried and when it last carried a new one.

    Both are per-feed lookups in the (feed_id, first_seen_at) index of
    item_feeds: the latest is its last entry, the count a range of it.
    """
    of_feed = item_feeds.c.feed_id == feeds.c.id
    count = select(func.count()).where(of_feed).scalar_subquery()
    latest = select(func.max(item_feeds.c.first_seen_at)).where(of_feed).scalar_subquery()
    return select(feeds, count.label("item_count"), latest.label("last_item_at"))


def _from_stats_row(row: Row[Any]) -> Feed:
    return feed_from_row(row, row.item_count, row.last_item_at)


def get(conn: Connection, url: str, *, include_removed: bool = False) -> Feed | None:
    query = _with_item_stats().where(feeds.c.url == url)
    if not include_removed:
        query = query.where(feeds.c.removed.is_(False))
    row = conn.execute(query).first()
    return _from_stats_row(row) if row is not None else None


def list_all(conn: Connection, *, include_removed: bool = False) -> list[Feed]:
    query = _with_item_stats().order_by(feeds.c.url)
    if not include_removed:
        query = query.where(feeds.c.removed.is_(False))
    return [_from_stats_row(row) for row in conn.execute(query)]


def _due(now: datetime, ignore_interval: bool) -> ColumnElement[bool]:
    # Backoff (errors, Retry-After) is honoured even when the interval is ignored.
    not_backing_off = or_(feeds.c.backoff_until.is_(None), feeds.c.backoff_until <= now)
    conditions = [feeds.c.enabled.is_(True), feeds.c.removed.is_(False), not_backing_off]
    if not ignore_interval:
        conditions.append(or_(feeds.c.next_poll_at.is_(None), feeds.c.next_poll_at <= now))
    return and_(*conditions)


def _due_order() -> tuple[Any, ...]:
    return (feeds.c.next_poll_at.asc().nulls_first(), feeds.c.id)


def next_due_at(conn: Connection) -> datetime | None:
    """When the first enabled feed becomes due (by its interval and its backoff) and free
    (its lease, held by another daemon or left by a failed store, over), if any."""
    rows = conn.execute(
        select(feeds.c.next_poll_at, feeds.c.backoff_until, feeds.c.lease_until).where(
            feeds.c.enabled.is_(True), feeds.c.removed.is_(False)
        )
    )
    never = datetime.min.replace(tzinfo=UTC)  # a feed never polled is due already
    due_at = (max((t for t in row if t is not None), default=never) for row in rows)
    return min(due_at, default=None)


def count_due(conn: Connection, now: datetime, ignore_interval: bool) -> int:
    return int(conn.execute(select(func.count()).where(_due(now, ignore_interval))).scalar_one())


def due(conn: Connection, now: datetime, ignore_interval: bool) -> list[Feed]:
    query = select(feeds).where(_due(now, ignore_interval)).order_by(*_due_order())
    return [feed_from_row(row) for row in conn.execute(query)]


def claim(
    conn: Connection,
    owner: str,
    now: datetime,
    *,
    ignore_interval: bool,
    lease_seconds: int,
    limit: int | None,
    exclude: Collection[int] = (),
) -> list[Feed]:
    """Lease due feeds to ``owner``: nobody else gets them until the lease ends or a
    poll is recorded. On PostgreSQL rows another claimer holds are skipped, not
    waited for; on SQLite the caller's IMMEDIATE transaction serialises claimers."""
    # A feed leased to anyone, ``owner`` included, is still being polled: not claimable.
    free = or_(feeds.c.lease_until.is_(None), feeds.c.lease_until <= now)
    query = select(feeds.c.id).where(_due(now, ignore_interval), free).order_by(*_due_order())
    if exclude:
        query = query.where(feeds.c.id.not_in(list(exclude)))
    if limit is not None:
        query = query.limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(conn.execute(query).scalars())
    if not ids:
        return []
    until = now + timedelta(seconds=lease_seconds)
    conn.execute(
        update(feeds).where(feeds.c.id.in_(ids)).values(lease_owner=owner, lease_until=until)
    )
    rows = conn.execute(select(feeds).where(feeds.c.id.in_(ids)).order_by(*_due_order()))
    return [feed_from_row(row) for row in rows]


def release(conn: Connection, url: str, owner: str) -> bool:
    result = conn.execute(
        update(feeds)
        .where(feeds.c.url == url, feeds.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )
    return result.rowcount > 0


def lease_owners(conn: Connection) -> set[str]:
    rows = conn.execute(
        select(feeds.c.lease_owner).where(feeds.c.lease_owner.is_not(None)).distinct()
    )
    return {row[0] for row in rows}


def release_all(conn: Connection, owner: str) -> int:
    result = conn.execute(
        update(feeds).where(feeds.c.lease_owner == owner).values(lease_owner=None, lease_until=None)
    )
    return result.rowcount


_CONFIGURED = (feeds.c.name, feeds.c.interval, feeds.c.weight, feeds.c.lang, feeds.c.enabled)


def upsert_many(
    conn: Connection,
    specs: Iterable[FeedSpec],
    default_interval: int,
    now: datetime,
    *,
    configured: bool = False,
    drop_unlisted: bool = False,
) -> None:
    """:func:`upsert` for many feeds, writing only the ones that are new or changed.

    Every start syncs the configured feeds, usually unchanged: one read of the
    stored configuration then replaces a statement or two per feed. With
    ``configured`` the specs are the config file's whole list, and with
    ``drop_unlisted`` a feed it listed before and lists no more is removed
    (items and alerts stay).
    """
    specs = list(specs)
    stored = {
        row.url: row
        for row in conn.execute(
            select(
                feeds.c.url, feeds.c.removed, feeds.c.removed_at, feeds.c.configured, *_CONFIGURED
            )
        )
    }
    new: list[FeedSpec] = []
    for spec in specs:
        row = stored.get(spec.url)
        if row is None:
            new.append(spec)
        elif (
            row.removed
            or row.removed_at is not None
            or (configured and not row.configured)
            or _changed(row, spec, default_interval)
        ):
            upsert(conn, spec, default_interval, now, configured=configured or None)
    if configured and drop_unlisted:
        listed = {spec.url for spec in specs}
        dropped = [url for url, row in stored.items() if row.configured and url not in listed]
        if dropped:
            conn.execute(
                update(feeds)
                .where(feeds.c.url.in_(dropped))
                .values(removed=True, removed_at=now, configured=False)
            )
    if not new:
        return
    rows = [
        {
            "url": spec.url,
            **_config_values(spec, default_interval),
            "configured": configured,
            "removed": False,
            "created_at": now,
            "status": FeedStatus.NEW.value,
            "error_count": 0,
        }
        for spec in new
    ]
    inserted = conn.execute(insert_ignoring(feeds, conn.dialect.name, "url"), rows).rowcount
    if inserted != len(rows):
        # Another process added some of them meanwhile: configure those like known feeds.
        for spec in new:
            upsert(conn, spec, default_interval, now, configured=configured or None)


def _changed(row: Row[Any], spec: FeedSpec, default_interval: int) -> bool:
    values = _config_values(spec, default_interval)
    return any(getattr(row, name) != value for name, value in values.items())
