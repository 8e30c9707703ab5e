"""Each feed's own content hash for the items it carries (``item_feeds.content_hash``).

Existing rows take the item's hash: the version last stored is the best guess
of what each feed delivered.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added nullable, filled, then made NOT NULL (on SQLite the last step rebuilds the table).
    with op.batch_alter_table("item_feeds") as batch:
        batch.add_column(sa.Column("content_hash", sa.String(length=128), nullable=True))
    item_feeds = sa.table("item_feeds", sa.column("item_id"), sa.column("content_hash"))
    items = sa.table("items", sa.column("id"), sa.column("content_hash"))
    item_hash = (
        sa.select(items.c.content_hash).where(items.c.id == item_feeds.c.item_id).scalar_subquery()
    )
    op.execute(item_feeds.update().values(content_hash=item_hash))
    with op.batch_alter_table("item_feeds") as batch:
        batch.alter_column("content_hash", existing_type=sa.String(length=128), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("item_feeds") as batch:
        batch.drop_column("content_hash")
