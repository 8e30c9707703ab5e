"""Benchmark: how fast ``monitor alerts`` answers with a year of history.

Fills a database with ``--alerts`` synthetic alerts (default 1,000,000) spread
over the year before now, then times five ``monitor alerts ... --limit 50
--format json`` commands as whole processes, the way a user runs them, and
subtracts the command line's own start-up.

The alerts look like the ones the pipeline stores: every indicator of
``config/indicators`` (with its severity and rule version) in a realistic mix
of events and background mentions, the topics of ``config/topics`` (and some
items tagged with none), sixty feeds, items carried by several feeds, evidence
sentences naming real places (Mitrovica in about one alert in nine), deadlines,
and scores from the real scoring (:func:`indicators.scoring.score_document`).
The schema comes from the real migrations (:func:`monitor.storage.open_storage`);
rows, including the full-text index and the filter tables, are then written in
bulk with the standard library's ``sqlite3``, in the shapes
``monitor/storage/ingest.py`` and ``alert_rows.py`` write them, so that a
million alerts load in minutes. Columns are read from the database at run
time, so a migration that adds a column with a default does not break the fill.

Start-up is the median of the same command with a filter that matches
nothing (``monitor --db URL alerts --until 2000-01-01 --limit 50 --format
json``): the interpreter, imports, settings, opening the database and checking
its migrations, one empty index range, printing ``[]``. "Beyond start-up" is
a command's median minus that median, in wall and in CPU time; the target is
100 ms (wall), and the exit status is 1 when a command misses it.

    .venv/bin/python -m bench.history --alerts 1000000 --db sqlite:////tmp/monitor-history.db
    .venv/bin/python -m bench.history --db /tmp/monitor-history.db --no-cli --explain

A database that already holds alerts is timed as it is (any URL, PostgreSQL
included); only SQLite can be filled.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from bench import history_text as text
from indicators.loader import load_indicators
from indicators.scoring import ScoringInput, score_document
from indicators.types import TITLE_SEPARATOR, Evidence, ScoreCard, Status
from monitor.models import AlertQuery
from monitor.storage import Storage, StorageError, history, open_storage, query
from monitor.storage.engine import build_engine
from monitor.storage.keys import searchable

ROOT = Path(__file__).resolve().parents[1]
MONITOR = ROOT / ".venv" / "bin" / "monitor"
TARGET_MS = 100.0
BATCH = 10_000
FEEDS = 60
FEED_WEIGHTS = (1.0, 1.0, 1.0, 0.9, 0.8, 0.6)

# (command-line filters, the same as an AlertQuery relative to now)
COMMANDS: list[tuple[list[str], Callable[[datetime], AlertQuery]]] = [
    (["--since", "24h"], lambda now: AlertQuery(since=now - timedelta(hours=24), limit=50)),
    (["--indicator", "barricade"], lambda now: AlertQuery(indicator="barricade", limit=50)),
    (
        ["--min-score", "70", "--since", "7d"],
        lambda now: AlertQuery(min_score=70, since=now - timedelta(days=7), limit=50),
    ),
    (["--search", "Mitrovica"], lambda now: AlertQuery(search="Mitrovica", limit=50)),
    (
        ["--topic", "kosovo-serbia", "--min-score", "50"],
        lambda now: AlertQuery(topic="kosovo-serbia", min_score=50, limit=50),
    ),
]
# Starts the command line and opens the same database, but matches nothing.
BASELINE = ["--until", "2000-01-01"]

# More filters, timed in-process through the storage facade.
EXTRA_QUERIES: list[tuple[str, Callable[[datetime], AlertQuery]]] = [
    ("no filter", lambda now: AlertQuery(limit=50)),
    ("indicator+status background", lambda now: AlertQuery(indicator="casualties", status="background", limit=50)),  # noqa: E501
    ("topic russia-ukraine", lambda now: AlertQuery(topic="russia-ukraine", limit=50)),
    ("level critical", lambda now: AlertQuery(level="critical", limit=50)),
    ("min-score 95", lambda now: AlertQuery(min_score=95, limit=50)),
    ("has-deadline", lambda now: AlertQuery(has_deadline=True, limit=50)),
    ("feed", lambda now: AlertQuery(feed=_feed_url(7), limit=50)),
    ("search Banjska", lambda now: AlertQuery(search="Banjska", limit=50)),
    ("search Mitrovica + topic", lambda now: AlertQuery(search="Mitrovica", topic="kosovo-serbia", limit=50)),  # noqa: E501
    ("until 6 months ago", lambda now: AlertQuery(until=now - timedelta(days=182), limit=50)),
]  # fmt: skip


# -- generating alerts ------------------------------------------------------


def _ts(moment: datetime) -> str:
    """How SQLAlchemy's SQLite dialect stores our UTC datetimes (naive, fixed width)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _feed_url(number: int) -> str:
    return f"https://{text.FEED_SITES[number % len(text.FEED_SITES)]}{number}.example/rss"


# The columns each table is written with, in the order of the generated tuples.
COLUMNS: dict[str, tuple[str, ...]] = {
    "feeds": ("id", "url", "name", "interval", "weight", "lang", "enabled", "removed",
              "created_at", "status", "error_count", "last_success_at", "last_polled_at"),
    "items": ("id", "feed_id", "title", "link", "link_norm", "guid", "published", "fetched_at",
              "updated_at", "content_hash", "text"),
    "item_feeds": ("item_id", "feed_id", "guid", "first_seen_at", "content_hash"),
    "alerts": ("id", "item_id", "score", "level", "topics", "explanation", "contributions",
               "search_text", "has_event", "has_background", "has_deadline", "created_at",
               "updated_at"),
    "alert_topics": ("alert_id", "topic", "created_at"),
    "alert_indicators": ("alert_id", "indicator_id", "has_event", "has_background", "created_at"),
    "alert_feeds": ("alert_id", "feed_id", "created_at"),
    "evidence": ("id", "alert_id", "ordinal", "indicator_id", "rule_version", "status",
                 "indicator_score", "sentence", "start", "end", "match", "match_spans", "reasons",
                 "sentence_index", "strength"),
    "deadlines": ("id", "alert_id", "ordinal", "phrase", "due_at", "due_has_time", "start", "end",
                  "reason"),
    "alerts_fts": ("rowid", "search_text"),
}  # fmt: skip


@dataclass
class _Batch:
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {t: [] for t in COLUMNS})


@dataclass
class _Article:
    title: str
    text: str
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)  # by indicator
    # (phrase, due, start, end, reason)
    deadlines: list[tuple[str, datetime | None, int, int, str]] = field(default_factory=list)


class AlertFactory:
    """Alert ``i`` of ``n``, with its item, evidence and filter rows, created in the year
    before ``now``; ids grow with time, as they do when the pipeline stores them."""

    def __init__(self, n: int, now: datetime, seed: int) -> None:
        self.rng = random.Random(seed)
        self.start = now - timedelta(days=365)
        self.step = timedelta(days=365) / n
        rules = {i.id: i for i in load_indicators(ROOT / "config" / "indicators")}
        missing = set(text.INDICATOR_MIX) - set(rules)
        if missing:
            raise SystemExit(f"config/indicators has no indicator {sorted(missing)}")
        self.rules = rules
        self.indicator_ids = list(text.INDICATOR_MIX)
        self.indicator_weights = [w for w, _ in text.INDICATOR_MIX.values()]
        self.evidence_id = 0
        self.deadline_id = 0

    def feed_rows(self) -> list[tuple[Any, ...]]:
        created = _ts(self.start - timedelta(days=30))
        return [
            (f, _feed_url(f), f"{text.FEED_SITES[f % len(text.FEED_SITES)].title()} {f}", 900,
             FEED_WEIGHTS[f % len(FEED_WEIGHTS)], None, 1, 0, created, "ok", 0, None, None)
            for f in range(1, FEEDS + 1)
        ]  # fmt: skip

    def _topics(self) -> list[str]:
        roll = self.rng.random()
        if roll < 0.55:
            return ["kosovo-serbia"]
        if roll < 0.90:
            return ["russia-ukraine"]
        if roll < 0.92:
            return ["kosovo-serbia", "russia-ukraine"]
        return []

    def _chosen(self) -> list[str]:
        count = self.rng.choices((1, 2, 3, 4), weights=(55, 30, 12, 3))[0]
        chosen: list[str] = []
        while len(chosen) < count:
            pick = self.rng.choices(self.indicator_ids, weights=self.indicator_weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        return chosen

    def _article(self, chosen: list[str], slots: dict[str, str], created_at: datetime) -> _Article:
        """Title, then the evidence sentences with neutral filler before and after some."""
        rng = self.rng
        title = text.title_for(chosen[0], slots, rng)
        plan: list[tuple[str, text.Sentence, Status]] = []
        for indicator_id in chosen:
            event_share = text.INDICATOR_MIX[indicator_id][1]
            for _ in range(rng.choices((1, 2), weights=(75, 25))[0]):
                status = Status.EVENT if rng.random() < event_share else Status.BACKGROUND
                plan.append((indicator_id, text.sentence(indicator_id, status, rng), status))
        fillers = iter(rng.sample(text.FILLER, k=min(len(text.FILLER), 6)))
        body: list[str | tuple[str, text.Sentence, Status]] = []
        for entry in plan:
            while rng.random() < 0.3:
                body.append(text.fill(next(fillers, text.FILLER[0]), slots))
            body.append(entry)
        if rng.random() < 0.6:
            body.append(text.fill(rng.choice(text.FILLER), slots))
        article = _Article(title, title + TITLE_SEPARATOR)
        for index, entry in enumerate(body, start=1):
            if isinstance(entry, str):
                article.text += entry + " "
            else:
                self._add_evidence(article, index, *entry, slots, created_at)
        article.text = article.text.rstrip()
        return article

    def _add_evidence(
        self,
        article: _Article,
        index: int,
        indicator_id: str,
        template: text.Sentence,
        status: Status,
        slots: dict[str, str],
        created_at: datetime,
    ) -> None:
        sentence, spans = text.render(template, slots)
        begin = len(article.text)
        article.text += sentence + " "
        background = status is Status.BACKGROUND
        article.evidence.setdefault(indicator_id, []).append(
            Evidence(
                indicator_id=indicator_id,
                rule_version=self.rules[indicator_id].version,
                status=status,
                sentence=sentence,
                start=begin,
                end=begin + len(sentence),
                match=" … ".join(sentence[a:b] for a, b in spans),
                match_spans=tuple((begin + a, begin + b) for a, b in spans),
                sentence_index=index,
                reasons=(template.reason,) if background and template.reason else (),
                strength=template.strength,
            )
        )
        if template.deadline:
            due = None
            if template.due_days:
                day = created_at.date() + timedelta(days=template.due_days)
                due = datetime(day.year, day.month, day.day, tzinfo=UTC)  # a date: midnight UTC
            at = begin + sentence.find(template.deadline)
            article.deadlines.append(
                (template.deadline, due, at, at + len(template.deadline), template.due_reason)
            )

    def _score(self, article: _Article, feed: int) -> tuple[ScoreCard, dict[str, float]]:
        inputs = []
        for indicator_id, found in article.evidence.items():
            rule = self.rules[indicator_id]
            any_event = any(e.status is Status.EVENT for e in found)
            status = Status.EVENT if any_event else Status.BACKGROUND
            inputs.append(
                ScoringInput(indicator_id, rule.title, rule.severity, status, tuple(found))
            )
        return score_document(inputs, source_weight=FEED_WEIGHTS[feed % len(FEED_WEIGHTS)])

    def add(self, i: int, batch: _Batch) -> None:
        """Alert ``i`` and its item, as rows of every table it touches."""
        rng = self.rng
        rows = batch.rows
        created_at = self.start + self.step * (i - 1 + rng.random() * 0.9)
        created = _ts(created_at)
        topics = self._topics()
        region = text.REGIONS[topics[0] if topics else ""]
        chosen = self._chosen()
        article = self._article(chosen, region.slots(rng), created_at)
        feed = rng.randrange(1, FEEDS + 1)
        card, points = self._score(article, feed)
        ordinal = 0
        for indicator_id, found in article.evidence.items():
            for ev in found:
                self.evidence_id += 1
                rows["evidence"].append(
                    (self.evidence_id, i, ordinal, indicator_id, ev.rule_version, ev.status.value,
                     points[indicator_id], ev.sentence, ev.start, ev.end, ev.match,
                     json.dumps([list(s) for s in ev.match_spans]), json.dumps(list(ev.reasons)),
                     ev.sentence_index, ev.strength)
                )  # fmt: skip
                ordinal += 1
            rows["alert_indicators"].append(
                (i, indicator_id, any(e.status is Status.EVENT for e in found),
                 any(e.status is Status.BACKGROUND for e in found), created)
            )  # fmt: skip
        for ordinal, (phrase, due, begin, end, reason) in enumerate(article.deadlines):
            self.deadline_id += 1
            rows["deadlines"].append(
                (self.deadline_id, i, ordinal, phrase, _ts(due) if due else None, 0, begin, end,
                 reason)
            )  # fmt: skip
        every = [ev for found in article.evidence.values() for ev in found]
        search = searchable(article.title, (ev.sentence for ev in every))
        digest = hashlib.sha256(article.text.encode()).hexdigest()
        link = f"https://{text.FEED_SITES[feed % len(text.FEED_SITES)]}{feed}.example/news/{i}"
        published = _ts(created_at - timedelta(minutes=rng.randrange(3, 180)))
        rows["items"].append(
            (i, feed, article.title, link, link, f"{feed}-{i}", published, created, None, digest,
             article.text)
        )  # fmt: skip
        carriers = [feed]
        if rng.random() < 0.08:  # syndicated: a second feed carries the same article
            carriers.append(feed % FEEDS + 1)
        for carrier in carriers:
            rows["item_feeds"].append((i, carrier, f"{carrier}-{i}", created, digest))
            rows["alert_feeds"].append((i, carrier, created))
        contributions = [{"label": c.label, "points": c.points, "detail": c.detail}
                         for c in card.contributions]  # fmt: skip
        rows["alerts"].append(
            (i, i, card.score, card.level.value, json.dumps(topics), card.explanation,
             json.dumps(contributions), search, any(e.status is Status.EVENT for e in every),
             any(e.status is Status.BACKGROUND for e in every), bool(article.deadlines), created,
             None)
        )  # fmt: skip
        rows["alert_topics"] += [(i, t, created) for t in topics]
        rows["alerts_fts"].append((i, search))


def batches(factory: AlertFactory, n: int) -> Iterator[_Batch]:
    batch = _Batch()
    for i in range(1, n + 1):
        factory.add(i, batch)
        if i % BATCH == 0 or i == n:
            yield batch
            batch = _Batch()


# -- writing them -----------------------------------------------------------


class _Inserter:
    """INSERT statements for the columns the migrated schema has.

    A column we generate but the schema lacks is left out; a NOT NULL column
    without a default that we do not generate is an error naming it.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self.plans: dict[str, tuple[str, list[int] | None]] = {}
        for table, ours in COLUMNS.items():
            if table == "alerts_fts":
                self.plans[table] = (
                    "INSERT INTO alerts_fts(rowid, search_text) VALUES (?, ?)",
                    None,
                )
                continue
            info = db.execute(f"PRAGMA table_info({table})").fetchall()
            if not info:
                raise SystemExit(f"the migrated database has no table {table!r}")
            present = {row[1] for row in info}
            for _, name, _, notnull, default, pk in info:
                if notnull and default is None and not pk and name not in ours:
                    raise SystemExit(
                        f"{table}.{name} is NOT NULL and this benchmark cannot fill it"
                    )
            keep = [k for k, name in enumerate(ours) if name in present]
            names = ", ".join(f'"{ours[k]}"' for k in keep)
            marks = ", ".join("?" * len(keep))
            self.plans[table] = (
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                None if len(keep) == len(ours) else keep,
            )

    def write(self, db: sqlite3.Connection, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        sql, keep = self.plans[table]
        if keep is not None:
            rows = [tuple(row[k] for k in keep) for row in rows]
        db.executemany(sql, rows)


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise SystemExit(f"{url}: give a database file")
    return Path(parsed.database)


def fill_sqlite(url: str, n: int, seed: int, now: datetime, *, analyze: bool) -> None:
    path = sqlite_path(url)
    assert path is not None
    open_storage(url).close()  # the schema, from the migrations
    factory = AlertFactory(n, now, seed)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")  # 256 MiB
    inserter = _Inserter(db)
    db.execute("BEGIN")
    inserter.write(db, "feeds", factory.feed_rows())
    db.execute("COMMIT")
    began = time.perf_counter()
    for batch in batches(factory, n):
        db.execute("BEGIN")
        for table in COLUMNS:
            if batch.rows[table]:
                inserter.write(db, table, batch.rows[table])
        db.execute("COMMIT")
        done = batch.rows["alerts"][-1][0]
        if done % 100_000 == 0 or done == n:
            rate = done / (time.perf_counter() - began)
            print(f"  {done:,} alerts ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    if analyze:
        db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


# -- timing the command line ------------------------------------------------


@dataclass(frozen=True)
class Run:
    wall_ms: float
    cpu_ms: float  # user + system time of the process, from wait4
    rows: int


def run_cli(url: str, filters: Sequence[str], cwd: str) -> Run:
    """One whole ``monitor alerts ... --limit 50 --format json`` process."""
    argv = [str(MONITOR), "--db", url, "alerts", *filters, "--limit", "50", "--format", "json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, cwd=cwd, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = (time.perf_counter() - began) * 1000
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            message = err.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{message}")
        rows = len(json.loads(out.read()))
    return Run(wall, (usage.ru_utime + usage.ru_stime) * 1000, rows)


@dataclass
class Timing:
    filters: str
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall_ms for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu_ms for r in self.runs)

    @property
    def rows(self) -> int:
        return self.runs[-1].rows


def time_cli(url: str, repeat: int) -> tuple[Timing, list[Timing]]:
    """The start-up timing and each command's. Runs are interleaved, so that load from
    elsewhere on the machine falls on every command alike; one warm-up round first."""
    base = Timing(" ".join(BASELINE))
    commands = [Timing(" ".join(filters)) for filters, _ in COMMANDS]
    plan = [(base, BASELINE)] + [(t, f) for t, (f, _) in zip(commands, COMMANDS, strict=True)]
    with tempfile.TemporaryDirectory() as cwd:  # no ./monitor.toml: the bundled config
        for _, filters in plan:
            run_cli(url, filters, cwd)
        for _ in range(repeat):
            for timing, filters in plan:
                timing.runs.append(run_cli(url, filters, cwd))
    return base, commands


def _verdict(beyond_ms: float) -> str:
    return "PASS" if beyond_ms < TARGET_MS else "FAIL"


def print_cli_table(base: Timing, commands: list[Timing], repeat: int) -> bool:
    print(f"\n`monitor --db URL alerts FILTERS --limit 50 --format json`, median of {repeat} runs;")
    print(f"start-up: `{base.filters}` (same process, same database, no match).\n")
    print(
        "| filters | rows | total ms | start-up ms | beyond start-up ms | < 100 ms "
        "| CPU ms | start-up CPU ms | beyond start-up CPU ms | CPU < 100 ms |"
    )
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---|")
    ok = True
    for t in commands:
        beyond = t.wall - base.wall
        ok &= beyond < TARGET_MS
        print(
            f"| `{t.filters}` | {t.rows} | {t.wall:.0f} | {base.wall:.0f} | {beyond:.0f} "
            f"| {_verdict(beyond)} | {t.cpu:.0f} | {base.cpu:.0f} | {t.cpu - base.cpu:.0f} "
            f"| {_verdict(t.cpu - base.cpu)} |"
        )
    print(
        f"| `{base.filters}` (start-up) | {base.rows} | {base.wall:.0f} | | | "
        f"| {base.cpu:.0f} | | | |"
    )
    if base.wall > 1.2 * base.cpu:
        print(
            f"\nThe start-up waited {base.wall - base.cpu:.0f} ms beyond its CPU time: other work "
            "shared the machine, so the wall figures overstate the cost; the CPU ones do not."
        )
    return ok


# -- timing the storage, in-process -----------------------------------------


class StatementLog:
    """Every SQL statement run through SQLAlchemy, with its parameters."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []
        event.listen(Engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        self.statements.append((statement, params))


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def time_storage(url: str, repeat: int, now: datetime, explain: bool) -> None:
    """``query_ids`` (choosing the alerts) and ``load_alerts`` (reading them) apart,
    on a connection of the storage's own engine."""
    log = StatementLog()
    queries = [(" ".join(f), make(now)) for f, make in COMMANDS]
    queries += [(name, make(now)) for name, make in EXTRA_QUERIES]
    print(f"\nIn-process, median of {repeat}: choosing the ids (`query.query_ids`) and")
    print("reading the alerts (`history.load_alerts`).\n")
    print("| filters | rows | ids ms | load ms | total ms |")
    print("|---|---:|---:|---:|---:|")
    open_storage(url).close()
    engine = build_engine(url)
    plans: list[tuple[str, list[tuple[str, Any]]]] = []
    with engine.connect() as conn:
        for name, q in queries:
            ids = query.query_ids(conn, q)
            ids_ms = _median_ms(lambda q=q: query.query_ids(conn, q), repeat)
            load_ms = _median_ms(lambda ids=ids: history.load_alerts(conn, ids), repeat)
            print(f"| `{name}` | {len(ids)} | {ids_ms:.1f} | {load_ms:.1f} | "
                  f"{ids_ms + load_ms:.1f} |", flush=True)  # fmt: skip
            log.statements.clear()
            query.query_ids(conn, q)
            plans.append((name, list(log.statements)))
    engine.dispose()
    path = sqlite_path(url)
    if explain and path is not None:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        for name, statements in plans:
            print(f"\n### {name}")
            for statement, params in statements:
                began = time.perf_counter()
                db.execute(statement, params or ()).fetchall()
                ms = (time.perf_counter() - began) * 1000
                print(f"\n{ms:.1f} ms\n```sql\n{statement.strip()}\n```\nparameters: {params}")
                for row in db.execute(f"EXPLAIN QUERY PLAN {statement}", params or ()):
                    print(f"    {row[3]}")
        db.close()


def stored_alerts(url: str) -> int:
    """How many alerts the database holds. Only a SQLite database is migrated here
    (it is about to be filled); any other is only read, and 0 when it has no schema."""
    if sqlite_path(url) is not None:
        with open_storage(url) as storage:
            return storage.totals()["alerts"]
    try:
        with Storage(url) as storage:
            return storage.totals()["alerts"]
    except StorageError:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1_000_000, help="alerts to fill (default 1M)")
    parser.add_argument(
        "--db",
        default="sqlite:////tmp/monitor-history.db",
        help="database URL (a plain path means a SQLite file); filled when it has no alerts",
    )
    parser.add_argument("--repeat", type=int, default=11, help="runs per command (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE after filling")
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line table")
    parser.add_argument("--no-storage", action="store_true", help="skip the in-process table")
    parser.add_argument(
        "--explain", action="store_true", help="print each id query with its time and plan"
    )
    args = parser.parse_args()
    url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    shown = make_url(url).render_as_string(hide_password=True)
    now = datetime.now(UTC)
    stored = stored_alerts(url)
    if stored == 0:
        if sqlite_path(url) is None:
            raise SystemExit(
                f"{shown}: only SQLite can be filled; give a SQLite URL, or a database "
                "that already holds alerts to time it"
            )
        began = time.perf_counter()
        fill_sqlite(url, args.alerts, args.seed, now, analyze=args.analyze)
        stored = args.alerts
        print(f"filled {args.alerts:,} alerts in {time.perf_counter() - began:.0f} s")
    with open_storage(url) as storage:
        newest = storage.query_alerts(AlertQuery(limit=1))
    age = f", the newest created {now - newest[0].created_at} ago" if newest else ""
    print(f"{stored:,} alerts in {shown}{age}")
    ok = True
    if not args.no_cli:
        base, commands = time_cli(url, args.repeat)
        ok = print_cli_table(base, commands, args.repeat)
    if not args.no_storage:
        time_storage(url, args.repeat, now, args.explain)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
