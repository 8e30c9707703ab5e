"""Test data: analyses built from the engine's types, items and polls."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from indicators.types import (
    Analysis,
    Contribution,
    Deadline,
    Evidence,
    IndicatorResult,
    Level,
    ScoreCard,
    Status,
    compose_text,
)
from monitor.models import FeedSpec, FeedStatus, IngestItem, PollRecord
from monitor.storage import Storage
from monitor.storage.tables import metadata

PG_URL = os.environ.get("MONITOR_TEST_PG_URL")
NO_PG = (
    "PostgreSQL tests need MONITOR_TEST_PG_URL, "
    "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

T0 = datetime(2023, 5, 29, 8, 0, tzinfo=UTC)
FEED = "https://news.example.org/rss"
OTHER = "https://other.example.net/feed.xml"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def make_analysis(
    text: str,
    hits: Sequence[tuple[str, Status, str]],
    *,
    topics: Sequence[str] = ("kosovo-serbia",),
    score: int = 60,
    level: Level = Level.WARNING,
    deadlines: Sequence[tuple[str, date | datetime | None]] = (),
) -> Analysis:
    """``hits`` are (indicator id, status, sentence); each sentence must occur in ``text``."""
    by_indicator: dict[str, list[Evidence]] = {}
    for indicator_id, status, sentence in hits:
        start = text.index(sentence)
        word_end = start + len(sentence.split()[0])
        by_indicator.setdefault(indicator_id, []).append(
            Evidence(
                indicator_id=indicator_id,
                rule_version="1",
                status=status,
                sentence=sentence,
                start=start,
                end=start + len(sentence),
                match=text[start:word_end],
                match_spans=((start, word_end),),
                sentence_index=len(by_indicator.get(indicator_id, [])),
                reasons=("present tense",) if status is Status.EVENT else ("reported history",),
            )
        )
    results = tuple(
        IndicatorResult(
            id=indicator_id,
            title=indicator_id.replace("-", " ").title(),
            status=Status.EVENT
            if any(e.status is Status.EVENT for e in evs)
            else Status.BACKGROUND,
            score=10.0 * len(evs),
            evidence=tuple(evs),
        )
        for indicator_id, evs in by_indicator.items()
    )
    deadline_objs = tuple(
        Deadline(phrase=p, start=text.index(p), end=text.index(p) + len(p), due=due, reason="test")
        for p, due in deadlines
    )
    card = ScoreCard(
        score=score,
        level=level,
        contributions=(Contribution(label="indicators", points=float(score), detail="test"),),
    )
    return Analysis(
        text=text, indicators=results, deadlines=deadline_objs, topics=tuple(topics), score=card
    )


def make_item(
    title: str,
    body: str = "",
    *,
    guid: str | None = None,
    link: str | None = None,
    hits: Sequence[tuple[str, Status, str]] = (),
    published: datetime | None = T0,
    **analysis_args: Any,
) -> IngestItem:
    text = compose_text(title, body)
    analysis = make_analysis(text, hits, **analysis_args) if hits else None
    return IngestItem(
        guid=guid,
        link=link,
        title=title,
        published=published,
        text=text,
        content_hash=digest(text),
        analysis=analysis,
    )


def make_poll(
    items: Sequence[IngestItem] = (), *, feed: str = FEED, at: datetime = T0, **kwargs: Any
) -> PollRecord:
    values: dict[str, Any] = {
        "feed_url": feed,
        "started_at": at,
        "finished_at": at + timedelta(seconds=2),
        "status": FeedStatus.OK,
        "next_poll_at": at + timedelta(minutes=15),
        "http_status": 200,
        "bytes": 1234,
        "items": tuple(items),
    }
    values.update(kwargs)
    return PollRecord(**values)


def add_feeds(storage: Storage, *urls: str) -> None:
    storage.upsert_feeds([FeedSpec(url=u) for u in urls or (FEED,)], 900, now=T0)


def snapshot(storage: Storage) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that an operation changed nothing."""
    out = {}
    with storage._engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(row) for row in rows]
    return out
