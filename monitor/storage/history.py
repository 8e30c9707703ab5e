"""Reading the alert history back as domain types, in a constant number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    and_,
    cast,
    func,
    literal_column,
    or_,
    select,
)

from indicators.types import Level
from monitor.models import (
    Alert,
    DeadlineView,
    EvidenceView,
    IndicatorView,
    ItemView,
    PollRun,
)
from monitor.storage.alert_rows import due_value
from monitor.storage.tables import (
    alert_topics,
    alerts,
    deadlines,
    evidence,
    feeds,
    item_feeds,
    items,
    poll_runs,
)

_CHUNK = 500
_SIMPLE = literal_column("'simple'::regconfig")


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def load_alerts(conn: Connection, ids: Sequence[int], *, full: bool = False) -> list[Alert]:
    """The alerts with these ids, in this order. ``full`` adds the item text and validators."""
    by_id: dict[int, Alert] = {}
    for chunk in _chunks(ids):
        by_id.update(_load_chunk(conn, chunk, full))
    return [by_id[i] for i in ids if i in by_id]


def _load_chunk(conn: Connection, ids: Sequence[int], full: bool) -> dict[int, Alert]:
    columns: list[Any] = [
        alerts,
        items.c.title,
        items.c.link,
        items.c.guid,
        items.c.published,
        items.c.fetched_at,
        items.c.content_hash,
        feeds.c.url.label("feed_url"),
        feeds.c.name.label("feed_name"),
    ]
    if full:
        columns += [items.c.text, feeds.c.etag, feeds.c.last_modified]
    rows = conn.execute(
        select(*columns)
        .join(items, items.c.id == alerts.c.item_id)
        .join(feeds, feeds.c.id == items.c.feed_id)
        .where(alerts.c.id.in_(ids))
    ).all()
    item_ids = [row.item_id for row in rows]
    carriers: dict[int, list[str]] = defaultdict(list)
    for item_id, url in conn.execute(
        select(item_feeds.c.item_id, feeds.c.url)
        .join(feeds, feeds.c.id == item_feeds.c.feed_id)
        .where(item_feeds.c.item_id.in_(item_ids))
        .order_by(item_feeds.c.item_id, item_feeds.c.first_seen_at, feeds.c.id)
    ):
        carriers[item_id].append(url)
    evidence_of = _evidence(conn, ids)
    deadlines_of = _deadlines(conn, ids)
    out: dict[int, Alert] = {}
    for row in rows:
        item = ItemView(
            title=row.title,
            link=row.link,
            guid=row.guid,
            published=row.published,
            fetched_at=row.fetched_at,
            feed_url=row.feed_url,
            feed_name=row.feed_name,
            text=row.text if full else None,
            content_hash=row.content_hash,
            etag=row.etag if full else None,
            last_modified=row.last_modified if full else None,
            feeds=tuple(carriers[row.item_id]),
        )
        out[row.id] = Alert(
            id=row.id,
            score=row.score,
            level=row.level,
            created_at=row.created_at,
            topics=tuple(row.topics),
            item=item,
            indicators=evidence_of.get(row.id, ()),
            deadlines=tuple(_with_title(d, row.title) for d in deadlines_of.get(row.id, ())),
            explanation=row.explanation,
            contributions=tuple(row.contributions),
            updated_at=row.updated_at,
        )
    return out


def _with_title(view: DeadlineView, title: str) -> DeadlineView:
    return DeadlineView(
        phrase=view.phrase,
        due=view.due,
        alert_id=view.alert_id,
        item_title=title,
        start=view.start,
        end=view.end,
        reason=view.reason,
    )


def _evidence(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[IndicatorView, ...]]:
    rows = conn.execute(
        select(evidence)
        .where(evidence.c.alert_id.in_(ids))
        .order_by(evidence.c.alert_id, evidence.c.ordinal)
    )
    grouped: dict[int, dict[str, list[Any]]] = defaultdict(dict)
    for row in rows:
        grouped[row.alert_id].setdefault(row.indicator_id, []).append(row)
    out: dict[int, tuple[IndicatorView, ...]] = {}
    for alert_id, by_indicator in grouped.items():
        views = []
        for indicator_id, ev_rows in by_indicator.items():
            statuses = {r.status for r in ev_rows}
            views.append(
                IndicatorView(
                    id=indicator_id,
                    status="event" if "event" in statuses else "background",
                    score=ev_rows[0].indicator_score,
                    evidence=tuple(_evidence_view(r) for r in ev_rows),
                )
            )
        out[alert_id] = tuple(views)
    return out


def _evidence_view(row: Any) -> EvidenceView:
    return EvidenceView(
        sentence=row.sentence,
        start=row.start,
        end=row.end,
        match=row.match,
        rule_version=row.rule_version,
        match_spans=tuple((int(a), int(b)) for a, b in row.match_spans),
        reasons=tuple(row.reasons),
        status=row.status,
        sentence_index=row.sentence_index,
        strength=row.strength,
    )


def _deadline_view(row: Any, title: str | None = None) -> DeadlineView:
    return DeadlineView(
        phrase=row.phrase,
        due=due_value(row.due_at, row.due_has_time),
        alert_id=row.alert_id,
        item_title=title,
        start=row.start,
        end=row.end,
        reason=row.reason,
    )


def _deadlines(conn: Connection, ids: Sequence[int]) -> dict[int, list[DeadlineView]]:
    rows = conn.execute(
        select(deadlines)
        .where(deadlines.c.alert_id.in_(ids))
        .order_by(deadlines.c.alert_id, deadlines.c.ordinal)
    )
    out: dict[int, list[DeadlineView]] = defaultdict(list)
    for row in rows:
        out[row.alert_id].append(_deadline_view(row))
    return out


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def list_deadlines(
    conn: Connection, *, upcoming: bool, now: datetime, limit: int = 0
) -> list[DeadlineView]:
    query = select(deadlines, items.c.title).join(alerts, alerts.c.id == deadlines.c.alert_id)
    query = query.join(items, items.c.id == alerts.c.item_id)
    if upcoming:
        # A date-only deadline is upcoming for the whole of its day.
        query = query.where(
            or_(
                and_(deadlines.c.due_has_time.is_(True), deadlines.c.due_at >= now),
                and_(
                    deadlines.c.due_has_time.is_(False),
                    deadlines.c.due_at >= midnight(now.astimezone(UTC).date()),
                ),
            )
        ).order_by(deadlines.c.due_at.asc(), deadlines.c.id)
    else:
        query = query.order_by(deadlines.c.due_at.desc().nulls_last(), deadlines.c.id.desc())
    if limit:
        query = query.limit(limit)
    return [_deadline_view(row, row.title) for row in conn.execute(query)]


def _day(conn: Connection) -> Any:
    if conn.dialect.name == "sqlite":
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text.
        return func.substr(alerts.c.created_at, 1, 10)
    return cast(func.timezone("UTC", alerts.c.created_at), Date)


def daily_index(
    conn: Connection, *, topic: str | None, start: date, end: date
) -> list[tuple[date, float]]:
    day = _day(conn).label("day")
    query = (
        select(day, func.sum(alerts.c.score))
        .where(alerts.c.created_at >= midnight(start))
        .where(alerts.c.created_at < midnight(end + timedelta(days=1)))
        .group_by(day)
    )
    if topic is not None:
        query = query.join(alert_topics, alert_topics.c.alert_id == alerts.c.id).where(
            alert_topics.c.topic == topic
        )
    totals: dict[date, float] = {}
    for value, total in conn.execute(query):
        key = value if isinstance(value, date) else date.fromisoformat(value)
        totals[key] = float(total or 0)
    days = (end - start).days + 1
    return [(d, totals.get(d, 0.0)) for d in (start + timedelta(days=n) for n in range(days))]


def alerts_since(conn: Connection, now: datetime, hours: float) -> dict[str, int]:
    """Alerts created in the last ``hours`` up to ``now``, per level (every level present)."""
    rows = conn.execute(
        select(alerts.c.level, func.count())
        .where(alerts.c.created_at > now - timedelta(hours=hours), alerts.c.created_at <= now)
        .group_by(alerts.c.level)
    )
    counts = {level.value: 0 for level in Level}
    counts.update({level: int(n) for level, n in rows})
    return counts


def levels_since(conn: Connection, since: datetime) -> dict[str, int]:
    """How many alerts of each level were created since ``since``; a level comes first
    when its newest alert is newer (as counting them newest first would find them)."""
    rows = conn.execute(
        select(alerts.c.level)
        .where(alerts.c.created_at >= since)
        .order_by(alerts.c.created_at.desc(), alerts.c.id.desc())
    )
    counts: dict[str, int] = {}
    for level in rows.scalars():
        counts[level] = counts.get(level, 0) + 1
    return counts


def top_since(conn: Connection, since: datetime, limit: int) -> list[Alert]:
    """The ``limit`` highest-scoring alerts created since ``since`` (ties: lowest id first)."""
    ids = conn.execute(
        select(alerts.c.id)
        .where(alerts.c.created_at >= since)
        .order_by(alerts.c.score.desc(), alerts.c.id.asc())
        .limit(limit)
    ).scalars()
    return load_alerts(conn, [int(i) for i in ids])


def last_poll(conn: Connection) -> PollRun | None:
    row = conn.execute(
        select(poll_runs, feeds.c.url)
        .join(feeds, feeds.c.id == poll_runs.c.feed_id)
        .order_by(poll_runs.c.finished_at.desc(), poll_runs.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return PollRun(
        feed_url=row.url,
        started_at=row.started_at,
        finished_at=row.finished_at,
        http_status=row.http_status,
        bytes=row.bytes,
        new_items=row.new_items,
        error=row.error,
    )


def totals(conn: Connection) -> dict[str, int]:
    """Row counts for a status line."""
    out = {}
    for name, counted in (("feeds", feeds), ("items", items), ("alerts", alerts)):
        query = select(func.count()).select_from(counted)
        if counted is feeds:
            query = query.where(feeds.c.removed.is_(False))
        out[name] = int(conn.execute(query).scalar_one())
    return out
