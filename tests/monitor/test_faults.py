"""`monitor run --once` against every fault the feed server can inject, at once.

The run finishes; the healthy feeds are stored; every faulty one is recorded
with a clear error and backed off; memory stays bounded; and nothing of the
local file that hostile feeds try to include reaches the database.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from feedserver import CYRILLIC_TITLE, LATIN1_TITLE, SECRET, FeedServer, seed_feed

HEALTHY = [
    "/feed",
    "/slow",
    "/gzip",
    "/deflate",
    "/redirect/302",
    "/charset/latin1",
    "/charset/latin1-as-utf8",
    "/charset/utf8-bom",
    "/charset/utf8-cyrillic",
    "/charset/cp1251",
    "/charset/cp1250",
    "/duplicate-guids",
    "/changing-guids",
]
# path -> words the feed's last error must contain
FAULTY = {
    "/trickle": "total deadline",
    "/hang": "timed out",
    "/reset": "connection",
    "/close-mid-body": "connection",
    "/error/500": "HTTP 500",
    "/error/404": "404",
    "/retry/429": "429",
    "/retry/503": "503",
    "/retry/later": "503",
    "/gone": "HTTP 410",
    "/html": "HTML page, not a feed",
    "/json": "JSON document, not a feed",
    "/not-a-feed": "no RSS, Atom or RDF feed",
    "/huge": "over the limit",
    "/gzip-bomb": "over the limit",
    "/corrupt-gzip": "corrupt gzip",
    "/redirect/loop": "more than 5 redirects",
    "/redirect/file": "unsupported URL",
}
# May parse (leniently) or fail; either way the run goes on and nothing leaks.
EITHER = ["/malformed", "/entity-bomb", "/xxe/file", "/xxe/file-one-line", "/xxe/http"]


# Runs the command as its only child and prints the peak RSS (KiB) of it and its workers,
# so other tests' processes in this worker do not count.
PEAK_RSS = (
    "import resource, subprocess, sys; "
    "code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def run_once(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "monitor", "--config", str(config), "run", "--once", *extra]
    return subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command], capture_output=True, text=True, timeout=180
    )


def feeds_by_url(config: Path) -> dict[str, dict]:
    listing = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "--config",
            str(config),
            "feeds",
            "list",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {feed["url"]: feed for feed in json.loads(listing.stdout)}


@pytest.fixture
def faulty_setup(tmp_path: Path, feed_server: FeedServer) -> tuple[Path, Path]:
    retry_at = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    feed_server.add_route("/retry/later", b"busy", status=503, headers={"Retry-After": retry_at})
    database = tmp_path / "m.db"
    paths = [*HEALTHY, *FAULTY, *EITHER]
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "sqlite:///{database}"\n'
        "[fetch]\nconnect_timeout = 3\nread_timeout = 3\ntotal_timeout = 6\nconcurrency = 16\n"
        "per_host = 16\nmax_bytes = 2000000\n"
        "[schedule]\nworkers = 2\nunconditional_every = 0\n"
        + "".join(f'[[feeds]]\nurl = "{feed_server.url(p)}"\n' for p in paths),
        encoding="utf-8",
    )
    return config, database


def test_every_fault_is_contained(faulty_setup: tuple[Path, Path], feed_server: FeedServer) -> None:
    config, database = faulty_setup
    started = time.monotonic()
    result = run_once(config)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed < 90  # the trickle and the hang are cut off by the deadlines
    # Peak memory of the run: bounded despite the bombs.
    peak_mb = int(result.stderr.strip().splitlines()[-1]) / 1024
    assert peak_mb < 250, f"peak RSS {peak_mb:.0f} MB"

    feeds = feeds_by_url(config)
    for path in HEALTHY:
        feed = feeds[feed_server.url(path)]
        assert feed["status"] == "ok", (path, feed["last_error"])
        assert feed["items"] > 0, path
    for path, words in FAULTY.items():
        feed = feeds[feed_server.url(path)]
        assert feed["status"] in {"failing", "backoff", "gone"}, (path, feed)
        assert words.lower() in (feed["last_error"] or "").lower(), (path, feed["last_error"])
        assert feed["next_poll"] > feed["last_polled"], path
    assert feeds[feed_server.url("/gone")]["status"] == "gone"
    later = feeds[feed_server.url("/retry/later")]
    assert later["status"] == "backoff"
    assert datetime.fromisoformat(later["backoff_until"]) > datetime.now(UTC) + timedelta(hours=1)
    assert feed_server.hits("/secret") == 0

    with sqlite3.connect(database) as conn:
        titles = {row[0] for row in conn.execute("SELECT title FROM items")}
        dump = "\n".join(conn.iterdump())
    assert SECRET not in dump and "SERVER-SIDE-SECRET" not in dump
    assert LATIN1_TITLE in titles and CYRILLIC_TITLE in titles
    assert not any(marker in title for title in titles for marker in ("Ã", "Ð", "\ufffd"))
    assert len(dump) < 20_000_000  # no entity expanded into the database

    # Run again with --all: nothing is stored twice; backoff and Retry-After hold.
    items_before = len(titles)
    hits_429 = feed_server.hits("/retry/429")
    assert run_once(config, "--all").returncode == 0
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == items_before
        guids = [row[0] for row in conn.execute("SELECT guid FROM items WHERE guid IS NOT NULL")]
    assert len(guids) == len(set(guids))
    assert feed_server.hits("/retry/429") == hits_429  # still waiting out Retry-After
    assert feed_server.hits("/changing-guids") == 2  # polled again, its stories not doubled


def test_permanent_redirects_move_the_feed(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add_route(
        "/moved-target", seed_feed(), headers={"Content-Type": "application/rss+xml"}
    )
    feed_server.add_route(
        "/moved", status=301, headers={"Location": feed_server.url("/moved-target")}
    )
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "m.db"}"\n[schedule]\nworkers = 1\n'
        f'[[feeds]]\nurl = "{feed_server.url("/moved")}"\n',
        encoding="utf-8",
    )
    assert run_once(config).returncode == 0
    feeds = feeds_by_url(config)
    assert feed_server.url("/moved-target") in feeds
    assert feeds[feed_server.url("/moved-target")]["items"] == 5
