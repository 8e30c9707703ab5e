"""insert_returning_ids: many rows in one go, each id paired with its own row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, Text, create_engine, event, select

from monitor.storage.bulk import insert_returning_ids

metadata = MetaData()
notes = Table(
    "bulk_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Text, nullable=False),
)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The table on each backend."""
    yield from _with_table(db_url)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    yield from _with_table(f"sqlite:///{tmp_path / 'bulk.db'}")


def _with_table(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _rows(count: int, tag: str) -> list[dict[str, str]]:
    return [{"body": f"{tag}-{n}"} for n in range(count)]


def _bodies(engine: Engine, ids: list[int]) -> list[str]:
    with engine.connect() as conn:
        query = select(notes.c.id, notes.c.body).where(notes.c.id.in_(ids))
        stored = {note_id: body for note_id, body in conn.execute(query)}
    return [stored[i] for i in ids]


def test_each_id_is_the_id_of_its_row_in_order(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_returning_ids(conn, notes, _rows(3, "before"))
        rows = _rows(1200, "batch")  # more than one page of SQLAlchemy's batches
        ids = insert_returning_ids(conn, notes, rows)
    assert len(set(ids)) == len(rows)
    assert _bodies(engine, ids) == [row["body"] for row in rows]


def test_no_rows_is_no_statement(engine: Engine) -> None:
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with engine.begin() as conn:
        assert insert_returning_ids(conn, notes, []) == []
    assert statements == []


def test_sqlite_takes_one_statement_for_many_rows(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with engine.begin() as conn:
        insert_returning_ids(conn, notes, _rows(50, "one"))
    assert len(statements) == 1


def test_sqlite_ids_drawn_at_random_still_pair_with_their_rows(sqlite_engine: Engine) -> None:
    # Once the largest possible id is taken, SQLite draws new ones at random.
    engine = sqlite_engine
    with engine.begin() as conn:
        conn.execute(notes.insert().values(id=2**63 - 1, body="last possible"))
        rows = _rows(40, "random")
        ids = insert_returning_ids(conn, notes, rows)
    assert ids != sorted(ids)  # the random ids came back out of order: the slow path ran
    assert _bodies(engine, ids) == [row["body"] for row in rows]
    with engine.connect() as conn:
        assert len(conn.execute(select(notes.c.id)).all()) == len(rows) + 1
