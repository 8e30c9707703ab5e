"""The daily digest: what it contains (:class:`DigestData`) and its plain-text form.

:func:`build_digest_data` is the only function here that reads anything: it
asks storage for the period's alerts, the upcoming deadlines, the daily index
per topic and the feeds. Everything else is pure: :func:`monitor.digest_text.render_text`,
:func:`monitor.digest_html.render_html` and
:func:`monitor.charts.render_chart_png` for the trend chart take a
:class:`DigestData` and return a string or bytes, so they can be tested and
previewed without a database.

Every piece of feed content (titles, names, links, sentences) is untrusted:
the text form passes it through :mod:`monitor.textsafe`, the HTML form through
:func:`html.escape`. Times are stored in UTC and shown in the digest's timezone.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from indicators.types import Level
from monitor.charts import dense
from monitor.digest_schedule import digest_period, latest_due_day
from monitor.models import Alert, AlertQuery, DeadlineView, EvidenceView, Feed, FeedStatus
from monitor.settings import EmailConfig
from monitor.textsafe import single_line

if TYPE_CHECKING:
    from monitor.settings import DigestConfig

NO_TOPIC = "other"
ALL_TOPICS = "all topics"


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """``[digest]``: when the digest is made, what it shows and where it goes."""

    time: time = time(7, 0)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    folder: Path | None = Path("digests")  # None: no file delivery
    email: EmailConfig | None = None
    min_score: int = 0
    max_alerts: int = 100
    silent_days: int = 3
    catch_up_days: int = 7
    trend_days: int = 30
    trend_topics: tuple[str, ...] = ()  # empty: the topics of the period's alerts
    max_trend_topics: int = 6
    evidence_per_indicator: int = 3
    max_upcoming_deadlines: int = 30

    def __post_init__(self) -> None:
        for name in ("max_alerts", "silent_days", "trend_days", "max_trend_topics"):
            if getattr(self, name) < 1:
                raise ValueError(f"digest.{name} must be at least 1")
        if self.catch_up_days < 0:
            raise ValueError("digest.catch_up_days must be at least 0")

    @classmethod
    def from_config(cls, config: DigestConfig) -> DigestSettings:
        """Map the validated ``[digest]`` section of the settings file."""
        return cls(
            time=config.time,
            timezone=config.tz,
            folder=config.folder if config.to_file else None,
            email=config.email,
            min_score=config.min_score,
            max_alerts=config.max_alerts,
            silent_days=config.silent_days,
            catch_up_days=config.catch_up_days,
        )


class DigestSource(Protocol):
    """The storage methods a digest reads (a subset of ``monitor.storage.Storage``)."""

    def query_alerts(self, query: AlertQuery) -> list[Alert]: ...

    def list_deadlines(self, *, upcoming: bool, now: datetime) -> list[DeadlineView]: ...

    def daily_index(
        self, *, topic: str | None, start: date, end: date
    ) -> list[tuple[date, float]]: ...

    def list_feeds(self) -> list[Feed]: ...


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """A feed that needs attention: ``problem`` is failing, backoff, gone or silent."""

    feed: Feed
    problem: str
    detail: str


@dataclass(frozen=True, slots=True)
class DigestCounts:
    alerts: int  # alerts in the period, before the max_alerts cut
    shown: int
    by_level: Mapping[str, int]
    by_topic: Mapping[str, int]
    by_indicator: Mapping[str, int]  # event indicators only
    deadlines_announced: int
    deadlines_upcoming: int
    feeds: int
    feeds_unhealthy: int


@dataclass(frozen=True, slots=True)
class DigestData:
    """Everything a digest shows; built by :func:`build_digest_data`, rendered by pure functions."""

    day: date
    period_start: datetime  # UTC, included
    period_end: datetime  # UTC, excluded
    generated_at: datetime
    tz: ZoneInfo
    alerts: tuple[Alert, ...]  # ranked, at most max_alerts
    deadlines_announced: tuple[DeadlineView, ...]
    deadlines_upcoming: tuple[DeadlineView, ...]
    trend: Mapping[str, tuple[tuple[date, float], ...]]
    feeds: tuple[Feed, ...]
    feed_health: tuple[FeedHealth, ...]
    counts: DigestCounts
    indicator_titles: Mapping[str, str] = field(default_factory=dict)
    evidence_per_indicator: int = 3

    @property
    def highest_level(self) -> str | None:
        levels = [alert.level for alert in self.alerts]
        return max(levels, key=level_rank) if levels else None

    def indicator_title(self, indicator_id: str) -> str:
        return self.indicator_titles.get(indicator_id) or indicator_id.replace("_", " ")


# -- ranking and grouping ----------------------------------------------------------


def level_rank(level: str) -> int:
    try:
        return Level(level).rank
    except ValueError:
        return -1


def rank_alerts(alerts: Sequence[Alert]) -> list[Alert]:
    """Highest score first; ties by level, then the newest first."""
    return sorted(
        alerts,
        key=lambda a: (-a.score, -level_rank(a.level), -a.created_at.timestamp(), a.id),
    )


def primary_topic(alert: Alert) -> str:
    return alert.topics[0] if alert.topics else NO_TOPIC


def primary_indicator(alert: Alert) -> str:
    """The indicator an alert is filed under: its strongest event, else its strongest match."""
    if not alert.indicators:
        return ""
    return max(alert.indicators, key=lambda i: (i.status == "event", i.score)).id


@dataclass(frozen=True, slots=True)
class AlertGroup:
    topic: str
    indicator: str
    alerts: tuple[Alert, ...]


def group_alerts(alerts: Sequence[Alert]) -> list[AlertGroup]:
    """Alerts by (primary topic, primary indicator), each alert once.

    Topics come in the order of their best alert, indicators within a topic
    likewise, alerts by rank; so the first group holds the top alert.
    """
    ranked = rank_alerts(alerts)
    groups: dict[tuple[str, str], list[Alert]] = {}
    topic_order: dict[str, int] = {}
    for position, alert in enumerate(ranked):
        topic = primary_topic(alert)
        topic_order.setdefault(topic, position)
        groups.setdefault((topic, primary_indicator(alert)), []).append(alert)
    ordered = sorted(
        groups.items(),
        key=lambda kv: (topic_order[kv[0][0]], ranked.index(kv[1][0])),
    )
    return [AlertGroup(topic, indicator, tuple(items)) for (topic, indicator), items in ordered]


# -- small pure helpers shared by the text and HTML forms ----------------------------


def highlight_segments(evidence: EvidenceView) -> list[tuple[str, bool]]:
    """The sentence cut into ``(text, matched)`` pieces.

    ``match_spans`` are offsets in the item text, like ``start``/``end``; they
    are made relative to the sentence, clipped to it and merged. Spans that
    fall outside the sentence are ignored rather than trusted.
    """
    sentence = evidence.sentence
    spans = sorted(
        (max(s - evidence.start, 0), min(e - evidence.start, len(sentence)))
        for s, e in evidence.match_spans
    )
    merged: list[list[int]] = []
    for start, end in spans:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[tuple[str, bool]] = []
    cursor = 0
    for start, end in merged:
        if start > cursor:
            pieces.append((sentence[cursor:start], False))
        pieces.append((sentence[start:end], True))
        cursor = end
    if cursor < len(sentence) or not pieces:
        pieces.append((sentence[cursor:], False))
    return pieces


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL without spaces or controls, else None."""
    if not url or any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def local_time(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return "unknown"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def due_day(due: date | datetime, tz: ZoneInfo) -> date:
    if isinstance(due, datetime):
        return due.astimezone(tz).date() if due.tzinfo else due.date()
    return due


def due_label(deadline: DeadlineView, day: date, tz: ZoneInfo) -> str:
    """When a deadline falls, relative to the digest day: ``in 3 days``, ``today``..."""
    if deadline.due is None:
        return "date not stated"
    due = deadline.due
    shown = local_time(due, tz) if isinstance(due, datetime) else due.isoformat()
    days = (due_day(due, tz) - day).days
    if days == 0:
        relative = "today"
    elif days == 1:
        relative = "tomorrow"
    elif days > 1:
        relative = f"in {days} days"
    elif days == -1:
        relative = "yesterday"
    else:
        relative = f"{-days} days ago"
    return f"{shown} ({relative})"


def source_name(alert: Alert) -> str:
    """The feed's name with its host (``Balkan Wire (news.example.org)``), else its URL."""
    name, url = alert.item.feed_name, alert.item.feed_url
    if not name:
        return url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return f"{name} ({host})" if host and host not in name else name


def published_label(alert: Alert, tz: ZoneInfo) -> str:
    if alert.item.published is not None:
        return local_time(alert.item.published, tz)
    return f"{local_time(alert.item.fetched_at, tz)} (fetched)"


def subject(data: DigestData, *, prefix: str = "escalation-monitor") -> str:
    """``[escalation-monitor] 2026-11-21 digest: critical, 12 alerts`` (one line)."""
    total = data.counts.alerts
    if total == 0:
        summary = "no alerts"
    else:
        summary = f"{data.highest_level}, {total} alert{'s' if total != 1 else ''}"
    return single_line(f"[{prefix}] {data.day.isoformat()} digest: {summary}")


# -- building --------------------------------------------------------------------


def feed_health(feeds: Sequence[Feed], *, now: datetime, silent_days: int) -> list[FeedHealth]:
    """The enabled feeds that are failing, backing off, gone or silent, worst first."""
    problems: list[FeedHealth] = []
    silent_since = now - timedelta(days=silent_days)
    for feed in feeds:
        if not feed.enabled:
            continue
        error = single_line(feed.last_error, max_length=300)
        if feed.status is FeedStatus.GONE:
            problems.append(FeedHealth(feed, "gone", error or "the server says it was removed"))
        elif feed.status is FeedStatus.BACKOFF:
            until = (
                f"paused until {feed.backoff_until:%Y-%m-%d %H:%M} UTC"
                if feed.backoff_until
                else "paused"
            )
            detail = f"{until}; {feed.error_count} errors in a row" + (
                f"; {error}" if error else ""
            )
            problems.append(FeedHealth(feed, "backoff", detail))
        elif feed.status is FeedStatus.FAILING:
            problems.append(FeedHealth(feed, "failing", error or "the last poll failed"))
        elif feed.last_item_at is not None and feed.last_item_at < silent_since:
            days = (now - feed.last_item_at).days
            problems.append(FeedHealth(feed, "silent", f"no new item for {days} days"))
    order = {"gone": 0, "backoff": 1, "failing": 2, "silent": 3}
    return sorted(problems, key=lambda h: (order[h.problem], h.feed.url))


def announced_deadlines(alerts: Sequence[Alert]) -> list[DeadlineView]:
    """The deadlines in the period's alerts, each linked to its alert; soonest first."""
    out = [
        dataclasses.replace(
            d,
            alert_id=d.alert_id if d.alert_id is not None else alert.id,
            item_title=d.item_title or alert.item.title,
        )
        for alert in rank_alerts(alerts)
        for d in alert.deadlines
    ]
    return sorted(out, key=lambda d: (d.due is None, _due_key(d)))


def _due_key(deadline: DeadlineView) -> datetime:
    due = deadline.due
    if due is None:
        return datetime.max.replace(tzinfo=UTC)
    if isinstance(due, datetime):
        return due if due.tzinfo else due.replace(tzinfo=UTC)
    return datetime.combine(due, time(), tzinfo=UTC)


def trend_topics(alerts: Sequence[Alert], settings: DigestSettings) -> list[str]:
    if settings.trend_topics:
        return list(settings.trend_topics)[: settings.max_trend_topics]
    seen: dict[str, None] = {}
    for alert in rank_alerts(alerts):
        for topic in alert.topics:
            seen.setdefault(topic, None)
    return list(seen)[: settings.max_trend_topics]


def count(
    alerts: Sequence[Alert],
    shown: int,
    announced: Sequence[DeadlineView],
    upcoming: Sequence[DeadlineView],
    feeds: Sequence[Feed],
    health: Sequence[FeedHealth],
) -> DigestCounts:
    by_level = Counter(a.level for a in alerts)
    levels = sorted(by_level, key=level_rank, reverse=True)
    by_topic = Counter(t for a in alerts for t in (a.topics or (NO_TOPIC,)))
    by_indicator = Counter(i.id for a in alerts for i in a.indicators if i.status == "event")
    return DigestCounts(
        alerts=len(alerts),
        shown=shown,
        by_level={level: by_level[level] for level in levels},
        by_topic=dict(by_topic.most_common()),
        by_indicator=dict(by_indicator.most_common()),
        deadlines_announced=len(announced),
        deadlines_upcoming=len(upcoming),
        feeds=sum(1 for f in feeds if f.enabled),
        feeds_unhealthy=len(health),
    )


def default_day(now: datetime, settings: DigestSettings) -> date:
    """The digest day to show when none is given: the latest whose time has passed."""
    return latest_due_day(now, at=settings.time, tz=settings.timezone)


def build_digest_data(
    storage: DigestSource,
    *,
    day: date,
    settings: DigestSettings,
    now: datetime,
    indicator_titles: Mapping[str, str] | None = None,
) -> DigestData:
    """Read what the digest for local ``day`` shows.

    The period is :func:`monitor.digest_schedule.digest_period` (the day
    before the configured local time up to that time). ``now`` stamps the
    digest and judges feed silence; ``indicator_titles`` maps indicator ids to
    the titles of the rule files (ids are shown when missing).
    """
    tz = settings.timezone
    start, end = digest_period(day, at=settings.time, tz=tz)
    query = AlertQuery(since=start, until=end, min_score=settings.min_score or None, limit=0)
    # The period is half-open; guard it even against a backend with an inclusive `until`.
    in_period = [a for a in storage.query_alerts(query) if start <= a.created_at < end]
    ranked = rank_alerts(in_period)
    shown = ranked[: settings.max_alerts]

    announced = announced_deadlines(in_period)
    upcoming = [
        d
        for d in storage.list_deadlines(upcoming=True, now=end)
        if d.due is not None and due_day(d.due, tz) >= day
    ]
    upcoming = sorted(upcoming, key=_due_key)[: settings.max_upcoming_deadlines]

    # The daily index counts UTC days: end on the UTC day holding the period's last instant.
    trend_end = (end - timedelta(microseconds=1)).astimezone(UTC).date()
    trend_start = trend_end - timedelta(days=settings.trend_days - 1)
    days = [trend_start + timedelta(days=n) for n in range(settings.trend_days)]
    # Without topics (no gazetteer, or a quiet day) the trend is the index over all alerts.
    topics: list[str | None] = [*trend_topics(in_period, settings)] or [None]
    trend = {
        topic or ALL_TOPICS: tuple(
            zip(
                days,
                dense(storage.daily_index(topic=topic, start=trend_start, end=trend_end), days),
                strict=True,
            )
        )
        for topic in topics
    }

    feeds = storage.list_feeds()
    health = feed_health(feeds, now=now, silent_days=settings.silent_days)
    return DigestData(
        day=day,
        period_start=start,
        period_end=end,
        generated_at=now,
        tz=tz,
        alerts=tuple(shown),
        deadlines_announced=tuple(announced),
        deadlines_upcoming=tuple(upcoming),
        trend=trend,
        feeds=tuple(feeds),
        feed_health=tuple(health),
        counts=count(in_period, len(shown), announced, upcoming, feeds, health),
        indicator_titles=dict(indicator_titles or {}),
        evidence_per_indicator=settings.evidence_per_indicator,
    )


def digest_summary(data: DigestData) -> dict[str, Any]:
    """A JSON-ready summary for logs and the CLI."""
    return {
        "day": data.day.isoformat(),
        "period_start": data.period_start.isoformat(),
        "period_end": data.period_end.isoformat(),
        "alerts": data.counts.alerts,
        "shown": data.counts.shown,
        "highest_level": data.highest_level,
        "by_level": dict(data.counts.by_level),
        "feeds_unhealthy": data.counts.feeds_unhealthy,
    }
