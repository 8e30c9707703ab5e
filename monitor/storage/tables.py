"""The schema. Private to :mod:`monitor.storage`: rows never leave it, domain types do.

Migrations (``migrations/versions``) create exactly this; a test compares the two.
Besides these tables, the first migration creates the full-text index, which
the metadata cannot describe: an FTS5 table ``alerts_fts`` over
``alerts.search_text`` on SQLite, a GIN index on its ``tsvector`` on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

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


feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("name", Text),
    Column("interval", Integer, nullable=False),
    Column("weight", Float, nullable=False),
    Column("lang", String(35)),
    Column("enabled", Boolean, nullable=False),
    # Removing a feed keeps its items and alerts; adding it again brings it back.
    Column("removed", Boolean, nullable=False),
    Column("removed_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_polled_at", UTCDateTime),
    Column("next_poll_at", UTCDateTime),
    Column("backoff_until", UTCDateTime),
    Column("error_count", Integer, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    # Several daemons sharing one PostgreSQL database lease the feeds they poll.
    Column("lease_owner", Text),
    Column("lease_until", UTCDateTime),
    UniqueConstraint("url"),
    CheckConstraint("status IN ('new', 'ok', 'failing', 'backoff', 'gone')", name="status"),
    Index(None, "next_poll_at"),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    # The first feed that carried the item; item_feeds lists all of them.
    Column("feed_id", Integer, ForeignKey("feeds.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("link", Text),
    Column("link_norm", Text),
    Column("guid", Text),
    Column("published", UTCDateTime),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime),
    Column("content_hash", String(128), nullable=False),
    # The exact text the engine matched: evidence offsets point into it.
    Column("text", Text, nullable=False),
    Index(None, "link_norm"),
    Index(None, "content_hash"),
    Index(None, "feed_id"),
)

item_feeds = Table(
    "item_feeds",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("feed_id", Integer, ForeignKey("feeds.id"), nullable=False),
    # The guid this feed used; NULL when the feed repeated it within one poll (untrusted).
    Column("guid", Text),
    Column("first_seen_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("item_id", "feed_id"),
    Index(None, "feed_id", "guid"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("score", Integer, nullable=False),
    Column("level", String(16), nullable=False),
    Column("topics", JSON, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("contributions", JSON, nullable=False),
    # Title and evidence sentences: what the full-text index covers.
    Column("search_text", Text, nullable=False),
    # Summaries of the evidence and deadlines, so these filters and their counts
    # read one index instead of probing another table per alert.
    Column("has_event", Boolean, nullable=False),
    Column("has_background", Boolean, nullable=False),
    Column("has_deadline", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime),
    UniqueConstraint("item_id"),
    CheckConstraint("score >= 0 AND score <= 100", name="score"),
    Index(None, "created_at", "id"),
    Index(None, "level", "created_at"),
    Index(None, "score", "created_at"),
    Index(None, "has_event", "created_at"),
    Index(None, "has_background", "created_at"),
    Index(None, "has_deadline", "created_at"),
)

# Filter tables. Each repeats its alert's created_at so that "alerts with this
# topic (indicator, feed), newest first" is one ordered index range, whatever
# the number of alerts: a query walks it and stops at its limit.

alert_topics = Table(
    "alert_topics",
    metadata,
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("topic", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("alert_id", "topic"),
    Index(None, "topic", "created_at", "alert_id"),
)

alert_indicators = Table(
    "alert_indicators",
    metadata,
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("indicator_id", String(200), nullable=False),
    # Whether any evidence sentence of this indicator has that status.
    Column("has_event", Boolean, nullable=False),
    Column("has_background", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("alert_id", "indicator_id"),
    Index(
        "ix_alert_indicators_lookup",
        "indicator_id",
        "created_at",
        "alert_id",
        "has_event",
        "has_background",
    ),
)

# Every feed that carried an alert's item (items may come from several feeds).
alert_feeds = Table(
    "alert_feeds",
    metadata,
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("feed_id", Integer, ForeignKey("feeds.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("alert_id", "feed_id"),
    Index(None, "feed_id", "created_at", "alert_id"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("indicator_id", String(200), nullable=False),
    Column("rule_version", String(100), nullable=False),
    Column("status", String(16), nullable=False),
    Column("indicator_score", Float, nullable=False),
    Column("sentence", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("match", Text, nullable=False),
    Column("match_spans", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("sentence_index", Integer, nullable=False),
    Column("strength", Float, nullable=False),
    UniqueConstraint("alert_id", "ordinal"),
    CheckConstraint("status IN ('event', 'background')", name="status"),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("phrase", Text, nullable=False),
    # A date is stored as its midnight UTC with due_has_time false, and read back as a date.
    Column("due_at", UTCDateTime),
    Column("due_has_time", Boolean, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    UniqueConstraint("alert_id", "ordinal"),
    Index(None, "due_at"),
)

poll_runs = Table(
    "poll_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_id", Integer, ForeignKey("feeds.id"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("http_status", Integer),
    Column("bytes", BigInteger, nullable=False),
    Column("new_items", Integer, nullable=False),
    Column("error", Text),
    # One run per feed and start time: recording the same poll twice stores it once.
    UniqueConstraint("feed_id", "started_at"),
    Index(None, "finished_at"),
    Index(None, "feed_id", "finished_at"),
)

digests = Table(
    "digests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("delivered_at", UTCDateTime, nullable=False),
    Column("location", Text, nullable=False),
    # A digest is delivered once per day and channel, whatever the number of daemons.
    UniqueConstraint("day", "channel"),
    CheckConstraint("channel IN ('file', 'email')", name="channel"),
)
