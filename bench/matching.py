"""Benchmark: how fast the shipped rule set matches news, next to parsing the feed.

Runs in one process pinned to one core. It builds a synthetic corpus
(:mod:`bench.corpus`), then times, best of ``--repeat`` runs:

- ``feedparser.parse`` on the corpus rendered as RSS 2.0 feeds of
  ``--feed-size`` items (the time every poll pays anyway);
- ``monitor.htmltext.html_to_text`` on each item's HTML, when that module exists;
- ``Engine.analyze`` on each item with every rule file in ``config/indicators``.

It prints a markdown table and the ratio of matching time to feed parsing
time, and exits with status 1 when that ratio is ``--max-ratio`` (0.25) or more:
matching must stay a small part of a poll's cost.

    .venv/bin/python -m bench.matching --items 2000 --seed 1
    .venv/bin/python -m bench.matching --items 300 --profile   # where matching spends its time
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import feedparser

from bench.corpus import CorpusItem, build_corpus, render_feeds
from indicators.engine import Engine
from indicators.types import Document

ROOT = Path(__file__).resolve().parents[1]
INDICATORS_DIR = ROOT / "config" / "indicators"
TOPICS_DIR = ROOT / "config" / "topics"
MAX_RATIO = 0.25


@dataclass(frozen=True, slots=True)
class Timing:
    stage: str
    seconds: float
    items: int
    size: int  # bytes of input

    @property
    def ms_per_item(self) -> float:
        return 1000 * self.seconds / self.items

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds

    @property
    def mb_per_second(self) -> float:
        return self.size / 1e6 / self.seconds


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.matching", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--items", type=int, default=2000, help="corpus size (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage, best kept")
    parser.add_argument("--feed-size", type=int, default=25, help="items per RSS feed")
    parser.add_argument("--max-ratio", type=float, default=MAX_RATIO, help="matching/feedparser")
    parser.add_argument(
        "--profile", action="store_true", help="profile one matching run and print the hotspots"
    )
    args = parser.parse_args(argv)
    if args.items < 1 or args.repeat < 1 or args.feed_size < 1:
        parser.error("--items, --repeat and --feed-size must be at least 1")
    return args


def pin_to_one_core() -> str:
    """Keep the whole run on one CPU so figures do not depend on the scheduler."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU {core}"


def best_of(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def time_feedparser(feeds: Sequence[bytes], items: int, repeat: int) -> Timing:
    parsed = [feedparser.parse(feed) for feed in feeds]
    entries = sum(len(result.entries) for result in parsed)
    if entries != items or any(result.bozo for result in parsed):
        raise SystemExit(f"feedparser read {entries} of {items} items cleanly; the RSS is broken")
    seconds = best_of(repeat, lambda: [feedparser.parse(feed) for feed in feeds])
    return Timing("feedparser.parse (RSS → entries)", seconds, items, sum(map(len, feeds)))


def time_html_to_text(items: Sequence[CorpusItem], repeat: int) -> Timing | None:
    try:
        from monitor.htmltext import html_to_text
    except ImportError:
        return None
    pages = [item.html for item in items]
    seconds = best_of(repeat, lambda: [html_to_text(page) for page in pages])
    size = sum(len(page.encode("utf-8")) for page in pages)
    return Timing("html_to_text (HTML → text)", seconds, len(items), size)


def time_matching(engine: Engine, docs: Sequence[Document], repeat: int) -> Timing:
    analyze = engine.analyze
    seconds = best_of(repeat, lambda: [analyze(doc) for doc in docs])
    size = sum(len(doc.text.encode("utf-8")) for doc in docs)
    return Timing("Engine.analyze (text → full analysis)", seconds, len(docs), size)


def time_alerting(engine: Engine, docs: Sequence[Document], repeat: int) -> Timing:
    """What a poll runs on each new item: an item that fires nothing is not worked out further."""
    alert = engine.alert
    seconds = best_of(repeat, lambda: [alert(doc) for doc in docs])
    size = sum(len(doc.text.encode("utf-8")) for doc in docs)
    stage = "Engine.alert (text → scored alert or none, as in a poll)"
    return Timing(stage, seconds, len(docs), size)


def render_table(rows: Sequence[Timing]) -> str:
    lines = [
        "| stage | total s | ms/item | items/s | MB/s |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {t.stage} | {t.seconds:.3f} | {t.ms_per_item:.3f} | {t.items_per_second:,.0f} "
        f"| {t.mb_per_second:.2f} |"
        for t in rows
    ]
    return "\n".join(lines)


def describe_results(engine: Engine, docs: Sequence[Document]) -> str:
    """What matched, so a fast run is not fast because nothing fired."""
    analyses = [engine.analyze(doc) for doc in docs]
    levels = Counter(a.score.level.value for a in analyses)
    matched = sum(a.matched for a in analyses)
    with_events = sum(bool(a.events) for a in analyses)
    spread = ", ".join(f"{level} {count}" for level, count in sorted(levels.items()))
    return (
        f"{matched} of {len(docs)} items matched an indicator, {with_events} with an event; "
        f"levels: {spread}"
    )


def profile_matching(engine: Engine, docs: Sequence[Document], top: int = 25) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for doc in docs:
        engine.analyze(doc)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    pinned = pin_to_one_core()

    start = time.perf_counter()
    engine = Engine.from_directory(INDICATORS_DIR, TOPICS_DIR if TOPICS_DIR.is_dir() else None)
    load_seconds = time.perf_counter() - start

    items = build_corpus(args.items, seed=args.seed)
    docs = [item.document() for item in items]
    feeds = render_feeds(items, feed_size=args.feed_size)
    for doc in docs[:20]:  # warm caches the engine builds lazily
        engine.analyze(doc)

    parsing = time_feedparser(feeds, len(items), args.repeat)
    html = time_html_to_text(items, args.repeat)
    matching = time_matching(engine, docs, args.repeat)
    alerting = time_alerting(engine, docs, args.repeat)
    ratio = matching.seconds / parsing.seconds

    text_mb = sum(len(doc.text.encode("utf-8")) for doc in docs) / 1e6
    print(
        f"# Matching benchmark\n\n{len(items)} items (seed {args.seed}), {text_mb:.2f} MB of text, "
        f"{len(feeds)} feeds of up to {args.feed_size} items; {len(engine.indicators)} indicators "
        f"loaded in {load_seconds:.2f} s; best of {args.repeat} runs, {pinned}, "
        f"Python {sys.version.split()[0]}.\n"
    )
    print(render_table([t for t in (parsing, html, matching, alerting) if t is not None]))
    verdict = "ok" if ratio < args.max_ratio else f"TOO SLOW (limit {args.max_ratio})"
    print(f"\nmatching (Engine.analyze) / feedparser time: **{ratio:.3f}** ({verdict})")
    in_a_poll = alerting.seconds / parsing.seconds
    print(f"as in a poll (Engine.alert) / feedparser time: {in_a_poll:.3f}")
    print(describe_results(engine, docs))
    if args.profile:
        print("\n## Where matching spends its time (cProfile, by own time)\n")
        print("```\n" + profile_matching(engine, docs) + "```")
    return 0 if ratio < args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
