"""The daemon as users run it: real processes, real signals, a real feed server.

- SIGTERM stops it cleanly (exit 0) after the feeds in hand are stored;
- a second daemon on the same SQLite file refuses to start;
- kill -9 at random moments, then a restart, loses no item and duplicates no alert;
- on PostgreSQL two daemons share the feeds and fetch each one once per cycle;
- the digest job, restarted around the digest time with an injected clock,
  delivers exactly one digest per day and catches up a missed day once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path

import pytest
from feedserver import FeedServer

from monitor import paths
from monitor.app import App
from monitor.daemon import Daemon
from monitor.models import AlertQuery
from monitor.settings import load_settings
from monitor.storage import Storage, open_storage

SEED_SENTENCES = [
    line.strip()
    for article in sorted(paths.seeds_dir().glob("0*.txt"))
    for line in article.read_text(encoding="utf-8").splitlines()
    if len(line.split()) > 8
]


def farm_feed(feed: int, items: int, chooser: random.Random) -> bytes:
    entries = []
    for i in range(items):
        body = escape(" ".join(chooser.sample(SEED_SENTENCES, 3)))
        entries.append(
            f'<item><guid isPermaLink="false">farm-{feed}-{i}</guid>'
            f"<title>Report {feed}-{i}</title>"
            f"<link>https://news.example/{feed}/{i}</link>"
            f"<description>{body}</description>"
            "<pubDate>Mon, 29 May 2023 10:00:00 +0000</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Farm {feed}</title><link>https://news.example/{feed}/</link>"
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


def farm(server: FeedServer, feeds: int, items: int, *, delay: float = 0.0) -> list[str]:
    """``feeds`` feeds of ``items`` distinct items made of seed sentences; returns their URLs."""
    chooser = random.Random(7)
    return [
        server.add_route(
            f"/farm/{f}",
            farm_feed(f, items, chooser),
            headers={"Content-Type": "application/rss+xml"},
            delay=delay,
        )
        for f in range(feeds)
    ]


def write_config(tmp_path: Path, db_url: str, urls: list[str], *, concurrency: int = 8) -> Path:
    lines = [
        f'database_url = "{db_url}"',
        'default_interval = "1h"',
        "[schedule]",
        "workers = 1",
        "jitter = 0.0",
        "[fetch]",
        "total_timeout = 20",
        f"concurrency = {concurrency}",
        "[digest]",
        "enabled = false",
    ]
    lines += [f'[[feeds]]\nurl = "{url}"' for url in urls]
    config = tmp_path / "monitor.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def start_daemon(config: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "MONITOR_CONFIG": ""},
    )


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def item_count(storage: Storage) -> int:
    return storage.totals()["items"]


def alert_fingerprints(storage: Storage) -> list[tuple[str, int, tuple[str, ...]]]:
    alerts = storage.query_alerts(AlertQuery(limit=0))
    return sorted(
        (a.item.guid or "", a.score, tuple(sorted(i.id for i in a.indicators))) for a in alerts
    )


PG_URL = os.environ.get("MONITOR_TEST_PG_URL")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL bound to a fresh schema, dropped afterwards."""
    if not PG_URL:
        pytest.skip(
            "PostgreSQL tests need MONITOR_TEST_PG_URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    import psycopg

    conninfo = PG_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3D{name}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer(standard=True) as running:
        yield running


def test_sigterm_stops_the_daemon_cleanly(tmp_path: Path, server: FeedServer) -> None:
    urls = farm(server, 3, 5)
    db_url = f"sqlite:///{tmp_path / 'm.db'}"
    config = write_config(tmp_path, db_url, urls)
    daemon = start_daemon(config, tmp_path / "daemon.log")
    try:
        with open_storage(db_url) as storage:
            wait_for(lambda: item_count(storage) == 15, 60, "the first poll")
            # A second daemon on the same file refuses to run, with a clear message.
            second = subprocess.run(
                [sys.executable, "-m", "monitor", "--config", str(config), "run"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.returncode == 1
            assert "another monitor daemon is running" in second.stderr
            assert "Traceback" not in second.stderr
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    log = (tmp_path / "daemon.log").read_text()
    assert "daemon stopped" in log
    assert "poll feed=" in log  # one structured line per poll outcome


def test_kill_9_mid_ingest_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, server: FeedServer
) -> None:
    urls = farm(server, 24, 20, delay=0.05)
    control_url = f"sqlite:///{tmp_path / 'control.db'}"
    (tmp_path / "control").mkdir()
    control = write_config(tmp_path / "control", control_url, urls)
    run_once = [sys.executable, "-m", "monitor", "--config"]
    subprocess.run([*run_once, str(control), "run", "--once"], check=True, capture_output=True)

    db_url = f"sqlite:///{tmp_path / 'm.db'}"
    config = write_config(tmp_path, db_url, urls)
    chooser = random.Random(3)
    kills = 0
    with open_storage(db_url) as storage:
        while kills < 4:
            daemon = start_daemon(config, tmp_path / "daemon.log")
            time.sleep(chooser.uniform(1.2, 2.5))  # start-up, then somewhere inside the ingest
            daemon.send_signal(signal.SIGKILL)
            daemon.wait(10)
            kills += 1
            if item_count(storage) == 24 * 20:
                break
    # Restart: whatever was left due is polled now.
    subprocess.run([*run_once, str(config), "run", "--once"], check=True, capture_output=True)
    with open_storage(db_url) as storage, open_storage(control_url) as expected:
        assert item_count(storage) == 24 * 20
        assert alert_fingerprints(storage) == alert_fingerprints(expected)
        assert len({guid for guid, _, _ in alert_fingerprints(storage)}) == len(
            alert_fingerprints(storage)
        )


@pytest.mark.postgres
def test_two_daemons_on_postgresql_fetch_each_feed_once_per_cycle(
    tmp_path: Path, server: FeedServer, pg_schema_url: str
) -> None:
    # Slow feeds and small batches (4 rounds of 2 fetches): both daemons get a share.
    urls = farm(server, 30, 3, delay=0.4)
    config = write_config(tmp_path, pg_schema_url, urls, concurrency=2)
    with open_storage(pg_schema_url):
        pass  # migrate once, before both daemons start
    daemons = [start_daemon(config, tmp_path / f"daemon-{n}.log") for n in range(2)]
    try:
        with open_storage(pg_schema_url) as storage:
            wait_for(lambda: item_count(storage) == 90, 90, "both daemons to poll every feed")
            time.sleep(2)  # give a double poll the chance to happen
    finally:
        for daemon in daemons:
            daemon.send_signal(signal.SIGTERM)
        for daemon in daemons:
            assert daemon.wait(30) == 0
    hits = [server.hits(f"/farm/{n}") for n in range(30)]
    assert hits == [1] * 30
    logs = [(tmp_path / f"daemon-{n}.log").read_text() for n in range(2)]
    assert all("poll feed=" in log for log in logs), "both daemons should have done some work"


def test_daemon_restarts_deliver_one_digest_per_day_and_catch_up(
    tmp_path: Path, server: FeedServer
) -> None:
    folder = tmp_path / "digests"
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "m.db"}"\n'
        "[schedule]\nworkers = 1\n"
        f'[digest]\ntime = "07:00"\ntimezone = "Europe/Belgrade"\nfolder = "{folder}"\n'
        f'[[feeds]]\nurl = "{server.url("/feed")}"\n',
        encoding="utf-8",
    )
    settings = load_settings(config, env={})

    def run_daemon_at(moment: datetime) -> None:
        with App(settings) as app:
            daemon = Daemon(app, clock=lambda: moment)
            daemon.start()
            try:
                wait_for(lambda: not _job_pending(daemon), 30, "the start-up jobs")
            finally:
                daemon.shutdown()

    def delivered() -> list[str]:
        return sorted(p.name for p in folder.glob("digest-*.html"))

    belgrade = settings.digest.tz
    day = date(2026, 3, 10)

    def at(d: date, hour: int, minute: int = 0) -> datetime:
        return datetime(d.year, d.month, d.day, hour, minute, tzinfo=belgrade).astimezone(UTC)

    run_daemon_at(at(day, 6, 55))  # before the digest time: the previous day's is due
    assert delivered() == ["digest-2026-03-09.html"]
    run_daemon_at(at(day, 7, 5))  # restarted just after: today's, once
    run_daemon_at(at(day, 7, 6))  # restarted again: nothing new
    assert delivered() == ["digest-2026-03-09.html", "digest-2026-03-10.html"]
    # Down for a whole day: the missed day is caught up once, with the current one.
    later = day + timedelta(days=2)
    run_daemon_at(at(later, 9, 0))
    run_daemon_at(at(later, 9, 30))
    assert delivered() == [f"digest-2026-03-{n:02d}.html" for n in (9, 10, 11, 12)]


def _job_pending(daemon: Daemon) -> bool:
    """True while the digest job has not yet run once (its first run is at start)."""
    job = daemon.scheduler.get_job("digest")
    return job is None or job.next_run_time <= datetime.now(UTC)
