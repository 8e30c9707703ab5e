"""``INSERT ... ON CONFLICT`` for the backend at hand.

Each backend has its own insert construct for it. The PostgreSQL dialect is
imported only for a PostgreSQL connection: with its drivers it takes longer
to import than the rest of the storage code, which SQLite never needs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Table


def insert_for(conn: Connection) -> Any:
    """The dialect's ``insert`` (it has ``on_conflict_do_nothing``) for ``conn``."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


@cache
def insert_ignoring(table: Table, dialect: str, *index_elements: str) -> Any:
    """An insert into ``table`` that skips rows conflicting on ``index_elements``; built
    once per table and dialect, and executed with one or many rows."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
