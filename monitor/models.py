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
    # Set by errors, Retry-After and backoff: even `run --once --all` waits until then.
    backoff_until: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    error_count: int = 0
    items: int = 0
    # When this feed last brought an item not seen before; the digest calls a
    # feed "silent" when this is older than `digest.silent_days`.
    last_item_at: datetime | None = None

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
            "backoff_until": iso(self.backoff_until),
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

    @property
    def key(self) -> ItemKey:
        return ItemKey(guid=self.guid, link=self.link, content_hash=self.content_hash)


@dataclass(frozen=True, slots=True)
class ItemKey:
    """What storage needs to tell whether an incoming item is new, unchanged or edited."""

    guid: str | None
    link: str | None
    content_hash: str


class ItemState(StrEnum):
    NEW = "new"  # this feed never carried it: match and store it
    UNCHANGED = "unchanged"  # this feed already stored it with the same content: skip it
    CHANGED = "changed"  # stored, but the content hash differs: an edited article


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
    backoff_until: datetime | None = None
    # Validators to store; None keeps the stored ones unless clear_validators is set.
    etag: str | None = None
    last_modified: str | None = None
    clear_validators: bool = False
    new_url: str | None = None  # a permanent redirect moved the feed
    items: tuple[IngestItem, ...] = ()
    # The stored feed's id when the caller has it (a claimed feed): saves looking it up.
    feed_id: int | None = None


@dataclass(frozen=True, slots=True)
class PollSummary:
    """What storing a :class:`PollRecord` changed."""

    feed_url: str
    new_items: int = 0
    updated_items: int = 0
    new_alerts: int = 0
    updated_alerts: int = 0
    removed_alerts: int = 0  # an edit left the item matching nothing
    linked_items: int = 0  # items another feed had already stored: only the link was recorded


@dataclass(frozen=True, slots=True)
class PollRun:
    """One stored poll of one feed."""

    feed_url: str
    started_at: datetime
    finished_at: datetime
    http_status: int | None
    bytes: int
    new_items: int
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed_url": self.feed_url,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "http_status": self.http_status,
            "bytes": self.bytes,
            "new_items": self.new_items,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class EvidenceView:
    sentence: str
    start: int
    end: int
    match: str
    rule_version: str
    match_spans: tuple[tuple[int, int], ...] = ()
    reasons: tuple[str, ...] = ()
    status: str = ""  # this sentence's status: event or background
    sentence_index: int = 0
    strength: float = 1.0

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
    start: int | None = None  # offsets of the phrase in the item text
    end: int | None = None
    reason: str = ""

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
