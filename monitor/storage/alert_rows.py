"""Writing analyses as alert rows (alert, topics, evidence, deadlines, search index).

Alerts are written in batches: one statement per table for every alert of a
poll, since building and sending a statement per row costs far more than the
database's own work.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, delete, insert, text, update

from indicators.types import Analysis, Evidence, Status
from monitor.storage.bulk import insert_returning_ids
from monitor.storage.keys import clean, searchable
from monitor.storage.tables import (
    alert_feeds,
    alert_indicators,
    alert_topics,
    alerts,
    deadlines,
    evidence,
)

# Built once: each is executed with a list of rows.
_CHILD_TABLES = (alert_topics, alert_indicators, evidence, deadlines)
_INSERT_CHILD = {table.name: insert(table) for table in _CHILD_TABLES}
_INSERT_ALERT_FEEDS = insert(alert_feeds)
_INDEX = text("INSERT INTO alerts_fts(rowid, search_text) VALUES (:id, :body)")
_UNINDEX = text(
    "INSERT INTO alerts_fts(alerts_fts, rowid, search_text) VALUES ('delete', :id, :body)"
)


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """What changing or deleting an alert needs to know about it."""

    id: int
    created_at: datetime
    search_text: str  # the FTS5 'delete' command needs the indexed text


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert to store for an item carried by ``feed_ids``."""

    item_id: int
    title: str
    analysis: Analysis
    feed_ids: tuple[int, ...]


def search_text(title: str, analysis: Analysis) -> str:
    """What a search looks at: the title and every evidence sentence."""
    return searchable(title, (ev.sentence for ev in _all_evidence(analysis)))


def _alert_values(title: str, analysis: Analysis) -> dict[str, Any]:
    card = analysis.score
    return {
        "score": card.score,
        "level": card.level.value,
        "topics": list(dict.fromkeys(analysis.topics)),
        "explanation": card.explanation,
        "contributions": [
            {"label": c.label, "points": c.points, "detail": c.detail} for c in card.contributions
        ],
        "search_text": search_text(title, analysis),
        "has_event": any(ev.status is Status.EVENT for ev in _all_evidence(analysis)),
        "has_background": any(ev.status is Status.BACKGROUND for ev in _all_evidence(analysis)),
        "has_deadline": bool(analysis.deadlines),
    }


def _all_evidence(analysis: Analysis) -> Iterator[Evidence]:
    for result in analysis.indicators:
        yield from result.evidence


def due_columns(due: date | datetime | None) -> tuple[datetime | None, bool]:
    """A due date as (instant, has_time): a date becomes its midnight UTC."""
    if due is None:
        return None, False
    if isinstance(due, datetime):
        return due, True
    return datetime.combine(due, time(), tzinfo=UTC), False


def due_value(due_at: datetime | None, has_time: bool) -> date | datetime | None:
    if due_at is None:
        return None
    return due_at if has_time else due_at.date()


class _ChildRows:
    """The rows of the child tables for a batch of alerts, one list per table."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in _CHILD_TABLES}

    def add(self, alert_id: int, analysis: Analysis, created_at: datetime) -> None:
        self.rows[alert_topics.name].extend(
            {"alert_id": alert_id, "topic": t, "created_at": created_at}
            for t in dict.fromkeys(analysis.topics)
        )
        statuses: dict[str, set[Status]] = {}
        for result in analysis.indicators:
            statuses.setdefault(result.id, set()).update(ev.status for ev in result.evidence)
        self.rows[alert_indicators.name].extend(
            {
                "alert_id": alert_id,
                "indicator_id": indicator_id,
                "has_event": Status.EVENT in found,
                "has_background": Status.BACKGROUND in found,
                "created_at": created_at,
            }
            for indicator_id, found in statuses.items()
        )
        evidence_rows = self.rows[evidence.name]
        ordinal = 0
        for result in analysis.indicators:
            for ev in result.evidence:
                evidence_rows.append(
                    {
                        "alert_id": alert_id,
                        "ordinal": ordinal,
                        "indicator_id": ev.indicator_id,
                        "rule_version": ev.rule_version,
                        "status": ev.status.value,
                        "indicator_score": result.score,
                        "sentence": clean(ev.sentence),
                        "start": ev.start,
                        "end": ev.end,
                        "match": clean(ev.match),
                        "match_spans": [list(span) for span in ev.match_spans],
                        "reasons": list(ev.reasons),
                        "sentence_index": ev.sentence_index,
                        "strength": ev.strength,
                    }
                )
                ordinal += 1
        for ordinal, deadline in enumerate(analysis.deadlines):
            due_at, has_time = due_columns(deadline.due)
            self.rows[deadlines.name].append(
                {
                    "alert_id": alert_id,
                    "ordinal": ordinal,
                    "phrase": clean(deadline.phrase),
                    "due_at": due_at,
                    "due_has_time": has_time,
                    "start": deadline.start,
                    "end": deadline.end,
                    "reason": clean(deadline.reason),
                }
            )

    def insert(self, conn: Connection) -> None:
        for name, rows in self.rows.items():
            if rows:
                conn.execute(_INSERT_CHILD[name], rows)


def _index(conn: Connection, rows: list[dict[str, Any]]) -> None:
    # PostgreSQL indexes alerts.search_text itself (GIN); SQLite's FTS5 table
    # is external-content and must be told about every change.
    if rows and conn.dialect.name == "sqlite":
        conn.execute(_INDEX, rows)


def _unindex(conn: Connection, alert_id: int, old_body: str) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(_UNINDEX, {"id": alert_id, "body": old_body})


def insert_alerts(conn: Connection, new: Sequence[NewAlert], now: datetime) -> list[int]:
    """Store new alerts, in order (ids ascend with it); their ids."""
    if not new:
        return []
    values = [
        {"item_id": a.item_id, "created_at": now, **_alert_values(a.title, a.analysis)} for a in new
    ]
    ids = insert_returning_ids(conn, alerts, values)
    children = _ChildRows()
    feed_rows: list[dict[str, Any]] = []
    for alert_id, alert in zip(ids, new, strict=True):
        children.add(alert_id, alert.analysis, now)
        feed_rows.extend(
            {"alert_id": alert_id, "feed_id": feed_id, "created_at": now}
            for feed_id in alert.feed_ids
        )
    children.insert(conn)
    link_feeds(conn, feed_rows)
    bodies = [v["search_text"] for v in values]
    _index(conn, [{"id": i, "body": body} for i, body in zip(ids, bodies, strict=True)])
    return ids


def link_feeds(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Add carriers to alerts: rows of ``alert_id``, ``feed_id``, ``created_at``."""
    if rows:
        conn.execute(_INSERT_ALERT_FEEDS, list(rows))


def replace_alert(
    conn: Connection, alert: StoredAlert, title: str, analysis: Analysis, now: datetime
) -> None:
    """Re-store an edited item's alert: same id, created_at and feeds; new everything else."""
    values = _alert_values(title, analysis)
    _unindex(conn, alert.id, alert.search_text)
    for table in _CHILD_TABLES:
        conn.execute(delete(table).where(table.c.alert_id == alert.id))
    conn.execute(update(alerts).where(alerts.c.id == alert.id).values(updated_at=now, **values))
    children = _ChildRows()
    children.add(alert.id, analysis, alert.created_at)
    children.insert(conn)
    _index(conn, [{"id": alert.id, "body": values["search_text"]}])


def delete_alert(conn: Connection, alert: StoredAlert) -> None:
    _unindex(conn, alert.id, alert.search_text)
    # Topics, indicators, feeds, evidence and deadlines go with it (ON DELETE CASCADE).
    conn.execute(delete(alerts).where(alerts.c.id == alert.id))
