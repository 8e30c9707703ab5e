"""An index for each feed's latest item (``Feed.last_item_at``) and item count.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_item_feeds_feed_id_first_seen_at"),
        "item_feeds",
        ["feed_id", "first_seen_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_item_feeds_feed_id_first_seen_at"), table_name="item_feeds")
