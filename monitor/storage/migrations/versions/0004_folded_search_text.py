"""Search text folded as the rules fold text (case, diacritics, script).

``alerts.search_text`` is what ``monitor alerts --search`` looks in; searches
are folded the same way, so "Vucic" finds "Vučić" and "Вучић". Stored texts
are folded here and, on SQLite, the full-text index is rebuilt from them.
A downgrade keeps the folded texts: searches by the older code still find
every word written without diacritics.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from indicators.text import fold

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def upgrade() -> None:
    conn = op.get_bind()
    alerts = sa.table("alerts", sa.column("id", sa.Integer), sa.column("search_text", sa.Text))
    change = (
        alerts.update()
        .where(alerts.c.id == sa.bindparam("alert_id"))
        .values(search_text=sa.bindparam("folded"))
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(alerts.c.id, alerts.c.search_text)
            .where(alerts.c.id > last)
            .order_by(alerts.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        changed = [(row.id, fold(row.search_text), row.search_text) for row in rows]
        folded = [{"alert_id": i, "folded": new} for i, new, old in changed if new != old]
        if folded:
            conn.execute(change, folded)
    if conn.dialect.name == "sqlite":
        # External-content FTS5: re-read every row of alerts.
        conn.execute(sa.text("INSERT INTO alerts_fts(alerts_fts) VALUES ('rebuild')"))


def downgrade() -> None:
    pass  # the folded texts stay (see the module docstring)
