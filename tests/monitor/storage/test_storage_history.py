"""Reading the history: filters, search, deadlines, daily index, digests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from storage_factories import FEED, OTHER, T0, add_feeds, make_item, make_poll

from indicators.types import Level, Status
from monitor.models import AlertQuery
from monitor.storage import Storage

DAY = timedelta(days=1)


@pytest.fixture
def history(storage: Storage) -> dict[str, int]:
    """Five alerts over three days in two feeds; returns their ids by name."""
    add_feeds(storage, FEED, OTHER)
    specs = [
        # name, feed, when, title, body, hits, topics, score, level, deadlines
        (
            "barricades",
            FEED,
            T0,
            "Barricades go up in North Mitrovica",
            "Serbs blocked the main bridge with trucks.",
            [("barricades", Status.EVENT, "Serbs blocked the main bridge with trucks.")],
            ("kosovo-serbia",),
            55,
            Level.WARNING,
            [],
        ),
        (
            "ultimatum",
            FEED,
            T0 + timedelta(hours=5),
            "EU sets deadline for talks",
            "Both sides must agree by 1 June. Talks collapsed last year.",
            [
                ("deadline", Status.EVENT, "Both sides must agree by 1 June."),
                ("talks-collapse", Status.BACKGROUND, "Talks collapsed last year."),
            ],
            ("kosovo-serbia", "diplomacy"),
            40,
            Level.WATCH,
            [("by 1 June", date(2023, 6, 1))],
        ),
        (
            "shooting",
            OTHER,
            T0 + DAY,
            "Shots fired near Zvečan",
            "Police said shots were fired at a patrol in mitrovica. "
            "Residents must leave by 18:00 on Tuesday.",
            [("shooting", Status.EVENT, "Police said shots were fired at a patrol in mitrovica.")],
            ("kosovo-serbia",),
            85,
            Level.CRITICAL,
            [("by 18:00 on Tuesday", datetime(2023, 5, 30, 18, 0, tzinfo=UTC))],
        ),
        (
            "history",
            OTHER,
            T0 + DAY + timedelta(hours=1),
            "Anniversary of 2011 clashes",
            "Talks collapsed in 2011 after shootings. New talks soon.",
            [("talks-collapse", Status.BACKGROUND, "Talks collapsed in 2011 after shootings.")],
            ("history",),
            10,
            Level.INFO,
            [("soon", None)],
        ),
        (
            "airspace",
            FEED,
            T0 + 2 * DAY,
            "Drone over Jarinje",
            "A drone violated the airspace.",
            [("airspace", Status.EVENT, "A drone violated the airspace.")],
            ("kosovo-serbia", "military"),
            70,
            Level.WARNING,
            [],
        ),
    ]
    ids: dict[str, int] = {}
    for n, (name, feed, when, title, body, hits, topics, score, level, deadlines) in enumerate(
        specs
    ):
        item = make_item(
            title,
            body,
            guid=name,
            link=f"https://example.org/{name}",
            hits=hits,
            topics=topics,
            score=score,
            level=level,
            deadlines=deadlines,
        )
        storage.record_poll(make_poll([item], feed=feed, at=when - timedelta(seconds=2)))
        [alert] = storage.query_alerts(AlertQuery(limit=1))
        assert alert.item.title == title, n
        ids[name] = alert.id
    return ids


def _names(storage: Storage, ids: dict[str, int], **filters: object) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    q = AlertQuery(limit=0, **filters)  # type: ignore[arg-type]
    found = [by_id[a.id] for a in storage.query_alerts(q)]
    assert storage.count_alerts(q) == len(found)
    return found


ALL_NEWEST_FIRST = ["airspace", "history", "shooting", "ultimatum", "barricades"]


def test_no_filter_lists_newest_first_and_limit_cuts(
    storage: Storage, history: dict[str, int]
) -> None:
    assert _names(storage, history) == ALL_NEWEST_FIRST
    assert [a.id for a in storage.query_alerts(AlertQuery(limit=2))] == [
        history["airspace"],
        history["history"],
    ]


def test_equal_creation_times_order_by_id_descending(storage: Storage) -> None:
    add_feeds(storage)
    hit = [("barricades", Status.EVENT, "Roads blocked.")]
    items = [make_item(f"Item {n}", "Roads blocked.", guid=str(n), hits=hit) for n in range(3)]
    storage.record_poll(make_poll(items))
    ids = [a.id for a in storage.query_alerts(AlertQuery())]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3


def test_time_filters(storage: Storage, history: dict[str, int]) -> None:
    assert _names(storage, history, since=T0 + DAY) == ["airspace", "history", "shooting"]
    assert _names(storage, history, until=T0 + DAY) == ["ultimatum", "barricades"]
    assert _names(storage, history, since=T0 + timedelta(hours=1), until=T0 + DAY + DAY) == [
        "history",
        "shooting",
        "ultimatum",
    ]


def test_indicator_and_status_filters(storage: Storage, history: dict[str, int]) -> None:
    assert _names(storage, history, indicator="talks-collapse") == ["history", "ultimatum"]
    assert _names(storage, history, indicator="talks-collapse", status="event") == []
    assert _names(storage, history, indicator="deadline", status="event") == ["ultimatum"]
    assert _names(storage, history, status="background") == ["history", "ultimatum"]
    assert _names(storage, history, status="event") == [
        "airspace",
        "shooting",
        "ultimatum",
        "barricades",
    ]
    assert _names(storage, history, indicator="no-such-indicator") == []


def test_topic_score_level_feed_filters(storage: Storage, history: dict[str, int]) -> None:
    assert _names(storage, history, topic="military") == ["airspace"]
    assert _names(storage, history, topic="kosovo-serbia") == [
        "airspace",
        "shooting",
        "ultimatum",
        "barricades",
    ]
    assert _names(storage, history, min_score=55) == ["airspace", "shooting", "barricades"]
    assert _names(storage, history, level="warning") == ["airspace", "barricades"]
    assert _names(storage, history, feed=OTHER) == ["history", "shooting"]
    assert _names(storage, history, feed="https://unknown.example/rss") == []


def test_has_deadline_filter(storage: Storage, history: dict[str, int]) -> None:
    assert _names(storage, history, has_deadline=True) == ["history", "shooting", "ultimatum"]
    assert _names(storage, history, has_deadline=False) == ["airspace", "barricades"]


def test_filters_combine(storage: Storage, history: dict[str, int]) -> None:
    assert _names(
        storage, history, topic="kosovo-serbia", min_score=50, since=T0 + DAY, status="event"
    ) == ["airspace", "shooting"]
    assert _names(storage, history, feed=FEED, level="watch", has_deadline=True) == ["ultimatum"]


def test_search_covers_titles_and_evidence_whatever_the_case_diacritics_or_script(
    storage: Storage, history: dict[str, int]
) -> None:
    # "North Mitrovica" in a title, "mitrovica" in an evidence sentence.
    assert _names(storage, history, search="Mitrovica") == ["shooting", "barricades"]
    assert _names(storage, history, search="MITROVICA patrol") == ["shooting"]
    assert _names(storage, history, search="zvečan") == ["shooting"]
    # Folded as the rules fold text: without diacritics, in Cyrillic, in capitals.
    assert _names(storage, history, search="Zvecan") == ["shooting"]
    assert _names(storage, history, search="Звечан") == ["shooting"]
    assert _names(storage, history, search="ZVEČAN shots") == ["shooting"]
    assert _names(storage, history, search="drone airspace") == ["airspace"]
    assert _names(storage, history, search="Belgrade") == []
    # Words only: query syntax in the search text is not interpreted.
    assert _names(storage, history, search='talks" OR "drone') == []
    assert _names(storage, history, search="***") == []
    assert _names(storage, history, search="collapsed", min_score=20) == ["ultimatum"]


def test_views_carry_provenance(storage: Storage, history: dict[str, int]) -> None:
    [alert] = storage.query_alerts(AlertQuery(topic="diplomacy"))
    assert (alert.score, alert.level, alert.topics) == (40, "watch", ("kosovo-serbia", "diplomacy"))
    assert alert.created_at == T0 + timedelta(hours=5)
    assert alert.explanation == "40 (watch): indicators +40.0"
    assert alert.contributions == ({"label": "indicators", "points": 40.0, "detail": "test"},)
    statuses = {i.id: i.status for i in alert.indicators}
    assert statuses == {"deadline": "event", "talks-collapse": "background"}
    evidence = alert.indicators[0].evidence[0]
    assert evidence.sentence == "Both sides must agree by 1 June."
    assert alert.item.text is None  # only get_alert loads the text
    full = storage.get_alert(alert.id)
    assert full is not None and full.item.text is not None
    assert full.item.text[evidence.start : evidence.end] == evidence.sentence
    assert full.item.feeds == (FEED,)
    assert full.deadlines[0].due == date(2023, 6, 1)
    assert storage.get_alert(10_000_000) is None


def test_deadlines(storage: Storage, history: dict[str, int]) -> None:
    now = datetime(2023, 5, 30, 12, 0, tzinfo=UTC)
    upcoming = storage.list_deadlines(upcoming=True, now=now)
    assert [(d.phrase, d.due) for d in upcoming] == [
        ("by 18:00 on Tuesday", datetime(2023, 5, 30, 18, 0, tzinfo=UTC)),
        ("by 1 June", date(2023, 6, 1)),
    ]
    assert upcoming[0].item_title == "Shots fired near Zvečan"
    assert upcoming[0].alert_id == history["shooting"]
    # A date-only deadline stays upcoming for its whole day; a timed one ends on time.
    on_the_day = storage.list_deadlines(upcoming=True, now=datetime(2023, 6, 1, 23, tzinfo=UTC))
    assert [d.phrase for d in on_the_day] == ["by 1 June"]
    every = storage.list_deadlines(upcoming=False, now=now)
    assert [d.phrase for d in every] == ["by 1 June", "by 18:00 on Tuesday", "soon"]
    assert every[-1].due is None and not every[-1].resolved


def test_daily_index(storage: Storage, history: dict[str, int]) -> None:
    start = date(2023, 5, 28)
    assert storage.daily_index(topic=None, start=start, end=date(2023, 6, 1)) == [
        (date(2023, 5, 28), 0.0),
        (date(2023, 5, 29), 95.0),
        (date(2023, 5, 30), 95.0),
        (date(2023, 5, 31), 70.0),
        (date(2023, 6, 1), 0.0),
    ]
    assert storage.daily_index(topic="kosovo-serbia", start=start, end=date(2023, 5, 30)) == [
        (date(2023, 5, 28), 0.0),
        (date(2023, 5, 29), 95.0),
        (date(2023, 5, 30), 85.0),
    ]


def test_alerts_since_and_totals(storage: Storage, history: dict[str, int]) -> None:
    counts = storage.alerts_since(T0 + 2 * DAY, 24)
    assert counts == {"info": 1, "watch": 0, "warning": 1, "critical": 0}
    assert storage.totals() == {"feeds": 2, "items": 5, "alerts": 5}
    last = storage.last_poll()
    assert last is not None and last.feed_url == FEED and last.finished_at == T0 + 2 * DAY


def test_digest_is_delivered_once_per_day_and_channel(storage: Storage) -> None:
    day = date(2023, 5, 29)
    assert storage.digest_delivered(day, "file") is False
    assert storage.mark_digest_delivered(day, "file", "/tmp/d.md", T0) is True
    assert storage.digest_delivered(day, "file") is True
    assert storage.mark_digest_delivered(day, "file", "/tmp/other.md", T0) is False
    assert storage.digest_delivered(day, "email") is False
    assert storage.mark_digest_delivered(day, "email", "ops@example.org", T0) is True
    assert storage.digest_delivered(day + DAY, "file") is False
