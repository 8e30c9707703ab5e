"""How fast the alert history answers at scale.

Fills a SQLite database with synthetic alerts (default 1,000,000: items,
evidence, topics, deadlines, full-text index), then times every
``query_alerts`` filter (limit 50), ``count_alerts`` (with ``--counts``) and
``list_feeds`` through the storage facade. The schema comes from the real
migrations; rows are bulk-loaded with the standard library's sqlite3 so that
loading takes minutes, not hours.

    .venv/bin/python bench/history.py --alerts 1000000 --db artifacts/history.db
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

from monitor.models import AlertQuery
from monitor.storage import open_storage

START = datetime(2022, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
FEEDS = 50
INDICATORS = [
    "threat", "troops-alert", "barricades", "police-raid", "shooting", "casualties",
    "airspace", "talks-collapse", "deadline", "protest", "arrest", "de-escalation",
]  # fmt: skip
TOPICS = [("kosovo-serbia", 0.7), ("military", 0.15), ("bosnia", 0.1), ("history", 0.02)]
LEVELS = ["critical", "warning", "watch", "info"]
PLACES = ["Mitrovica", "Zvečan", "Jarinje", "Leposavić", "Pristina", "Belgrade", "Banjska"]
WORDS = [
    "police",
    "army",
    "troops",
    "road",
    "bridge",
    "talks",
    "border",
    "protest",
    "drone",
    "patrol",
    "shots",
    "crowd",
]


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _rows(n: int, rng: random.Random) -> Iterator[dict[str, list[tuple[object, ...]]]]:
    """Rows per table, in batches; alert i belongs to item i."""
    step = SPAN / n
    batch: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    evidence_id = 0
    for i in range(1, n + 1):
        created = _ts(START + step * i)
        place = rng.choices(PLACES, weights=[5, 3, 2, 1, 20, 20, 0.05])[0]
        title = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} near {place} {i}"
        sentence = f"The {rng.choice(WORDS)} and {rng.choice(WORDS)} were reported in {place}."
        feed = rng.randrange(1, FEEDS + 1)
        score = min(100, int(rng.expovariate(1 / 25)))
        level = LEVELS[next(n for n, floor in enumerate((80, 50, 25, 0)) if score >= floor)]
        topics = [t for t, p in TOPICS if rng.random() < p] or ["kosovo-serbia"]
        link = f"https://n{feed}.example/{i}"
        batch["items"].append(
            (i, feed, title, link, link, str(i), created, created, None, f"h{i}",
             f"{title}\n\n{sentence}")
        )  # fmt: skip
        batch["item_feeds"].append((i, feed, str(i), created))
        batch["alert_topics"] += [(i, t, created) for t in topics]
        batch["alert_feeds"].append((i, feed, created))
        chosen = rng.sample(INDICATORS[: rng.choice([3, 6, 12])], k=rng.choice([1, 1, 2, 3]))
        statuses: list[tuple[bool, bool]] = []
        for ordinal, indicator in enumerate(chosen):
            evidence_id += 1
            status = "event" if rng.random() < 0.7 else "background"
            statuses.append((status == "event", status == "background"))
            batch["alert_indicators"].append(
                (i, indicator, status == "event", status == "background", created)
            )
            start = len(title) + 2
            batch["evidence"].append(
                (evidence_id, i, ordinal, indicator, "1", status, 10.0, sentence, start,
                 start + len(sentence), "were reported", "[[0, 1]]", "[]", 1, 1.0)
            )  # fmt: skip
        has_deadline = rng.random() < 0.05
        if has_deadline:
            due = _ts(START + step * i + timedelta(days=rng.randrange(1, 30)))
            batch["deadlines"].append((i, i, 0, "within days", due, 0, 0, 5, ""))
        batch["alerts"].append(
            (i, i, score, level, json.dumps(topics), f"{score} ({level})", "[]",
             f"{title}\n{sentence}", any(e for e, _ in statuses), any(b for _, b in statuses),
             has_deadline, created, None)
        )  # fmt: skip
        if i % 20_000 == 0 or i == n:
            yield batch
            batch = defaultdict(list)


def _feed_rows() -> list[tuple[object, ...]]:
    now = _ts(START)
    return [(f, f"https://n{f}.example/rss", f"Feed {f}", now) for f in range(1, FEEDS + 1)]


_FEED_COLUMNS = "id, url, name, interval, weight, enabled, removed, created_at, status, error_count"


def fill_sqlite(path: Path, n: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    open_storage(f"sqlite:///{path}").close()  # the schema, from the migrations
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    db.executemany(
        f"INSERT INTO feeds ({_FEED_COLUMNS}) VALUES (?, ?, ?, 900, 1.0, 1, 0, ?, 'ok', 0)",
        _feed_rows(),
    )
    for batch in _rows(n, random.Random(seed)):
        for name, rows in batch.items():
            marks = ", ".join("?" * len(rows[0]))
            db.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
        db.executemany(
            "INSERT INTO alerts_fts(rowid, search_text) VALUES (?, ?)",
            [(a[0], a[7]) for a in batch["alerts"]],
        )
        db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


def fill_postgres(url: str, n: int, seed: int) -> None:
    import psycopg

    open_storage(url).close()  # the schema, from the migrations
    conninfo, _, query = url.replace("postgresql+psycopg://", "postgresql://").partition("?")
    options = dict(part.split("=", 1) for part in query.split("&") if part)
    with psycopg.connect(conninfo, options=unquote(options.get("options", ""))) as db:
        db.execute("SET TIME ZONE 'UTC'")
        db.execute("SET synchronous_commit = off")
        with db.cursor() as cur:
            cur.executemany(
                f"INSERT INTO feeds ({_FEED_COLUMNS}) VALUES (%s, %s, %s, 900, 1.0, true, false,"
                " %s, 'ok', 0)",
                _feed_rows(),
            )
            for batch in _rows(n, random.Random(seed)):
                for name in (
                    "items",
                    "item_feeds",
                    "alerts",
                    *sorted(set(batch) - {"items", "item_feeds", "alerts"}),
                ):
                    with cur.copy(f"COPY {name} FROM STDIN") as copy:
                        for row in batch[name]:
                            copy.write_row(row)
            for name in ("feeds", "items", "alerts", "evidence", "deadlines"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {name}))"
                )
        db.commit()
        db.autocommit = True
        db.execute("VACUUM ANALYZE")


QUERIES: dict[str, AlertQuery] = {
    "no filter": AlertQuery(),
    "since 7 days": AlertQuery(since=START + SPAN - timedelta(days=7)),
    "until a year ago": AlertQuery(until=START + SPAN - timedelta(days=365)),
    "indicator common": AlertQuery(indicator="threat"),
    "indicator rare": AlertQuery(indicator="de-escalation"),
    "indicator+status": AlertQuery(indicator="airspace", status="background"),
    "status background": AlertQuery(status="background"),
    "topic common": AlertQuery(topic="kosovo-serbia"),
    "topic rare": AlertQuery(topic="history"),
    "topic missing": AlertQuery(topic="no-such-topic"),
    "min_score 90": AlertQuery(min_score=90),
    "min_score 100": AlertQuery(min_score=100),
    "level critical": AlertQuery(level="critical"),
    "feed": AlertQuery(feed="https://n7.example/rss"),
    "search Mitrovica": AlertQuery(search="Mitrovica"),
    "search rare": AlertQuery(search="Banjska"),
    "has_deadline": AlertQuery(has_deadline=True),
    "no deadline": AlertQuery(has_deadline=False),
    "topic+score+since": AlertQuery(
        topic="military", min_score=60, since=START + SPAN - timedelta(days=90)
    ),
    "indicator+search": AlertQuery(indicator="shooting", search="Zvečan"),
}


def _median_ms(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("artifacts/history.db"))
    parser.add_argument(
        "--url",
        help="a PostgreSQL URL instead of --db, e.g. postgresql+psycopg://postgres@127.0.0.1/"
        "test?options=-csearch_path%%3Dbench (filled when it has no alerts)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--counts", action="store_true", help="also time count_alerts")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{args.db}"
    with open_storage(url) as storage:
        empty = storage.totals()["alerts"] == 0
    if empty:
        began = time.perf_counter()
        if args.url:
            fill_postgres(args.url, args.alerts, args.seed)
        else:
            fill_sqlite(args.db, args.alerts, args.seed)
        print(f"filled {args.alerts:,} alerts in {time.perf_counter() - began:.0f} s")
    with open_storage(url) as storage:
        print(f"{'filter':24} {'rows':>5} {'query ms':>9} {'count ms':>9} {'count':>9}")
        for name, q in QUERIES.items():
            rows = len(storage.query_alerts(q))
            ms = _median_ms(lambda q=q: storage.query_alerts(q), args.repeat)
            line = f"{name:24} {rows:5d} {ms:9.1f}"
            if args.counts:
                cms = _median_ms(lambda q=q: storage.count_alerts(q), 1)
                line += f" {cms:9.1f} {storage.count_alerts(q):9,d}"
            print(line, flush=True)
        day = date(2023, 12, 31)
        ms = _median_ms(
            lambda: storage.daily_index(topic="military", start=day - timedelta(days=89), end=day),
            args.repeat,
        )
        print(f"{'daily_index 90 days':24} {'':5} {ms:9.1f}")
        ms = _median_ms(
            lambda: storage.list_deadlines(upcoming=True, now=START + SPAN - timedelta(days=3)),
            args.repeat,
        )
        print(f"{'deadlines upcoming':24} {'':5} {ms:9.1f}")
        # Every feed with its item count and latest item (the digest's silent feeds).
        feeds = len(storage.list_feeds())
        ms = _median_ms(storage.list_feeds, args.repeat)
        print(f"{'list_feeds':24} {feeds:5d} {ms:9.1f}")


if __name__ == "__main__":
    main()
