"""The whole schema, and the full-text index over alerts.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _create_tables()
    _create_search()


def _create_tables() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.CheckConstraint("channel IN ('file', 'email')", name=op.f("ck_digests_channel")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("day", "channel", name=op.f("uq_digests_day_channel")),
    )
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("backoff_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.Text(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('new', 'ok', 'failing', 'backoff', 'gone')", name=op.f("ck_feeds_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_feeds_url")),
    )
    op.create_index(op.f("ix_feeds_next_poll_at"), "feeds", ["next_poll_at"], unique=False)
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("link_norm", sa.Text(), nullable=True),
        sa.Column("guid", sa.Text(), nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], name=op.f("fk_items_feed_id_feeds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
    )
    op.create_index(op.f("ix_items_content_hash"), "items", ["content_hash"], unique=False)
    op.create_index(op.f("ix_items_feed_id"), "items", ["feed_id"], unique=False)
    op.create_index(op.f("ix_items_link_norm"), "items", ["link_norm"], unique=False)
    op.create_table(
        "poll_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("new_items", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], name=op.f("fk_poll_runs_feed_id_feeds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_runs")),
        sa.UniqueConstraint("feed_id", "started_at", name=op.f("uq_poll_runs_feed_id_started_at")),
    )
    op.create_index(
        op.f("ix_poll_runs_feed_id_finished_at"),
        "poll_runs",
        ["feed_id", "finished_at"],
        unique=False,
    )
    op.create_index(op.f("ix_poll_runs_finished_at"), "poll_runs", ["finished_at"], unique=False)
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("has_event", sa.Boolean(), nullable=False),
        sa.Column("has_background", sa.Boolean(), nullable=False),
        sa.Column("has_deadline", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("score >= 0 AND score <= 100", name=op.f("ck_alerts_score")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_alerts_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("item_id", name=op.f("uq_alerts_item_id")),
    )
    op.create_index(op.f("ix_alerts_created_at_id"), "alerts", ["created_at", "id"], unique=False)
    op.create_index(
        op.f("ix_alerts_level_created_at"), "alerts", ["level", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_alerts_score_created_at"), "alerts", ["score", "created_at"], unique=False
    )
    for flag in ("has_event", "has_background", "has_deadline"):
        op.create_index(
            op.f(f"ix_alerts_{flag}_created_at"), "alerts", [flag, "created_at"], unique=False
        )
    op.create_table(
        "item_feeds",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.Text(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name=op.f("fk_item_feeds_feed_id_feeds")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_feeds_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "feed_id", name=op.f("pk_item_feeds")),
    )
    op.create_index(
        op.f("ix_item_feeds_feed_id_guid"), "item_feeds", ["feed_id", "guid"], unique=False
    )
    op.create_table(
        "alert_feeds",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_feeds_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name=op.f("fk_alert_feeds_feed_id_feeds")
        ),
        sa.PrimaryKeyConstraint("alert_id", "feed_id", name=op.f("pk_alert_feeds")),
    )
    op.create_index(
        op.f("ix_alert_feeds_feed_id_created_at_alert_id"),
        "alert_feeds",
        ["feed_id", "created_at", "alert_id"],
        unique=False,
    )
    op.create_table(
        "alert_indicators",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=200), nullable=False),
        sa.Column("has_event", sa.Boolean(), nullable=False),
        sa.Column("has_background", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_indicators_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", "indicator_id", name=op.f("pk_alert_indicators")),
    )
    op.create_index(
        "ix_alert_indicators_lookup",
        "alert_indicators",
        ["indicator_id", "created_at", "alert_id", "has_event", "has_background"],
        unique=False,
    )
    op.create_table(
        "alert_topics",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_topics_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", "topic", name=op.f("pk_alert_topics")),
    )
    op.create_index(
        op.f("ix_alert_topics_topic_created_at_alert_id"),
        "alert_topics",
        ["topic", "created_at", "alert_id"],
        unique=False,
    )
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_has_time", sa.Boolean(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_deadlines_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines")),
        sa.UniqueConstraint("alert_id", "ordinal", name=op.f("uq_deadlines_alert_id_ordinal")),
    )
    op.create_index(op.f("ix_deadlines_due_at"), "deadlines", ["due_at"], unique=False)
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=200), nullable=False),
        sa.Column("rule_version", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("indicator_score", sa.Float(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("match", sa.Text(), nullable=False),
        sa.Column("match_spans", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("sentence_index", sa.Integer(), nullable=False),
        sa.Column("strength", sa.Float(), nullable=False),
        sa.CheckConstraint("status IN ('event', 'background')", name=op.f("ck_evidence_status")),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_evidence_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("alert_id", "ordinal", name=op.f("uq_evidence_alert_id_ordinal")),
    )


def _create_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # External content: the text lives in alerts.search_text; the storage
        # layer writes the index in the same transaction as the alert.
        op.execute(
            "CREATE VIRTUAL TABLE alerts_fts USING fts5("
            "search_text, content='alerts', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 0')"
        )
    else:
        op.execute(
            "CREATE INDEX ix_alerts_search ON alerts "
            "USING gin (to_tsvector('simple'::regconfig, search_text))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE alerts_fts")
    else:
        op.execute("DROP INDEX ix_alerts_search")
    op.drop_table("evidence")
    op.drop_index(op.f("ix_deadlines_due_at"), table_name="deadlines")
    op.drop_table("deadlines")
    op.drop_index(op.f("ix_alert_topics_topic_created_at_alert_id"), table_name="alert_topics")
    op.drop_table("alert_topics")
    op.drop_index(
        "ix_alert_indicators_lookup",
        table_name="alert_indicators",
    )
    op.drop_table("alert_indicators")
    op.drop_index(op.f("ix_alert_feeds_feed_id_created_at_alert_id"), table_name="alert_feeds")
    op.drop_table("alert_feeds")
    op.drop_index(op.f("ix_item_feeds_feed_id_guid"), table_name="item_feeds")
    op.drop_table("item_feeds")
    for flag in ("has_event", "has_background", "has_deadline"):
        op.drop_index(op.f(f"ix_alerts_{flag}_created_at"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_score_created_at"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_level_created_at"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_created_at_id"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_index(op.f("ix_poll_runs_finished_at"), table_name="poll_runs")
    op.drop_index(op.f("ix_poll_runs_feed_id_finished_at"), table_name="poll_runs")
    op.drop_table("poll_runs")
    op.drop_index(op.f("ix_items_link_norm"), table_name="items")
    op.drop_index(op.f("ix_items_feed_id"), table_name="items")
    op.drop_index(op.f("ix_items_content_hash"), table_name="items")
    op.drop_table("items")
    op.drop_index(op.f("ix_feeds_next_poll_at"), table_name="feeds")
    op.drop_table("feeds")
    op.drop_table("digests")
