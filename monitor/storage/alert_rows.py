"""Writing an analysis as alert rows (alert, topics, evidence, deadlines, search index)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, delete, insert, text, update

from indicators.types import Analysis
from monitor.storage.tables import alert_topics, alerts, deadlines, evidence


def search_text(title: str, analysis: Analysis) -> str:
    """What a search looks at: the title and every evidence sentence."""
    sentences: list[str] = []
    for result in analysis.indicators:
        for ev in result.evidence:
            if ev.sentence not in sentences:
                sentences.append(ev.sentence)
    return "\n".join([title, *sentences])


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
    }


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


def _insert_children(conn: Connection, alert_id: int, analysis: Analysis) -> None:
    topics = list(dict.fromkeys(analysis.topics))
    if topics:
        conn.execute(insert(alert_topics), [{"alert_id": alert_id, "topic": t} for t in topics])
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
                    "sentence": ev.sentence,
                    "start": ev.start,
                    "end": ev.end,
                    "match": ev.match,
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
                "phrase": deadline.phrase,
                "due_at": due_at,
                "due_has_time": has_time,
                "start": deadline.start,
                "end": deadline.end,
                "reason": deadline.reason,
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
    conn: Connection, item_id: int, title: str, analysis: Analysis, now: datetime
) -> int:
    values = _alert_values(title, analysis)
    result = conn.execute(insert(alerts).values(item_id=item_id, created_at=now, **values))
    alert_id = int(result.inserted_primary_key[0])
    _insert_children(conn, alert_id, analysis)
    _index(conn, alert_id, values["search_text"])
    return alert_id


def replace_alert(
    conn: Connection, alert_id: int, old_body: str, title: str, analysis: Analysis, now: datetime
) -> None:
    """Re-store an edited item's alert: same id and created_at, new everything else."""
    values = _alert_values(title, analysis)
    _unindex(conn, alert_id, old_body)
    for table in (alert_topics, evidence, deadlines):
        conn.execute(delete(table).where(table.c.alert_id == alert_id))
    conn.execute(update(alerts).where(alerts.c.id == alert_id).values(updated_at=now, **values))
    _insert_children(conn, alert_id, analysis)
    _index(conn, alert_id, values["search_text"])


def delete_alert(conn: Connection, alert_id: int, old_body: str) -> None:
    _unindex(conn, alert_id, old_body)
    # Topics, evidence and deadlines go with it (ON DELETE CASCADE).
    conn.execute(delete(alerts).where(alerts.c.id == alert_id))
