"""Migrations, connection settings, error wrapping and datetime handling."""

from __future__ import annotations

import pickle
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import SQLModel
from storage_factories import FEED, OTHER, T0, add_feeds, make_item, make_poll

from indicators.types import Status
from monitor.errors import MonitorError
from monitor.models import AlertQuery, FeedSpec
from monitor.storage import Storage, StorageError, UnknownFeedError, open_storage
from monitor.storage.engine import HEAD_REVISION, alembic_config
from monitor.storage.tables import FeedRow, feeds, include_name, item_feeds, items, metadata

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_migrating_an_empty_database_gives_exactly_the_metadata(storage: Storage) -> None:
    with storage._engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": include_name, "compare_type": True}
        )
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == HEAD
        tables = set(inspect(conn).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables


def test_full_text_index_is_created(storage: Storage) -> None:
    with storage._engine.connect() as conn:
        if storage.dialect == "sqlite":
            found = conn.execute(
                text("SELECT name FROM sqlite_master WHERE name = 'alerts_fts'")
            ).scalar()
        else:
            found = conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE indexname = 'ix_alerts_search'")
            ).scalar()
    assert found is not None


def test_opening_twice_keeps_data_and_migrates_once(db_url: str) -> None:
    with open_storage(db_url) as first:
        add_feeds(first)
    with Storage.open(db_url) as second:
        assert [f.url for f in second.list_feeds()] == [FEED]


def test_the_head_revision_constant_is_the_migrations_head() -> None:
    assert HEAD_REVISION == HEAD


def test_opening_a_migrated_database_does_not_load_alembic(db_url: str) -> None:
    open_storage(db_url).close()
    script = (
        "import sys\n"
        "from monitor.storage import open_storage\n"
        "open_storage(sys.argv[1]).close()\n"
        "assert 'alembic' not in sys.modules, 'alembic was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, db_url],
        cwd=Path(__file__).resolve().parents[3],  # the project root, where monitor/ is
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_a_database_from_a_newer_version_is_a_storage_error(db_url: str) -> None:
    with open_storage(db_url) as storage, storage._engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StorageError, match="migrate failed") as caught:
        open_storage(db_url)
    assert isinstance(caught.value.__cause__, CommandError)


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'sub' / 'm.db'}")
    with storage, storage._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    assert (tmp_path / "sub" / "m.db").exists()


def test_backend_errors_become_storage_errors_with_masked_password() -> None:
    url = "postgresql+psycopg://monitor:s3cret@127.0.0.1:1/nowhere?connect_timeout=2"
    with pytest.raises(StorageError) as caught:
        open_storage(url)
    message = str(caught.value)
    assert "s3cret" not in message
    assert "monitor:***@127.0.0.1:1/nowhere" in message
    assert caught.value.__cause__ is not None


def test_messages_are_one_line_and_bad_urls_are_storage_errors() -> None:
    with pytest.raises(StorageError, match="unparsable") as caught:
        open_storage("not a url at all")
    assert "\n" not in str(caught.value)
    with pytest.raises(StorageError, match=r"unsupported database 'nosuchdriver'"):
        open_storage("nosuchdriver://host/db")
    with pytest.raises(StorageError, match=r"unsupported database 'mysql': use sqlite"):
        open_storage("mysql://user@host/db")
    # A path where a URL belongs: the message shows the URL it should have been.
    with pytest.raises(StorageError, match=r"write sqlite:////var/lib/monitor\.db"):
        open_storage("/var/lib/monitor.db")


def test_a_corrupt_sqlite_file_is_a_storage_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match=r"broken\.db") as caught:
        open_storage(f"sqlite:///{path}")
    assert isinstance(caught.value.__cause__, DatabaseError)
    assert "not a database" in str(caught.value)


def test_failures_after_opening_are_wrapped_too(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with open_storage(f"sqlite:///{path}") as storage:
        add_feeds(storage)
        raw = sqlite3.connect(path)
        raw.execute("DROP TABLE poll_runs")
        raw.commit()
        raw.close()
        with pytest.raises(StorageError, match="record_poll") as caught:
            storage.record_poll(make_poll())
        assert "poll_runs" in str(caught.value.__cause__)


def test_datetimes_round_trip_as_aware_utc(storage: Storage) -> None:
    belgrade = timezone(timedelta(hours=2))
    local = datetime(2023, 5, 29, 10, 30, 15, 123456, tzinfo=belgrade)
    add_feeds(storage)
    storage.record_poll(make_poll(at=local, backoff_until=local + timedelta(hours=1)))
    feed = storage.get_feed(FEED)
    assert feed is not None and feed.last_polled_at is not None
    assert feed.last_polled_at.tzinfo is UTC
    assert feed.last_polled_at == local + timedelta(seconds=2)
    assert feed.backoff_until == datetime(2023, 5, 29, 9, 30, 15, 123456, tzinfo=UTC)
    with storage._engine.connect() as conn:
        created = conn.execute(select(feeds.c.created_at)).scalar_one()
    assert created == T0 and created.tzinfo is UTC


def test_naive_datetimes_are_refused(storage: Storage) -> None:
    with pytest.raises(StorageError, match="naive datetime"):
        storage.due_feeds(datetime(2023, 5, 29, 8, 0))


def test_unknown_feed_is_named(storage: Storage) -> None:
    with pytest.raises(UnknownFeedError, match=r"https://missing\.example/rss"):
        storage.record_poll(make_poll(feed="https://missing.example/rss"))
    storage.add_feed(FeedSpec(url=FEED), 600)
    assert storage.get_feed(FEED) is not None


def test_the_migrations_downgrade_to_an_empty_database(storage: Storage) -> None:
    add_feeds(storage)
    with storage._engine.connect() as conn, conn.begin():
        command.downgrade(alembic_config(conn), "base")
    with storage._engine.connect() as conn:
        left = set(inspect(conn).get_table_names()) - {"alembic_version"}
    assert left == set()


def test_a_database_at_the_first_revision_is_upgraded_with_its_data(db_url: str) -> None:
    with open_storage(db_url) as storage:
        add_feeds(storage)
        storage.record_poll(make_poll([make_item("Kept", guid="1")]))
        with storage._engine.connect() as conn, conn.begin():
            command.downgrade(alembic_config(conn), "0001")
            assert MigrationContext.configure(conn).get_current_revision() == "0001"
    with open_storage(db_url) as storage:
        feed = storage.get_feed(FEED)
        assert feed is not None and (feed.items, feed.last_item_at) == (1, T0)
        with storage._engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            assert context.get_current_revision() == HEAD
            assert compare_metadata(context, metadata) == []


def test_a_database_at_0002_gets_per_feed_hashes_from_its_items(db_url: str) -> None:
    shared = make_item("Shared", "Full text.", guid="1", link="https://n.example/1")
    with open_storage(db_url) as storage:
        add_feeds(storage, FEED, OTHER)
        storage.record_poll(make_poll([shared, make_item("Own", "Only here.", guid="2")]))
        summary = make_item("Shared", "Summary.", guid="s", link="https://n.example/1")
        storage.record_poll(make_poll([summary], feed=OTHER))
        with storage._engine.connect() as conn, conn.begin():
            command.downgrade(alembic_config(conn), "0002")
            columns = {c["name"] for c in inspect(conn).get_columns("item_feeds")}
            assert "content_hash" not in columns
            before = conn.execute(
                text("SELECT item_id, feed_id, guid FROM item_feeds ORDER BY item_id, feed_id")
            ).all()
    assert len(before) == 3
    with open_storage(db_url) as storage:
        with storage._engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_name": include_name, "compare_type": True}
            )
            assert context.get_current_revision() == HEAD
            assert compare_metadata(context, metadata) == []
            rows = conn.execute(
                select(item_feeds.c.item_id, item_feeds.c.feed_id, item_feeds.c.guid).order_by(
                    item_feeds.c.item_id, item_feeds.c.feed_id
                )
            ).all()
            assert [tuple(r) for r in rows] == [tuple(r) for r in before]
            backfilled = conn.execute(
                select(item_feeds.c.content_hash, items.c.content_hash).join(
                    items, items.c.id == item_feeds.c.item_id
                )
            ).all()
        assert len(backfilled) == 3 and all(own == item for own, item in backfilled)
        # The other feed's summary was stored before per-feed hashes: it counts as
        # an edit once, and never again.
        again = storage.record_poll(make_poll([summary], feed=OTHER, at=T0 + timedelta(hours=1)))
        assert again.updated_items == 1
        last = storage.record_poll(make_poll([summary], feed=OTHER, at=T0 + timedelta(hours=2)))
        assert last.updated_items == 0
        assert storage.known_hashes(OTHER) == {summary.content_hash}
        assert storage.known_hashes(FEED) == {
            shared.content_hash,
            make_item("Own", "Only here.").content_hash,
        }


def test_a_database_at_0003_gets_its_search_text_folded(db_url: str) -> None:
    sentence = "Police in Zvečan said shots were fired."
    item = make_item(
        "Shots near Zvečan", sentence, guid="z", hits=[("shooting", Status.EVENT, sentence)]
    )
    with open_storage(db_url) as storage:
        add_feeds(storage)
        storage.record_poll(make_poll([item]))
        with storage._engine.connect() as conn, conn.begin():
            command.downgrade(alembic_config(conn), "0003")
            # As 0003 stored it: the text as written.
            conn.execute(text("UPDATE alerts SET search_text = 'Shots near Zvečan'"))
            if conn.dialect.name == "sqlite":
                conn.execute(text("INSERT INTO alerts_fts(alerts_fts) VALUES ('rebuild')"))
    with open_storage(db_url) as storage:
        assert [a.item.title for a in storage.query_alerts(AlertQuery(search="Zvecan"))] == [
            "Shots near Zvečan"
        ]
        assert len(storage.query_alerts(AlertQuery(search="звечан"))) == 1
        with storage._engine.connect() as conn:
            assert conn.execute(text("SELECT search_text FROM alerts")).scalar() == (
                "shots near zvecan"
            )


def test_table_classes_keep_their_own_metadata() -> None:
    assert SQLModel.metadata.tables == {}
    assert {t.name for t in metadata.sorted_tables} >= {"feeds", "items", "alerts", "digests"}
    assert metadata.naming_convention["pk"] == "pk_%(table_name)s"
    assert feeds is FeedRow.__table__


def test_storage_errors_are_monitor_errors_that_pickle() -> None:
    error = StorageError("sqlite:///m.db", "record_poll failed: disk I/O error")
    unknown = UnknownFeedError("postgresql://u:***@h/db", "https://missing.example/rss")
    for original in (error, unknown):
        assert isinstance(original, MonitorError)
        copy = pickle.loads(pickle.dumps(original))
        assert type(copy) is type(original)
        assert (str(copy), copy.url, copy.message) == (
            str(original),
            original.url,
            original.message,
        )
    assert str(error) == "sqlite:///m.db: record_poll failed: disk I/O error"
    assert str(unknown) == "postgresql://u:***@h/db: no such feed: https://missing.example/rss"
    assert pickle.loads(pickle.dumps(unknown)).feed_url == "https://missing.example/rss"
