"""Writing an analysis as alert rows (alert, topics, evidence, deadlines, search index)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, delete, insert, text, update

from indicators.types import Analysis, Evidence, Status
from monitor.storage.keys import clean
from monitor.storage.tables import (
    alert_feeds,
    alert_indicators,
    alert_topics,
    alerts,
    deadlines,
    evidence,
)


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """What changing or deleting an alert needs to know about it."""

    id: int
    created_at: datetime
    search_text: str  # the FTS5 'delete' command needs the indexed text


def search_text(title: str, analysis: Analysis) -> str:
    """What a search looks at: the title and every evidence sentence."""
    sentences: list[str] = []
    for result in analysis.indicators:
        for ev in result.evidence:
            if ev.sentence not in sentences:
                sentences.append(ev.sentence)
    return clean("\n".join([title, *sentences]))


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


def _insert_children(
    conn: Connection, alert_id: int, analysis: Analysis, created_at: datetime
) -> None:
    topics = list(dict.fromkeys(analysis.topics))
    if topics:
        conn.execute(
            insert(alert_topics),
            [{"alert_id": alert_id, "topic": t, "created_at": created_at} for t in topics],
        )
    statuses: dict[str, set[Status]] = {}
    for result in analysis.indicators:
        statuses.setdefault(result.id, set()).update(ev.status for ev in result.evidence)
    if statuses:
        conn.execute(
            insert(alert_indicators),
            [
                {
                    "alert_id": alert_id,
                    "indicator_id": indicator_id,
                    "has_event": Status.EVENT in found,
                    "has_background": Status.BACKGROUND in found,
                    "created_at": created_at,
                }
                for indicator_id, found in statuses.items()
            ],
        )
    rows: list[dict[str, Any]] = []
    for result in analysis.indicators:
        for ev in result.evidence:
            rows.append(
                {
                    "alert_id": alert_id,
                    "ordinal": len(rows),
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
    if rows:
        conn.execute(insert(evidence), rows)
    deadline_rows = []
    for ordinal, deadline in enumerate(analysis.deadlines):
        due_at, has_time = due_columns(deadline.due)
        deadline_rows.append(
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
    if deadline_rows:
        conn.execute(insert(deadlines), deadline_rows)


def _index(conn: Connection, alert_id: int, body: str) -> None:
    # PostgreSQL indexes alerts.search_text itself (GIN); SQLite's FTS5 table
    # is external-content and must be told about every change.
    if conn.dialect.name == "sqlite":
        conn.execute(
            text("INSERT INTO alerts_fts(rowid, search_text) VALUES (:id, :body)"),
            {"id": alert_id, "body": body},
        )


def _unindex(conn: Connection, alert_id: int, old_body: str) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(
            text(
                "INSERT INTO alerts_fts(alerts_fts, rowid, search_text) "
                "VALUES ('delete', :id, :body)"
            ),
            {"id": alert_id, "body": old_body},
        )


def insert_alert(
    conn: Connection,
    item_id: int,
    title: str,
    analysis: Analysis,
    now: datetime,
    feed_ids: Iterable[int],
) -> int:
    """Store a new alert for an item carried by ``feed_ids``."""
    values = _alert_values(title, analysis)
    result = conn.execute(insert(alerts).values(item_id=item_id, created_at=now, **values))
    alert_id = int(result.inserted_primary_key[0])
    _insert_children(conn, alert_id, analysis, now)
    for feed_id in feed_ids:
        link_feed(conn, alert_id, feed_id, now)
    _index(conn, alert_id, values["search_text"])
    return alert_id


def link_feed(conn: Connection, alert_id: int, feed_id: int, created_at: datetime) -> None:
    conn.execute(
        insert(alert_feeds).values(alert_id=alert_id, feed_id=feed_id, created_at=created_at)
    )


def replace_alert(
    conn: Connection, alert: StoredAlert, title: str, analysis: Analysis, now: datetime
) -> None:
    """Re-store an edited item's alert: same id, created_at and feeds; new everything else."""
    values = _alert_values(title, analysis)
    _unindex(conn, alert.id, alert.search_text)
    for table in (alert_topics, alert_indicators, evidence, deadlines):
        conn.execute(delete(table).where(table.c.alert_id == alert.id))
    conn.execute(update(alerts).where(alerts.c.id == alert.id).values(updated_at=now, **values))
    _insert_children(conn, alert.id, analysis, alert.created_at)
    _index(conn, alert.id, values["search_text"])


def delete_alert(conn: Connection, alert: StoredAlert) -> None:
    _unindex(conn, alert.id, alert.search_text)
    # Topics, indicators, feeds, evidence and deadlines go with it (ON DELETE CASCADE).
    conn.execute(delete(alerts).where(alerts.c.id == alert.id))
