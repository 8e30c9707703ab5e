"""The schema, as SQLModel table classes. Private to :mod:`monitor.storage`:
rows never leave it, domain types do.

Migrations (``migrations/versions``) create exactly this; a test compares the two.
Besides these tables, the first migration creates the full-text index, which
the metadata cannot describe: an FTS5 table ``alerts_fts`` over
``alerts.search_text`` on SQLite, a GIN index on its ``tsvector`` on PostgreSQL.

The classes describe the tables; nothing builds instances of them. Queries
are Core statements over their tables (``FeedRow.__table__``, exported below
as ``feeds``, ``items``...), or, for simple lookups, ``sqlmodel.select`` over
class attributes (``select(FeedRow.id).where(FeedRow.url == url)``). Either
way rows come back as plain tuples that the storage modules turn into
:mod:`monitor.models` types.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from monitor.storage.coltypes import UTCDateTime

# Explicit names so migrations can refer to constraints on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Objects created by the migrations outside the metadata (full-text search).
SEARCH_OBJECTS = frozenset(
    {
        "alerts_fts",
        "alerts_fts_data",
        "alerts_fts_idx",
        "alerts_fts_docsize",
        "alerts_fts_config",
        "alerts_fts_content",
        "ix_alerts_search",
    }
)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's filter: the full-text objects are created by hand, outside the metadata."""
    return name not in SEARCH_OBJECTS


class TableBase(SQLModel, registry=registry(metadata=metadata)):
    """Base of the table classes: a registry of our own, so their tables live in
    :data:`metadata` (with its naming convention), not in SQLModel's global one."""


class FeedRow(TableBase, table=True):
    __tablename__ = "feeds"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'ok', 'failing', 'backoff', 'gone')", name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_type=Text, unique=True)
    name: str | None = Field(default=None, sa_type=Text)
    interval: int
    weight: float
    lang: str | None = Field(default=None, sa_type=String(35))
    enabled: bool
    # Removing a feed keeps its items and alerts; adding it again brings it back.
    removed: bool
    # Listed in the config file (rather than added by a command): removed from the
    # database when the config file no longer lists it.
    configured: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(sa_type=String(16))
    last_error: str | None = Field(default=None, sa_type=Text)
    last_error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_poll_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    backoff_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error_count: int
    etag: str | None = Field(default=None, sa_type=Text)
    last_modified: str | None = Field(default=None, sa_type=Text)
    # Several daemons sharing one PostgreSQL database lease the feeds they poll.
    lease_owner: str | None = Field(default=None, sa_type=Text)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ItemRow(TableBase, table=True):
    __tablename__ = "items"

    id: int | None = Field(default=None, primary_key=True)
    # The first feed that carried the item; item_feeds lists all of them.
    feed_id: int = Field(foreign_key="feeds.id", index=True)
    title: str = Field(sa_type=Text)
    link: str | None = Field(default=None, sa_type=Text)
    link_norm: str | None = Field(default=None, sa_type=Text, index=True)
    guid: str | None = Field(default=None, sa_type=Text)
    published: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fetched_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    content_hash: str = Field(sa_type=String(128), index=True)
    # The exact text the engine matched: evidence offsets point into it.
    text: str = Field(sa_type=Text)


class ItemFeedRow(TableBase, table=True):
    __tablename__ = "item_feeds"
    __table_args__ = (
        Index(None, "feed_id", "guid"),
        # A feed's item count and latest item (Feed.items, Feed.last_item_at).
        Index(None, "feed_id", "first_seen_at"),
    )

    item_id: int = Field(primary_key=True, foreign_key="items.id", ondelete="CASCADE")
    feed_id: int = Field(primary_key=True, foreign_key="feeds.id")
    # The guid this feed used; NULL when the feed repeated it within one poll (untrusted).
    guid: str | None = Field(default=None, sa_type=Text)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    # The hash of this feed's own version of the item. Two feeds may carry one
    # article in different forms (full text, summary): an edit is a change in
    # one feed's version, not a difference between the feeds.
    content_hash: str = Field(sa_type=String(128))


class AlertRow(TableBase, table=True):
    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score"),
        Index(None, "created_at", "id"),
        Index(None, "level", "created_at"),
        Index(None, "score", "created_at"),
        Index(None, "has_event", "created_at"),
        Index(None, "has_background", "created_at"),
        Index(None, "has_deadline", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", ondelete="CASCADE", unique=True)
    score: int
    level: str = Field(sa_type=String(16))
    topics: list[str] = Field(sa_type=JSON)
    explanation: str = Field(sa_type=Text)
    contributions: list[dict[str, Any]] = Field(sa_type=JSON)
    # Title and evidence sentences: what the full-text index covers.
    search_text: str = Field(sa_type=Text)
    # Summaries of the evidence and deadlines, so these filters and their counts
    # read one index instead of probing another table per alert.
    has_event: bool
    has_background: bool
    has_deadline: bool
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# Filter tables. Each repeats its alert's created_at so that "alerts with this
# topic (indicator, feed), newest first" is one ordered index range, whatever
# the number of alerts: a query walks it and stops at its limit.


class AlertTopicRow(TableBase, table=True):
    __tablename__ = "alert_topics"
    __table_args__ = (Index(None, "topic", "created_at", "alert_id"),)

    alert_id: int = Field(primary_key=True, foreign_key="alerts.id", ondelete="CASCADE")
    topic: str = Field(primary_key=True, sa_type=String(100))
    created_at: datetime = Field(sa_type=UTCDateTime)


class AlertIndicatorRow(TableBase, table=True):
    __tablename__ = "alert_indicators"
    __table_args__ = (
        Index(
            "ix_alert_indicators_lookup",
            "indicator_id",
            "created_at",
            "alert_id",
            "has_event",
            "has_background",
        ),
    )

    alert_id: int = Field(primary_key=True, foreign_key="alerts.id", ondelete="CASCADE")
    indicator_id: str = Field(primary_key=True, sa_type=String(200))
    # Whether any evidence sentence of this indicator has that status.
    has_event: bool
    has_background: bool
    created_at: datetime = Field(sa_type=UTCDateTime)


class AlertFeedRow(TableBase, table=True):
    """Every feed that carried an alert's item (items may come from several feeds)."""

    __tablename__ = "alert_feeds"
    __table_args__ = (Index(None, "feed_id", "created_at", "alert_id"),)

    alert_id: int = Field(primary_key=True, foreign_key="alerts.id", ondelete="CASCADE")
    feed_id: int = Field(primary_key=True, foreign_key="feeds.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class EvidenceRow(TableBase, table=True):
    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("alert_id", "ordinal"),
        CheckConstraint("status IN ('event', 'background')", name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", ondelete="CASCADE")
    ordinal: int
    indicator_id: str = Field(sa_type=String(200))
    rule_version: str = Field(sa_type=String(100))
    status: str = Field(sa_type=String(16))
    indicator_score: float
    sentence: str = Field(sa_type=Text)
    start: int
    end: int
    match: str = Field(sa_type=Text)
    match_spans: list[list[int]] = Field(sa_type=JSON)
    reasons: list[str] = Field(sa_type=JSON)
    sentence_index: int
    strength: float


class DeadlineRow(TableBase, table=True):
    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("alert_id", "ordinal"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", ondelete="CASCADE")
    ordinal: int
    phrase: str = Field(sa_type=Text)
    # A date is stored as its midnight UTC with due_has_time false, and read back as a date.
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    due_has_time: bool
    start: int
    end: int
    reason: str = Field(sa_type=Text)


class PollRunRow(TableBase, table=True):
    __tablename__ = "poll_runs"
    __table_args__ = (
        # One run per feed and start time: recording the same poll twice stores it once.
        UniqueConstraint("feed_id", "started_at"),
        Index(None, "feed_id", "finished_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feeds.id")
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime = Field(sa_type=UTCDateTime, index=True)
    http_status: int | None = None
    bytes: int = Field(sa_type=BigInteger)
    new_items: int
    error: str | None = Field(default=None, sa_type=Text)


class DigestRow(TableBase, table=True):
    __tablename__ = "digests"
    __table_args__ = (
        # A digest is delivered once per day and channel, whatever the number of daemons.
        UniqueConstraint("day", "channel"),
        CheckConstraint("channel IN ('file', 'email')", name="channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    day: date
    channel: str = Field(sa_type=String(16))
    delivered_at: datetime = Field(sa_type=UTCDateTime)
    location: str = Field(sa_type=Text)


def _table(row: type[TableBase]) -> Table:
    table = row.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy's declarative mapping
    assert isinstance(table, Table)
    return table


# The Core tables, for the query modules.
feeds = _table(FeedRow)
items = _table(ItemRow)
item_feeds = _table(ItemFeedRow)
alerts = _table(AlertRow)
alert_topics = _table(AlertTopicRow)
alert_indicators = _table(AlertIndicatorRow)
alert_feeds = _table(AlertFeedRow)
evidence = _table(EvidenceRow)
deadlines = _table(DeadlineRow)
poll_runs = _table(PollRunRow)
digests = _table(DigestRow)
