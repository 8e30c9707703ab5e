"""Output formats, OPML, times on the command line, feed locations, the daemon lock."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.daemon_lock import DaemonAlreadyRunning, daemon_lock, sqlite_path
from monitor.errors import ConfigError
from monitor.feedurl import normalise_feed_url
from monitor.models import Feed, FeedStatus
from monitor.opml import read_opml, write_opml
from monitor.output import Column, render_table, write_records
from monitor.timeparse import parse_when

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
RECORDS = [
    {"id": 1, "title": "Barricades at \x1b[31mJarinje\x1b[0m", "score": 81.5},
    {"id": 2, "title": '=HYPERLINK("http://evil")', "score": 12},
]
COLUMNS = [Column("ID", lambda r: r["id"], 4), Column("TITLE", lambda r: r["title"])]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table"])
def test_every_format_carries_the_records(fmt: str) -> None:
    stream = io.StringIO()
    write_records(stream, RECORDS, fmt, COLUMNS)
    out = stream.getvalue()
    if fmt == "json":
        assert json.loads(out) == RECORDS
    elif fmt == "jsonl":
        assert [json.loads(line) for line in out.splitlines()] == RECORDS
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == ["ID", "TITLE"]
        assert rows[2][1].startswith("'=")  # no formula injection into spreadsheets
    else:
        assert "Jarinje" in out and "\x1b" not in out


def test_table_clips_flexible_columns_to_the_width() -> None:
    table = render_table([{"id": 1, "title": "x" * 300}], COLUMNS, width=60)
    assert all(len(line) <= 60 for line in table.splitlines())
    assert "…" in table


def test_opml_round_trip() -> None:
    feeds = [
        Feed(
            id=1,
            url="https://a.example/rss?x=1&y=2",
            name='A "quoted" <feed>',
            interval=1800,
            weight=1.0,
            lang="sr",
            enabled=True,
            status=FeedStatus.OK,
        ),
    ]
    text = write_opml(feeds, now=NOW)
    specs = read_opml(text.encode(), source="f.opml")
    assert [(s.url, s.name, s.lang) for s in specs] == [(feeds[0].url, feeds[0].name, "sr")]


def test_opml_with_entities_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body/></opml>'
    with pytest.raises(ConfigError, match=r"bomb\.opml"):
        read_opml(bomb, source="bomb.opml")
    with pytest.raises(ConfigError, match="not valid OPML"):
        read_opml(b"<opml><body>", source="broken.opml")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2w", NOW - timedelta(weeks=2)),
        ("2022-11-22", datetime(2022, 11, 22, tzinfo=UTC)),
        ("2022-11-22T08:00:00+01:00", datetime(2022, 11, 22, 7, tzinfo=UTC)),
    ],
)
def test_when(value: str, expected: datetime) -> None:
    assert parse_when(value, now=NOW) == expected


def test_bad_when_names_the_value() -> None:
    with pytest.raises(ValueError, match="'yesterday'"):
        parse_when("yesterday", now=NOW)


def test_feed_locations(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss/>")
    assert normalise_feed_url("https://example.org/rss") == "https://example.org/rss"
    assert normalise_feed_url(str(feed)) == feed.resolve().as_uri()
    assert normalise_feed_url(feed.as_uri()) == feed.resolve().as_uri()
    with pytest.raises(ConfigError, match="ftp://x"):
        normalise_feed_url("ftp://x/rss")
    with pytest.raises(ConfigError, match="no such feed file"):
        normalise_feed_url(str(tmp_path / "missing.xml"))
    with pytest.raises(ConfigError, match="no host"):
        normalise_feed_url("https:///rss")


def test_sqlite_paths() -> None:
    assert sqlite_path("sqlite:///monitor.db") == Path("monitor.db").resolve()
    assert sqlite_path("sqlite:////tmp/x.db") == Path("/tmp/x.db")
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("postgresql+psycopg://u@h/db") is None


def _hold_lock(
    url: str, ready: multiprocessing.synchronize.Event, done: multiprocessing.synchronize.Event
) -> None:
    with daemon_lock(url):
        ready.set()
        done.wait(10)


def test_one_daemon_per_sqlite_file_and_a_killed_holder_does_not_block(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    context = multiprocessing.get_context("spawn")
    ready, done = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(url, ready, done))
    holder.start()
    try:
        assert ready.wait(20)
        with (
            pytest.raises(DaemonAlreadyRunning, match=r"m\.db: another monitor daemon"),
            daemon_lock(url),
        ):
            pass
    finally:
        holder.kill()  # like kill -9: the lock file stays, the lock does not
        holder.join(10)
    assert (tmp_path / "m.db.lock").exists()
    with daemon_lock(url):
        pass
