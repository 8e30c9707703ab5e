"""``feeds.configured``: whether the config file lists the feed.

A feed the config file stops listing is removed at the next start, as one
removed with ``monitor feeds remove`` is. Feeds stored before this revision
count as added by command until the config file lists them again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both backends: no table is rebuilt (on SQLite a rebuild
    # would drop the feeds table, and its foreign keys would take the items along).
    op.add_column(
        "feeds", sa.Column("configured", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("feeds", "configured")
