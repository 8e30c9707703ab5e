"""Engines configured for our use, and migrations applied at start."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, make_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision in ``migrations/versions`` (a test checks it): a database
# there needs no migration, so opening it does not import Alembic at all.
HEAD_REVISION = "0005"
BUSY_TIMEOUT_MS = 30_000
# Any constant works: it only has to be the same for every process migrating this database.
_MIGRATION_LOCK = 7_413_001

# Execution option naming how a SQLite transaction begins: IMMEDIATE takes the write
# lock up front, so a transaction that reads then writes cannot fail half-way with
# SQLITE_BUSY when another process wrote in between.
SQLITE_BEGIN = "sqlite_begin"


def masked(url: str | URL) -> str:
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for another backend or an in-memory database)."""
    parsed = make_url(url)
    name = parsed.database
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return None
    if name.startswith("file:"):  # a URI filename: file:path?mode=...
        name = name.removeprefix("file:").split("?", 1)[0]
    return Path(name).expanduser()


def build_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # We emit BEGIN ourselves (below); the driver's own transaction handling
        # would start transactions lazily and too weakly.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code: no ``alembic.ini`` at run time."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every migration not yet applied, in one transaction.

    Several processes may start at once: SQLite serialises them with the write
    lock, PostgreSQL with an advisory lock; the later ones find nothing to do.
    """
    if stored_revisions(engine) == {HEAD_REVISION}:
        return  # revisions only move forward: nothing can be left to do
    from alembic import command

    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            command.upgrade(alembic_config(conn), "head")


def stored_revisions(engine: Engine) -> set[str]:
    """The revisions Alembic recorded in the database (none when it is new)."""
    with engine.connect() as conn, conn.begin():
        if not inspect(conn).has_table("alembic_version"):
            return set()
        return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
