"""A minimum score returns what a brute-force filter over every alert returns.

Few alerts pass a high minimum score: those are read through the score index
and sorted; many pass a low one: the newest alerts are walked and checked. Both
plans must give the same rows in the same order as filtering every alert.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from storage_factories import FEED, OTHER, T0, add_feeds, make_item, make_poll

from indicators.types import Level, Status
from monitor.models import Alert, AlertQuery
from monitor.storage import Storage

POLLS = 20
PER_POLL = 3  # alerts of one poll share their creation time: ties order by id
TOPIC = "kosovo-serbia"
INDICATORS = ("shooting", "barricades", "airspace")
THRESHOLDS = (0, 30, 60, 85, 92, 97, 100)
SINCE = T0 + timedelta(hours=POLLS // 2)


@pytest.fixture
def scored(storage: Storage) -> list[Alert]:
    """Sixty alerts with scores spread over 0-100 (a handful above 90); all of them,
    newest first (ties: highest id first), sorted here rather than by the storage."""
    add_feeds(storage, FEED, OTHER)
    rng = random.Random(20230529)
    for poll in range(POLLS):
        items = []
        for n in range(PER_POLL):
            # Mostly 0-89; about one alert in twelve scores 90 or more.
            score = rng.randint(90, 100) if rng.random() < 0.08 else rng.randint(0, 89)
            topics = rng.choice(((TOPIC,), ("russia-ukraine",), (TOPIC, "military"), ()))
            indicator = rng.choice(INDICATORS)
            status = rng.choice((Status.EVENT, Status.BACKGROUND))
            sentence = f"Report {poll}-{n} about {indicator}."
            items.append(
                make_item(
                    f"Alert {poll}-{n}",
                    sentence,
                    guid=f"alert-{poll}-{n}",
                    hits=[(indicator, status, sentence)],
                    topics=topics,
                    score=score,
                    level=Level.WARNING,
                )
            )
        feed = FEED if poll % 3 else OTHER
        storage.record_poll(make_poll(items, feed=feed, at=T0 + timedelta(hours=poll)))
    every = storage.query_alerts(AlertQuery(since=T0 - timedelta(days=1), limit=0))
    assert len(every) == POLLS * PER_POLL
    return sorted(every, key=lambda a: (a.created_at, a.id), reverse=True)


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """The SQL of every statement run meanwhile."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def _brute_force(
    every: list[Alert],
    *,
    min_score: int,
    topic: str | None = None,
    since: datetime | None = None,
    indicator: str | None = None,
    status: str | None = None,
    feed: str | None = None,
    limit: int = 0,
) -> list[int]:
    def passes(alert: Alert) -> bool:
        if alert.score < min_score:
            return False
        if topic is not None and topic not in alert.topics:
            return False
        if since is not None and alert.created_at < since:
            return False
        if feed is not None and feed not in alert.item.feeds:
            return False
        if indicator is not None:
            views = [v for v in alert.indicators if v.id == indicator]
            if not views:
                return False
            if status is not None and not any(e.status == status for e in views[0].evidence):
                return False
        return True

    found = [a.id for a in every if passes(a)]
    return found[:limit] if limit else found


def _ids(storage: Storage, **filters: Any) -> list[int]:
    return [a.id for a in storage.query_alerts(AlertQuery(**filters))]


@pytest.mark.parametrize("limit", [1, 3, 10, 0])
@pytest.mark.parametrize("since", [None, SINCE])
@pytest.mark.parametrize("topic", [None, TOPIC])
def test_min_score_matches_brute_force(
    storage: Storage, scored: list[Alert], topic: str | None, since: datetime | None, limit: int
) -> None:
    for threshold in THRESHOLDS:
        filters: dict[str, Any] = {"min_score": threshold, "topic": topic, "since": since}
        expected = _brute_force(scored, **filters, limit=limit)
        assert _ids(storage, **filters, limit=limit) == expected, threshold
        assert storage.count_alerts(AlertQuery(**filters)) == len(
            _brute_force(scored, **filters)
        ), threshold


@pytest.mark.parametrize("threshold", [40, 92])
def test_min_score_with_indicator_status_and_feed_matches_brute_force(
    storage: Storage, scored: list[Alert], threshold: int
) -> None:
    for indicator in INDICATORS:
        for status in (None, "event", "background"):
            for feed in (None, OTHER):
                filters: dict[str, Any] = {
                    "min_score": threshold,
                    "indicator": indicator,
                    "status": status,
                    "feed": feed,
                }
                expected = _brute_force(scored, **filters, limit=3)
                assert _ids(storage, **filters, limit=3) == expected, filters


def test_high_threshold_reads_the_score_index_and_low_walks(
    storage: Storage, scored: list[Alert], statements: list[str]
) -> None:
    """Both plans are exercised by the comparisons above: with three of sixty
    alerts wanted, a handful of matches is read, dozens are walked."""
    high = 92
    assert 0 < len(_brute_force(scored, min_score=high)) <= 5
    statements.clear()
    assert _ids(storage, min_score=high, limit=3) == _brute_force(scored, min_score=high, limit=3)
    assert any(" AS scored" in s for s in statements)

    low = 30
    assert len(_brute_force(scored, min_score=low)) > 30
    statements.clear()
    assert _ids(storage, min_score=low, limit=3) == _brute_force(scored, min_score=low, limit=3)
    assert not any(" AS scored" in s for s in statements)
