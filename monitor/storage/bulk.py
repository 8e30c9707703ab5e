"""Insert many rows and learn their new ids, in the order of the rows.

SQLAlchemy can only promise ``RETURNING`` in row order on SQLite by inserting
one row per statement: SQLite does not say in which order ``RETURNING``
reports the rows of a multi-row ``INSERT``. A poll inserts a feed's items and
alerts this way, and row by row they cost more than matching them.

SQLite does say how it numbers them: a new row of a table whose key is an
``INTEGER PRIMARY KEY`` gets the largest id in the table plus one, and the
rows of an ``INSERT`` are added in order. Writers take the database's write
lock (``BEGIN IMMEDIATE``, see :mod:`monitor.storage.engine`), so nothing
else inserts meanwhile: the ids returned, sorted, are the rows' ids in order,
and they follow one another. The one exception (the largest id already being
the largest possible, when SQLite picks ids at random) shows as a gap; then
the rows are removed and inserted again one by one. Other backends keep
SQLAlchemy's ordered ``RETURNING``, which they do in batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, delete, insert

__all__ = ["insert_returning_ids"]


def insert_returning_ids(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` into ``table`` (its key: an integer ``id``); their ids, in order."""
    if not rows:
        return []
    if conn.dialect.name != "sqlite":
        return [int(row[0]) for row in conn.execute(_ordered(table), list(rows))]
    ids = sorted(int(row[0]) for row in conn.execute(_unordered(table), list(rows)))
    if ids[-1] - ids[0] == len(ids) - 1:
        return ids
    # Ids drawn at random: which row got which is unknown. (Never seen below 2**63 rows.)
    conn.execute(delete(table).where(table.c.id.in_(ids)))
    return [int(row[0]) for row in conn.execute(_ordered(table), list(rows))]


@cache
def _ordered(table: Table) -> Any:
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


@cache
def _unordered(table: Table) -> Any:
    return insert(table).returning(table.c.id)
