"""Turning an :class:`AlertQuery` into SQL that stays fast with a million alerts.

Alerts are always read newest first. A query walks one *driver* index in that
order and stops at its limit: the (value, created_at) index of the topic,
indicator or feed filter table when the query has such a filter, else the
alerts table's own indexes. The other filters are checked per candidate.
Filters that few alerts pass (rare search words, high minimum scores) are
read whole through their own index and sorted instead: walking would check
most of the history before finding enough.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    column,
    exists,
    false,
    func,
    literal_column,
    select,
    table,
)

from monitor.models import AlertQuery
from monitor.storage.keys import fts5_query, search_words
from monitor.storage.tables import alert_feeds, alert_indicators, alert_topics, alerts, feeds

_SIMPLE = literal_column("'simple'::regconfig")
# The SQLite full-text table (created by the migration, not the metadata), for expressions.
_fts = table("alerts_fts", column("rowid", Integer), column("alerts_fts"))
# Measured with bench/history.py on a million alerts: checking one alert against a
# full-text query (~100 µs) costs some 50-80 times reading and sorting one match.
_PROBE_COST = 80
# On PostgreSQL (same bench) checking an alert's text while walking costs about
# as much as reading a match through the GIN index.
_PG_CHECK_COST = 2
# Measured the same way: reading one alert that passes a minimum score through
# ix_alerts_score_created_at (its row found by id, then sorted; ~2.7 µs) costs
# about as much as checking six alerts' scores while walking (~0.45 µs each).
_SCORE_READ_COST = 6


@dataclass
class _Plan:
    """A query over one driving table, walked newest first.

    With a topic, indicator or feed filter the driver is that filter's table,
    whose (value, created_at) index yields the matching alerts already in
    order; the other filters are checked per candidate. Without one, the
    driver is ``alerts`` itself.
    """

    source: Any
    ref: Any  # the alert id column of the driver
    created_at: Any
    needs_alerts: bool = False
    where: list[ColumnElement[bool]] = field(default_factory=list)


def _driver(q: AlertQuery, *, by_score: bool) -> _Plan:
    """``by_score``: few alerts pass the minimum score; they drive, read by id."""
    if by_score:
        return _Plan(alerts, alerts.c.id, alerts.c.created_at, needs_alerts=True)
    if q.indicator is not None:
        t = alert_indicators
    elif q.feed is not None:
        t = alert_feeds
    elif q.topic is not None:
        t = alert_topics
    else:
        return _Plan(alerts, alerts.c.id, alerts.c.created_at, needs_alerts=True)
    return _Plan(t, t.c.alert_id, t.c.created_at)


def _status_filter(q: AlertQuery, table: Any) -> ColumnElement[bool] | None:
    """``table`` is alert_indicators (one indicator's evidence) or alerts (any evidence)."""
    if q.status is None:
        return None
    if q.status == "event":
        return table.c.has_event.is_(True)
    if q.status == "background":
        return table.c.has_background.is_(True)
    return false()  # no evidence has another status


def _feed_id(url: str) -> Any:
    return select(feeds.c.id).where(feeds.c.url == url).scalar_subquery()


def _walk(limit: int, total: int, matches: float, check_cost: float) -> bool:
    """Whether to walk alerts newest first, checking each, rather than read every match.

    Walking checks about ``limit * total / matches`` alerts before it has enough;
    reading costs one unit per match. Walk when that is cheaper.
    """
    return bool(limit) and limit * total * check_cost < matches * matches


def _search(conn: Connection, plan: _Plan, phrase: str, limit: int) -> None:
    words = search_words(phrase)
    if not words:
        plan.where.append(false())
        return
    # Without a limit (counts, full exports) every match is read anyway: there is
    # no strategy to choose, so the sizes that choose it are not measured.
    if conn.dialect.name == "sqlite":
        match = _fts.c.alerts_fts.op("MATCH")(fts5_query(words))
        if limit and _walk(limit, _total(conn), _fts_matches(conn, match), _PROBE_COST):
            plan.where.append(exists().where(_fts.c.rowid == plan.ref, match))
        else:
            plan.where.append(plan.ref.in_(select(_fts.c.rowid).where(match)))
        return
    # Same expression as the GIN index ix_alerts_search, so the index serves it.
    vector = func.to_tsvector(_SIMPLE, alerts.c.search_text)
    match = vector.op("@@")(func.plainto_tsquery(_SIMPLE, " ".join(words)))
    matching = select(alerts.c.id).where(match)
    # Counting matches exactly would cost as much as the query; the planner's
    # estimate (from the index statistics) is enough to choose.
    if limit and _walk(limit, _total(conn), _estimated_rows(conn, matching), _PG_CHECK_COST):
        plan.where.append(match)
        plan.needs_alerts = True
    else:
        # MATERIALIZED: read the matches from the GIN index, not by walking dates.
        found = matching.cte("search_matches").prefix_with("MATERIALIZED")
        plan.where.append(plan.ref.in_(select(found.c.id)))


def _few_scored(conn: Connection, q: AlertQuery) -> bool:
    """Whether reading every alert that passes the minimum score beats walking."""
    if q.min_score is None or not q.limit:
        return False
    # Walking checks about limit * total / matches alerts, reading costs
    # _SCORE_READ_COST per match: walk from sqrt(limit * total / cost) matches
    # on. The count stops there, so it reads at most that many index entries.
    bound = math.isqrt(q.limit * _total(conn) // _SCORE_READ_COST) + 1
    return _counted(conn, select(alerts.c.id).where(alerts.c.score >= q.min_score), bound) < bound


def _read_scored(conn: Connection, plan: _Plan, q: AlertQuery) -> None:
    """Keep the alerts scoring at least ``q.min_score``, read through the score index."""
    assert q.min_score is not None
    # An alias of its own: the subquery must not be correlated with the outer alerts.
    scored = alerts.alias("scored")
    matching = select(scored.c.id).where(scored.c.score >= q.min_score)
    # The date bounds are checked in the index too: fewer rows to read by id.
    if q.since is not None:
        matching = matching.where(scored.c.created_at >= q.since)
    if q.until is not None:
        matching = matching.where(scored.c.created_at < q.until)
    if conn.dialect.name == "postgresql":
        # MATERIALIZED: read the matches from the score index, not by walking dates.
        found = matching.cte("score_matches").prefix_with("MATERIALIZED")
        plan.where.append(plan.ref.in_(select(found.c.id)))
    else:
        plan.where.append(plan.ref.in_(matching))


def _counted(conn: Connection, statement: Any, bound: int) -> int:
    """How many rows ``statement`` yields, counting no further than ``bound``."""
    first = statement.limit(bound).subquery()
    return int(conn.execute(select(func.count()).select_from(first)).scalar_one())


def _total(conn: Connection) -> int:
    """About how many alerts there are: the highest id (deleted alerts included)."""
    return conn.execute(select(func.max(alerts.c.id))).scalar() or 0


def _fts_matches(conn: Connection, match: ColumnElement[bool]) -> int:
    return int(conn.execute(select(func.count()).select_from(_fts).where(match)).scalar_one())


def _estimated_rows(conn: Connection, statement: Any) -> float:
    compiled = statement.compile(dialect=conn.dialect)
    plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def _plan(conn: Connection, q: AlertQuery) -> _Plan:
    by_score = _few_scored(conn, q)
    plan = _driver(q, by_score=by_score)
    if q.since is not None:
        plan.where.append(plan.created_at >= q.since)
    if q.until is not None:
        plan.where.append(plan.created_at < q.until)
    if q.indicator is not None:
        # Evidence of this indicator, with this status if one is given.
        evidence = [alert_indicators.c.indicator_id == q.indicator]
        status = _status_filter(q, alert_indicators)
        if status is not None:
            evidence.append(status)
        if plan.source is alert_indicators:
            plan.where += evidence
        else:
            plan.where.append(exists().where(alert_indicators.c.alert_id == plan.ref, *evidence))
    elif q.status is not None:
        status = _status_filter(q, alerts)
        assert status is not None
        plan.where.append(status)
        plan.needs_alerts = True
    if q.feed is not None:
        if plan.source is alert_feeds:
            plan.where.append(alert_feeds.c.feed_id == _feed_id(q.feed))
        else:
            plan.where.append(
                exists().where(
                    alert_feeds.c.alert_id == plan.ref, alert_feeds.c.feed_id == _feed_id(q.feed)
                )
            )
    if q.topic is not None:
        if plan.source is alert_topics:
            plan.where.append(alert_topics.c.topic == q.topic)
        else:
            plan.where.append(
                exists().where(alert_topics.c.alert_id == plan.ref, alert_topics.c.topic == q.topic)
            )
    if by_score:
        _read_scored(conn, plan, q)
    elif q.min_score is not None:
        plan.where.append(alerts.c.score >= q.min_score)
        plan.needs_alerts = True
    if q.level is not None:
        plan.where.append(alerts.c.level == q.level)
        plan.needs_alerts = True
    if q.search:
        _search(conn, plan, q.search, q.limit)
    if q.has_deadline is not None:
        plan.where.append(alerts.c.has_deadline.is_(q.has_deadline))
        plan.needs_alerts = True
    return plan


def _source(plan: _Plan) -> Any:
    if plan.needs_alerts and plan.source is not alerts:
        return plan.source.join(alerts, alerts.c.id == plan.ref)
    return plan.source


def query_ids(conn: Connection, q: AlertQuery) -> list[int]:
    plan = _plan(conn, q)
    query = (
        select(plan.ref)
        .select_from(_source(plan))
        .where(*plan.where)
        .order_by(plan.created_at.desc(), plan.ref.desc())
    )
    if q.limit:
        query = query.limit(q.limit)
    return [int(i) for i in conn.execute(query).scalars()]


def count(conn: Connection, q: AlertQuery) -> int:
    plan = _plan(conn, replace(q, limit=0))
    query = select(func.count()).select_from(_source(plan)).where(*plan.where)
    return int(conn.execute(query).scalar_one())
