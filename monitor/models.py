"""The application's domain types: what goes into storage and what comes out.

Storage takes small *intent* records (:class:`FeedSpec`, :class:`PollRecord`)
and returns these read models (:class:`Feed`, :class:`Alert`); its table
classes never leave :mod:`monitor.storage`. Every datetime is
timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from indicators.types import Analysis


class FeedStatus(StrEnum):
    NEW = "new"  # never polled
    OK = "ok"  # last poll succeeded
    FAILING = "failing"  # last poll failed; retried at the normal interval
    BACKOFF = "backoff"  # several failures in a row, or the server asked us to wait
    GONE = "gone"  # HTTP 410: kept, polled rarely, never deleted


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """A feed as the user configures it (config file, ``feeds add``, OPML)."""

    url: str
    name: str | None = None
    interval: int | None = None  # seconds; None: the default interval
    weight: float = 1.0
    lang: str | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Feed:
    """A stored feed with its health."""

    id: int
    url: str
    name: str | None
    interval: int
    weight: float
    lang: str | None
    enabled: bool
    status: FeedStatus
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None
    last_polled_at: datetime | None = None
    next_poll_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    error_count: int = 0
    items: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "name": self.name,
            "status": self.status.value,
            "last_error": self.last_error,
            "last_error_at": iso(self.last_error_at),
            "items": self.items,
            "last_polled": iso(self.last_polled_at),
            "last_success": iso(self.last_success_at),
            "next_poll": iso(self.next_poll_at),
            "interval": self.interval,
            "weight": self.weight,
            "lang": self.lang,
            "enabled": self.enabled,
            "error_count": self.error_count,
        }


@dataclass(frozen=True, slots=True)
class IngestItem:
    """A parsed item, matched, ready to store.

    ``text`` is the exact string the engine matched (``analysis.text``);
    ``analysis`` is ``None`` or unmatched when no indicator fired: the item
    is still stored so it is not matched again.
    """

    guid: str | None
    link: str | None
    title: str
    published: datetime | None
    text: str
    content_hash: str
    analysis: Analysis | None = None


@dataclass(frozen=True, slots=True)
class PollRecord:
    """Everything one poll of one feed produced, stored in one transaction."""

    feed_url: str
    started_at: datetime
    finished_at: datetime
    status: FeedStatus
    next_poll_at: datetime
    http_status: int | None = None
    bytes: int = 0
    error: str | None = None
    error_count: int = 0
    etag: str | None = None
    last_modified: str | None = None
    new_url: str | None = None  # a permanent redirect moved the feed
    items: tuple[IngestItem, ...] = ()


@dataclass(frozen=True, slots=True)
class PollSummary:
    """What storing a :class:`PollRecord` changed."""

    feed_url: str
    new_items: int = 0
    updated_items: int = 0
    new_alerts: int = 0
    updated_alerts: int = 0


@dataclass(frozen=True, slots=True)
class EvidenceView:
    sentence: str
    start: int
    end: int
    match: str
    rule_version: str
    match_spans: tuple[tuple[int, int], ...] = ()
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
            "match": self.match,
            "rule_version": self.rule_version,
            "match_spans": [list(s) for s in self.match_spans],
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class IndicatorView:
    id: str
    status: str
    score: float
    evidence: tuple[EvidenceView, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "score": round(self.score, 2),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class DeadlineView:
    phrase: str
    due: date | datetime | None
    alert_id: int | None = None
    item_title: str | None = None

    @property
    def resolved(self) -> bool:
        return self.due is not None

    def to_dict(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "due": iso(self.due), "resolved": self.resolved}


@dataclass(frozen=True, slots=True)
class ItemView:
    title: str
    link: str | None
    guid: str | None
    published: datetime | None
    fetched_at: datetime
    feed_url: str
    feed_name: str | None
    text: str | None = None  # filled by Storage.get_alert only
    content_hash: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    feeds: tuple[str, ...] = ()  # every feed that carried the item

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "link": self.link,
            "guid": self.guid,
            "published": iso(self.published),
            "fetched_at": iso(self.fetched_at),
            "feed_url": self.feed_url,
            "feed_name": self.feed_name,
        }
        if self.feeds:
            out["feeds"] = list(self.feeds)
        return out


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    score: int
    level: str
    created_at: datetime
    topics: tuple[str, ...]
    item: ItemView
    indicators: tuple[IndicatorView, ...]
    deadlines: tuple[DeadlineView, ...]
    explanation: str = ""
    contributions: tuple[dict[str, Any], ...] = field(default=())
    updated_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": self.score,
            "level": self.level,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "topics": list(self.topics),
            "explanation": self.explanation,
            "item": self.item.to_dict(),
            "indicators": [i.to_dict() for i in self.indicators],
            "deadlines": [d.to_dict() for d in self.deadlines],
        }


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Filters for the alert history; ``limit=0`` means no limit."""

    since: datetime | None = None
    until: datetime | None = None
    indicator: str | None = None
    status: str | None = None
    topic: str | None = None
    min_score: int | None = None
    level: str | None = None
    feed: str | None = None
    search: str | None = None
    has_deadline: bool | None = None
    limit: int = 50
