"""Polls of many feeds: item-less outcomes stored together, batches claimed without a
pause, the rules and the feed parser loaded only when a body needs them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedserver import Exchange, FeedServer, healthy_feed

from indicators.engine import Engine
from monitor import paths
from monitor import pipeline as pipeline_module
from monitor.analysis import AnalysisRunner
from monitor.fetch import Fetcher
from monitor.models import FeedSpec, PollRecord, PollSummary
from monitor.pipeline import BATCH_ROUNDS, FeedOutcome, Pipeline, PollOptions
from monitor.storage import Storage, StorageError, open_storage

# Runs the command line in a fresh interpreter, then names the heavy modules it loaded.
RUN_AND_REPORT_MODULES = """
import runpy, sys
sys.argv = ["monitor", *sys.argv[1:]]
try:
    runpy.run_module("monitor", run_name="__main__")
except SystemExit as exit:
    code = exit.code
watched = ("feedparser", "indicators.engine", "monitor.parse", "yaml")
print("MODULES", [name for name in watched if name in sys.modules])
sys.exit(code)
"""


def _serve_feeds(feed_server: FeedServer, count: int) -> list[str]:
    return [feed_server.add_handler(f"/many/{index}", healthy_feed) for index in range(count)]


def _config(tmp_path: Path, urls: list[str], *, workers: int = 1) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "m.db"}"\n'
        f"[fetch]\nconcurrency = 4\nper_host = 4\n"
        f"[schedule]\nworkers = {workers}\nunconditional_every = 0\n"
        + "".join(f'[[feeds]]\nurl = "{url}"\n' for url in urls),
        encoding="utf-8",
    )
    return config


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", RUN_AND_REPORT_MODULES, "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def _loaded(result: subprocess.CompletedProcess[str]) -> list[str]:
    line = next(line for line in result.stdout.splitlines() if line.startswith("MODULES "))
    return json.loads(line.removeprefix("MODULES ").replace("'", '"'))


def test_a_poll_of_304s_records_every_feed_and_never_loads_the_rules(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    urls = _serve_feeds(feed_server, 30)
    config = _config(tmp_path, urls, workers=2)
    first = _run(config, "run", "--once")
    assert first.returncode == 0, first.stderr
    assert {"feedparser", "indicators.engine"} <= set(_loaded(first))  # bodies were analysed

    second = _run(config, "run", "--once", "--all")
    assert second.returncode == 0, second.stderr
    assert "30 not modified" in second.stdout
    assert _loaded(second) == []  # nothing to parse: no parser, no rules, no YAML
    with sqlite3.connect(tmp_path / "m.db") as conn:
        feeds = conn.execute(
            "SELECT status, last_polled_at, next_poll_at, lease_owner, etag FROM feeds"
        ).fetchall()
        runs = conn.execute(
            "SELECT feed_id, count(*), max(http_status) FROM poll_runs GROUP BY feed_id"
        ).fetchall()
    assert len(feeds) == 30
    for status, polled, next_poll, lease, etag in feeds:
        assert status == "ok" and lease is None and etag is not None
        assert next_poll > polled
    assert sorted(count for _, count, _ in runs) == [2] * 30
    assert {status for _, _, status in runs} == {304}


def _storage_of_304s(tmp_path: Path, urls: list[str]) -> Storage:
    """A database of feeds that already hold the test server's validators: each answers 304."""
    storage = open_storage(f"sqlite:///{tmp_path / 'm.db'}")
    storage.upsert_feeds([FeedSpec(url=url) for url in urls], 900)
    with storage._engine.begin() as conn:
        conn.exec_driver_sql("UPDATE feeds SET etag = ?", ('"seed-feed-v1"',))
    return storage


def _pipeline_of_304s(storage: Storage, fetcher: Fetcher, *, concurrency: int) -> Pipeline:
    """A pipeline whose rules must never load: no body is analysed in a poll of 304s."""
    runner = AnalysisRunner(
        lambda: pytest.fail("a poll of 304s loaded the rules"),
        indicators_dir=paths.indicators_dir(),
        topics_dir=paths.topics_dir(),
    )
    options = PollOptions(concurrency=concurrency, per_host=concurrency, unconditional_every=0)
    return Pipeline(storage=storage, fetcher=fetcher, runner=runner, options=options)


def test_outcomes_stored_together_are_each_reported_once(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_module, "FLUSH_SIZE", 3)  # several batches of 304s
    urls = _serve_feeds(feed_server, 2 * 2 * BATCH_ROUNDS + 3)  # several claimed batches too
    storage = _storage_of_304s(tmp_path, urls)
    with storage, Fetcher() as fetcher:
        pipeline = _pipeline_of_304s(storage, fetcher, concurrency=2)
        seen: list[FeedOutcome] = []
        report = pipeline.poll_due(on_outcome=seen.append)
        assert sorted(o.url for o in report.outcomes) == sorted(urls)
        assert seen == report.outcomes
        assert all(o.ok and o.not_modified and o.http_status == 304 for o in seen)
        assert pipeline.poll_due().outcomes == []  # all recorded: none is due any more
        stored = storage.list_feeds()
        assert all(f.last_polled_at is not None for f in stored)
        assert all(f.next_poll_at > datetime.now(UTC) for f in stored)
        assert storage.lease_owners() == set()


def test_a_stopped_poll_frees_the_feeds_it_had_claimed_but_not_started(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    stop = threading.Event()
    answered: list[str] = []

    def answer_then_stop(exchange: Exchange) -> None:
        answered.append(exchange.path)
        if len(answered) == 3:
            stop.set()  # as SIGTERM would, in the middle of the poll
        healthy_feed(exchange)

    urls = [feed_server.add_handler(f"/stop/{index}", answer_then_stop) for index in range(20)]
    storage = _storage_of_304s(tmp_path, urls)
    with storage, Fetcher() as fetcher:
        pipeline = _pipeline_of_304s(storage, fetcher, concurrency=1)
        report = pipeline.poll_due(stop=stop)
        assert 3 <= len(report.outcomes) < 20
        assert len(report.outcomes) == len(answered)  # whatever was fetched was stored
        assert storage.lease_owners() == set()  # the rest are free for the next poll
        rest = pipeline.poll_due()
        assert len(report.outcomes) + len(rest.outcomes) == 20


def test_rules_that_cannot_be_loaded_stop_the_poll_with_their_error(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("indicators: [\n", encoding="utf-8")
    config = _config(tmp_path, [feed_server.url("/feed")])
    config.write_text(
        config.read_text(encoding="utf-8") + f'[engine]\nindicators = "{rules}"\n',
        encoding="utf-8",
    )
    result = _run(config, "run", "--once")
    assert result.returncode == 1
    assert "bad.yaml" in result.stderr and "Traceback" not in result.stderr
    with sqlite3.connect(tmp_path / "m.db") as conn:
        # Not the feed's fault: it is not put into backoff.
        assert conn.execute("SELECT status, error_count FROM feeds").fetchall() == [("new", 0)]


@pytest.mark.parametrize("together_fails", [False, True])
def test_feeds_with_items_that_finish_together_are_stored_together(
    tmp_path: Path,
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    together_fails: bool,
) -> None:
    urls = _serve_feeds(feed_server, 12)
    storage = open_storage(f"sqlite:///{tmp_path / 'm.db'}")
    storage.upsert_feeds([FeedSpec(url=url) for url in urls], 900)
    grouped: list[int] = []
    record_poll, record_polls = storage.record_poll, storage.record_polls

    def slow_record_poll(record: PollRecord) -> PollSummary:
        time.sleep(0.05)  # storing holds the poll up: the next feeds finish meanwhile
        return record_poll(record)

    def spied_record_polls(records: Sequence[PollRecord]) -> list[PollSummary]:
        if any(record.items for record in records):
            grouped.append(len(records))
            if together_fails:
                raise StorageError(storage.url, "simulated failure")
        return record_polls(records)

    monkeypatch.setattr(storage, "record_poll", slow_record_poll)
    monkeypatch.setattr(storage, "record_polls", spied_record_polls)
    with storage, Fetcher() as fetcher, _in_process_runner() as runner:
        pipeline = Pipeline(
            storage=storage,
            fetcher=fetcher,
            runner=runner,
            options=PollOptions(concurrency=4, per_host=4, unconditional_every=0),
        )
        report = pipeline.poll_due()
        assert len(report.outcomes) == 12 and not report.failed
        assert grouped and all(size > 1 for size in grouped)
        feeds = storage.list_feeds()
    # One feed stored the seed articles, the others linked them: every feed carries them.
    assert all(feed.items == 5 and feed.etag is not None for feed in feeds)
    assert sum(outcome.new_items for outcome in report.outcomes) == 5


def _in_process_runner() -> AnalysisRunner:
    return AnalysisRunner(
        lambda: Engine.from_directory(paths.indicators_dir(), paths.topics_dir()),
        indicators_dir=paths.indicators_dir(),
        topics_dir=paths.topics_dir(),
    )
