"""Several processes on one database: ingest and query plans that hold at scale."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, select
from storage_factories import FEED, OTHER, T0, add_feeds, make_item, make_poll

from indicators.types import Status
from monitor.models import AlertQuery
from monitor.storage import Storage, open_storage, query

HIT = [("barricades", Status.EVENT, "Trucks blocked the bridge in Mitrovica.")]


def test_two_daemons_storing_one_article_from_two_feeds_make_one_alert(db_url: str) -> None:
    with open_storage(db_url) as setup:
        add_feeds(setup, FEED, OTHER)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def store(feed: str, n: int) -> None:
        try:
            with open_storage(db_url) as storage:
                items = [
                    make_item(
                        f"Barricades, part {k}",
                        "Trucks blocked the bridge in Mitrovica.",
                        guid=f"{feed}-{k}",
                        link=f"https://wire.example/story/{k}",
                        hits=HIT,
                    )
                    for k in range(n)
                ]
                barrier.wait()
                storage.record_poll(make_poll(items, feed=feed))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(feed, 20)) for feed in (FEED, OTHER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with open_storage(db_url) as storage:
        assert storage.totals() == {"feeds": 2, "items": 20, "alerts": 20}
        for alert in storage.query_alerts(AlertQuery(limit=0)):
            assert set(alert.item.feeds) == {FEED, OTHER}
        assert storage.count_alerts(AlertQuery(feed=OTHER)) == 20


def test_both_search_strategies_agree(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    add_feeds(storage, FEED, OTHER)
    items = [
        make_item(
            f"Report {n} from {'Mitrovica' if n % 3 else 'Pristina'}",
            "Trucks blocked the bridge in Mitrovica." if n % 2 else "Calm day.",
            guid=str(n),
            hits=HIT if n % 2 else [("calm", Status.BACKGROUND, "Calm day.")],
            topics=("kosovo-serbia",) if n % 4 else ("other",),
        )
        for n in range(30)
    ]
    storage.record_poll(make_poll(items[:15], feed=FEED))
    storage.record_poll(make_poll(items[15:], feed=OTHER, at=T0 + timedelta(hours=1)))
    queries = [
        AlertQuery(search="mitrovica", limit=5),
        AlertQuery(search="mitrovica bridge", limit=0),
        AlertQuery(search="Pristina", topic="other", limit=3),
        AlertQuery(search="report", indicator="calm", feed=OTHER, limit=4),
    ]

    def run() -> list[list[int]]:
        return [[a.id for a in storage.query_alerts(q)] for q in queries]

    # Reading every match, then walking alerts and checking each: same answers.
    monkeypatch.setattr(query, "_PROBE_COST", 10**12)
    monkeypatch.setattr(query, "_PG_CHECK_COST", 10**12)
    materialised = run()
    monkeypatch.setattr(query, "_PROBE_COST", 0)
    monkeypatch.setattr(query, "_PG_CHECK_COST", 0)
    assert run() == materialised
    assert [len(ids) for ids in materialised] == [5, 15, 3, 4]


def test_searches_without_a_limit_measure_nothing_first(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counts read every match anyway: no match count or estimate chooses a strategy."""
    add_feeds(storage)
    storage.record_poll(
        make_poll(
            [
                make_item(f"Bridge {n}", "Trucks blocked the bridge in Mitrovica.", hits=HIT)
                for n in range(3)
            ]
        )
    )

    def refuse(*args: object) -> None:
        raise AssertionError("measured a search that has no limit")

    monkeypatch.setattr(query, "_fts_matches", refuse)
    monkeypatch.setattr(query, "_estimated_rows", refuse)
    assert storage.count_alerts(AlertQuery(search="mitrovica")) == 3
    assert len(storage.query_alerts(AlertQuery(search="bridge", limit=0))) == 3
    # With a limit it does measure (the patch above is what the first two avoided).
    with pytest.raises(AssertionError, match="measured a search"):
        storage.query_alerts(AlertQuery(search="bridge", limit=2))


def _sqlite_plan(conn: Connection, q: AlertQuery) -> list[str]:
    plan = query._plan(conn, q)
    statement = (
        select(plan.ref)
        .select_from(query._source(plan))
        .where(*plan.where)
        .order_by(plan.created_at.desc(), plan.ref.desc())
        .limit(50)
    )
    sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
    return [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]


def test_sqlite_filters_walk_an_index_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each single filter reads matching alerts newest first from one index, without
    sorting: the property that keeps them fast with a million alerts."""
    # Walk even for a minimum score that few alerts pass (checked below).
    monkeypatch.setattr(query, "_few_scored", lambda conn, q: False)
    with open_storage(f"sqlite:///{tmp_path / 'm.db'}") as storage:
        add_feeds(storage)
        queries = [
            AlertQuery(),
            AlertQuery(since=T0),
            AlertQuery(indicator="barricades"),
            AlertQuery(indicator="barricades", status="event"),
            AlertQuery(topic="kosovo-serbia"),
            AlertQuery(feed=FEED),
            AlertQuery(level="critical"),
            AlertQuery(min_score=90),
            AlertQuery(has_deadline=True),
            AlertQuery(status="background"),
            AlertQuery(topic="military", min_score=60, since=T0),
        ]
        with storage._engine.connect() as conn:
            for q in queries:
                steps = _sqlite_plan(conn, q)
                assert not any("TEMP B-TREE" in step for step in steps), (q, steps)
                assert "INDEX" in steps[0], (q, steps)


def test_sqlite_reads_few_high_scores_through_the_score_index(tmp_path: Path) -> None:
    """When few alerts pass the minimum score, they are found by the score index
    and read by id (then sorted), whatever other filter could have driven a walk."""
    with open_storage(f"sqlite:///{tmp_path / 'm.db'}") as storage:
        add_feeds(storage)
        with storage._engine.connect() as conn:
            for q in (
                AlertQuery(min_score=90, limit=50),
                AlertQuery(topic="kosovo-serbia", min_score=90, since=T0, limit=50),
                AlertQuery(indicator="barricades", status="event", min_score=90, limit=50),
            ):
                steps = _sqlite_plan(conn, q)
                assert "INTEGER PRIMARY KEY" in steps[0], (q, steps)
                assert any("ix_alerts_score_created_at" in step for step in steps), (q, steps)


def test_one_storage_serves_several_threads(storage: Storage) -> None:
    feeds = [f"https://feeds.example/{n}.xml" for n in range(4)]
    add_feeds(storage, *feeds)
    errors: list[BaseException] = []

    def work(feed: str) -> None:
        try:
            for k in range(5):
                item = make_item(
                    f"{feed} story {k}", "Trucks blocked the bridge in Mitrovica.", hits=HIT
                )
                storage.record_poll(make_poll([item], feed=feed, at=T0 + timedelta(minutes=k)))
                storage.query_alerts(AlertQuery(feed=feed))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(feed,)) for feed in feeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert storage.count_alerts(AlertQuery()) == 20
    assert {f.url: f.items for f in storage.list_feeds()} == dict.fromkeys(feeds, 5)
