"""The storage facade: intent records in, domain types out, one :class:`StorageError`.

Every public method runs in its own transaction. Backend exceptions never leave
this class: they become :class:`StorageError` naming the database (password
masked), with the original as ``__cause__``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Concatenate, ParamSpec, Self, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError, StatementError
from sqlmodel import select

from monitor.models import (
    Alert,
    AlertQuery,
    DeadlineView,
    Feed,
    FeedSpec,
    ItemKey,
    ItemState,
    PollRecord,
    PollRun,
    PollSummary,
)
from monitor.storage import feeds as feed_rows
from monitor.storage import history, ingest, query
from monitor.storage.engine import (
    SQLITE_BEGIN,
    build_engine,
    masked,
    sqlite_file,
    upgrade_to_head,
)
from monitor.storage.errors import StorageError, UnknownFeedError
from monitor.storage.tables import DigestRow, digests
from monitor.storage.upsert import insert_for

P = ParamSpec("P")
R = TypeVar("R")


def _wrapped(method: Callable[Concatenate[Storage, P], R]) -> Callable[Concatenate[Storage, P], R]:
    @functools.wraps(method)
    def wrapper(self: Storage, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except StorageError:
            raise
        except Exception as exc:
            if not isinstance(exc, _backend_errors()):
                raise
            raise StorageError(self.url, f"{method.__name__} failed: {_describe(exc)}") from exc

    return wrapper


def _backend_errors() -> tuple[type[Exception], ...]:
    # Alembic is imported only when a migration runs (engine.upgrade_to_head);
    # until then none of its errors can occur.
    alembic_errors = sys.modules.get("alembic.util.exc")
    migration = (alembic_errors.CommandError,) if alembic_errors is not None else ()
    return (SQLAlchemyError, OSError, *migration)


def _describe(exc: BaseException) -> str:
    """The backend's own message, on one line (without SQL, parameters or doc links)."""
    cause = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


_BACKENDS = ("sqlite", "postgresql")


def _now() -> datetime:
    return datetime.now(UTC)


class Storage:
    """Feeds, items, alerts and digests in one SQLite or PostgreSQL database."""

    def __init__(self, url: str) -> None:
        try:
            self.url = masked(url)
        except (SQLAlchemyError, ValueError) as exc:
            hint = f"; for a SQLite file write sqlite:///{url}" if "://" not in url else ""
            raise StorageError("<unparsable database URL>", _describe(exc) + hint) from exc
        backend = url.split("://", 1)[0].split("+", 1)[0].lower()
        if backend not in _BACKENDS:
            raise StorageError(
                self.url, f"unsupported database {backend!r}: use sqlite:/// or postgresql://"
            )
        try:
            self._engine = build_engine(url)
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise StorageError(self.url, f"cannot open: {_describe(exc)}") from exc

    @classmethod
    def open(cls, url: str = "sqlite:///monitor.db") -> Storage:
        """Connect and bring the schema to the latest migration."""
        storage = cls(url)
        try:
            storage.migrate()
        except BaseException:
            storage.close()
            raise
        return storage

    @_wrapped
    def migrate(self) -> None:
        """Apply the migrations not yet applied (done by :meth:`open`)."""
        upgrade_to_head(self._engine)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Storage({self.url!r})"

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            with conn.begin():
                yield conn

    # -- feeds -------------------------------------------------------------

    @_wrapped
    def upsert_feeds(
        self,
        specs: Iterable[FeedSpec],
        default_interval: int,
        *,
        now: datetime | None = None,
        configured: bool = False,
        drop_unlisted: bool = False,
    ) -> None:
        """Insert new feeds, reconfigure known ones (un-removing them); health is kept.

        ``configured``: ``specs`` is the config file's list (the feeds are marked as
        its own); with ``drop_unlisted`` too, feeds it listed before and no longer
        does are removed.
        """
        with self._write() as conn:
            feed_rows.upsert_many(
                conn,
                specs,
                default_interval,
                now or _now(),
                configured=configured,
                drop_unlisted=drop_unlisted,
            )

    @_wrapped
    def add_feed(
        self, spec: FeedSpec, default_interval: int, *, now: datetime | None = None
    ) -> Feed:
        with self._write() as conn:
            feed_rows.upsert(conn, spec, default_interval, now or _now())
            feed = feed_rows.get(conn, spec.url)
        assert feed is not None
        return feed

    @_wrapped
    def remove_feed(self, url: str, *, now: datetime | None = None) -> bool:
        """Stop polling a feed; its items and alerts stay. False if it was not there."""
        with self._write() as conn:
            return feed_rows.remove(conn, url, now or _now())

    @_wrapped
    def get_feed(self, url: str) -> Feed | None:
        with self._read() as conn:
            return feed_rows.get(conn, url)

    @_wrapped
    def list_feeds(self, *, include_removed: bool = False) -> list[Feed]:
        with self._read() as conn:
            return feed_rows.list_all(conn, include_removed=include_removed)

    @_wrapped
    def due_feeds(self, now: datetime, *, ignore_interval: bool = False) -> list[Feed]:
        with self._read() as conn:
            return feed_rows.due(conn, now, ignore_interval)

    @_wrapped
    def next_due_at(self) -> datetime | None:
        """When the first enabled feed is due again (interval and backoff); None: no feed."""
        with self._read() as conn:
            return feed_rows.next_due_at(conn)

    @_wrapped
    def count_due_feeds(self, now: datetime, *, ignore_interval: bool = False) -> int:
        """How many feeds :meth:`due_feeds` would return."""
        with self._read() as conn:
            return feed_rows.count_due(conn, now, ignore_interval)

    @_wrapped
    def claim_due_feeds(
        self,
        owner: str,
        now: datetime,
        *,
        ignore_interval: bool = False,
        lease_seconds: int = 300,
        limit: int | None = None,
        exclude: Collection[int] = (),
    ) -> list[Feed]:
        """Due feeds leased to ``owner``; no other owner gets them until the lease
        ends, :meth:`release_feed` or :meth:`record_poll`. Feeds whose ids are in
        ``exclude`` (the caller has them in hand, their leases maybe over) are skipped."""
        with self._write() as conn:
            return feed_rows.claim(
                conn,
                owner,
                now,
                ignore_interval=ignore_interval,
                lease_seconds=lease_seconds,
                limit=limit,
                exclude=exclude,
            )

    @_wrapped
    def release_feed(self, url: str, owner: str) -> bool:
        with self._write() as conn:
            return feed_rows.release(conn, url, owner)

    @_wrapped
    def lease_owners(self) -> set[str]:
        """Who holds feed leases now (expired leases included)."""
        with self._read() as conn:
            return feed_rows.lease_owners(conn)

    @_wrapped
    def release_leases(self, owner: str) -> int:
        """Free every feed leased to ``owner`` (a process known to be dead); how many."""
        with self._write() as conn:
            return feed_rows.release_all(conn, owner)

    # -- ingest ------------------------------------------------------------

    @_wrapped
    def classify_items(self, feed_url: str, keys: Sequence[ItemKey]) -> list[ItemState]:
        """Whether each item is NEW to this feed, UNCHANGED (skip it) or CHANGED."""
        with self._read() as conn:
            feed_id = ingest.feed_id_for(conn, feed_url)
            if feed_id is None:
                raise UnknownFeedError(self.url, feed_url)
            return ingest.classify(conn, feed_id, keys)

    @_wrapped
    def known_hashes(self, feed_url: str) -> frozenset[str]:
        """Content hashes of every item this feed stored: items with one of these
        hashes are UNCHANGED for the feed and need no matching."""
        with self._read() as conn:
            feed_id = ingest.feed_id_for(conn, feed_url)
            if feed_id is None:
                raise UnknownFeedError(self.url, feed_url)
            return ingest.known_hashes(conn, feed_id)

    @_wrapped
    def record_poll(self, record: PollRecord) -> PollSummary:
        """Store a poll in one transaction: health, validators, poll run, items, alerts.

        Items :meth:`classify_items` called UNCHANGED may be left out, or passed
        without an analysis: an unchanged item is never rewritten. Recording the
        same record twice changes nothing the second time.
        """
        with self._write() as conn:
            summary = ingest.record_poll(conn, record)
        if summary is None:
            raise UnknownFeedError(self.url, record.feed_url)
        return summary

    @_wrapped
    def record_polls(self, records: Sequence[PollRecord]) -> list[PollSummary]:
        """Store several polls (of different feeds) in one transaction, each as
        :meth:`record_poll` stores it; their summaries, in order.

        Every feed's items still commit together with its validators, so a crash
        loses no item and stores none twice: the polls it loses are polled again.
        Polls that brought no item and did not move their feed (a 304, a failure)
        take a few statements for any number of them. Raises
        :class:`UnknownFeedError`, writing nothing, when a feed is not stored.
        """
        if not records:
            return []
        plain = [i for i, record in enumerate(records) if not record.items and not record.new_url]
        summaries: dict[int, PollSummary] = {}
        with self._write() as conn:
            unknown = [records[i].feed_url for i in plain if records[i].feed_id is None]
            ids = ingest.feed_ids(conn, unknown) if unknown else {}
            for i in plain:
                if records[i].feed_id is None and records[i].feed_url not in ids:
                    raise UnknownFeedError(self.url, records[i].feed_url)
            stored = ingest.record_polls(conn, [records[i] for i in plain], ids)
            if stored is None:  # a feed id given is no longer stored: the feed was removed
                raise UnknownFeedError(self.url, ingest.first_unknown_feed(conn, records))
            summaries.update(zip(plain, stored, strict=True))
            for i, record in enumerate(records):
                if i in summaries:
                    continue
                summary = ingest.record_poll(conn, record)
                if summary is None:
                    raise UnknownFeedError(self.url, record.feed_url)
                summaries[i] = summary
        return [summaries[i] for i in range(len(records))]

    # -- history -----------------------------------------------------------

    @_wrapped
    def query_alerts(self, q: AlertQuery) -> list[Alert]:
        """Alerts matching every filter, newest first (ties: highest id first)."""
        with self._read() as conn:
            return history.load_alerts(conn, query.query_ids(conn, q))

    @_wrapped
    def count_alerts(self, q: AlertQuery) -> int:
        with self._read() as conn:
            return query.count(conn, q)

    @_wrapped
    def get_alert(self, alert_id: int) -> Alert | None:
        """One alert with its item text, the origin feed's validators and every carrier."""
        with self._read() as conn:
            found = history.load_alerts(conn, [alert_id], full=True)
        return found[0] if found else None

    @_wrapped
    def list_deadlines(
        self, *, upcoming: bool, now: datetime, limit: int = 0
    ) -> list[DeadlineView]:
        """``upcoming``: resolved deadlines not yet past, soonest first. Otherwise every
        deadline, latest due first, unresolved last."""
        with self._read() as conn:
            return history.list_deadlines(conn, upcoming=upcoming, now=now, limit=limit)

    @_wrapped
    def daily_index(self, *, topic: str | None, start: date, end: date) -> list[tuple[date, float]]:
        """Sum of alert scores per UTC day of creation, every day from start to end."""
        with self._read() as conn:
            return history.daily_index(conn, topic=topic, start=start, end=end)

    @_wrapped
    def alerts_since(self, now: datetime, hours: float) -> dict[str, int]:
        with self._read() as conn:
            return history.alerts_since(conn, now, hours)

    @_wrapped
    def alert_levels_since(self, since: datetime) -> dict[str, int]:
        """Alerts created since ``since`` per level present, the newest alert's level first."""
        with self._read() as conn:
            return history.levels_since(conn, since)

    @_wrapped
    def top_alerts_since(self, since: datetime, limit: int) -> list[Alert]:
        """The ``limit`` highest-scoring alerts created since ``since``, ties by lowest id."""
        with self._read() as conn:
            return history.top_since(conn, since, limit)

    @_wrapped
    def last_poll(self) -> PollRun | None:
        with self._read() as conn:
            return history.last_poll(conn)

    @_wrapped
    def totals(self) -> dict[str, int]:
        """Feeds (not removed), items and alerts stored."""
        with self._read() as conn:
            return history.totals(conn)

    # -- digests -----------------------------------------------------------

    @_wrapped
    def digest_delivered(self, day: date, channel: str) -> bool:
        with self._read() as conn:
            query = select(DigestRow.id).where(DigestRow.day == day, DigestRow.channel == channel)
            return conn.execute(query).first() is not None

    @_wrapped
    def mark_digest_delivered(self, day: date, channel: str, location: str, when: datetime) -> bool:
        """Record a delivery; False if this day and channel were already delivered."""
        with self._write() as conn:
            make_insert = insert_for(conn)
            statement = (
                make_insert(digests)
                .values(day=day, channel=channel, location=location, delivered_at=when)
                .on_conflict_do_nothing(index_elements=["day", "channel"])
                .returning(digests.c.id)
            )
            return conn.execute(statement).first() is not None


def open_storage(url: str = "sqlite:///monitor.db", *, create: bool = True) -> Storage:
    """Open the database at ``url`` and migrate it to the latest schema.

    With ``create=False`` a SQLite file must exist already: a command that only
    reads the history reports a mistyped path instead of making an empty database.
    """
    if not create:
        try:
            path = sqlite_file(url)
        except (SQLAlchemyError, ValueError):
            path = None  # Storage says what is wrong with the URL
        if path is not None and not path.exists():
            raise StorageError(
                masked(url), "no such database (`monitor run` makes it; is the path right?)"
            )
    return Storage.open(url)
