"""Parse a feed body and run the engine on its items: the CPU-bound part of a poll.

Parsing (feedparser) and matching are pure functions of the fetched bytes, so
they run in worker processes when ``workers > 1`` and use every core; with
one worker they run in the calling process. Items whose content hash the
feed already has stored are skipped before matching.

The worker processes start only when a poll brings many feeds and the first
body arrives: starting a process and loading the rules costs about as much as
analysing a few dozen feeds here, and a poll where every feed answers 304 has
nothing to analyse. Once started, they serve every later poll. For the same
reason the engine may be given as a loader, called on first use in this
process, and the feed parser is imported only where a feed is parsed.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from indicators.engine import Engine
from indicators.types import Document
from monitor.models import IngestItem

# Fewer feeds than this in one poll are analysed in this process (see the module docstring).
POOL_MIN_FEEDS = 16


@dataclass(frozen=True, slots=True)
class FeedAnalysis:
    """The new or changed items of one feed body, matched and scored."""

    items: tuple[IngestItem, ...]
    items_seen: int
    feed_title: str | None = None


@dataclass(frozen=True, slots=True)
class FeedContext:
    """What the analysis needs to know about the feed a body came from."""

    url: str
    headers: Mapping[str, str]
    lang: str | None
    weight: float
    fetched_at: datetime
    known_hashes: frozenset[str] = frozenset()


def analyse_feed(engine: Engine, content: bytes, context: FeedContext) -> FeedAnalysis:
    # Imported here: feedparser and charset-normalizer weigh about 10 MB, which a
    # process that only fetches and stores (the parent of the workers) never needs.
    from monitor.parse import parse_feed

    parsed = parse_feed(content, url=context.url, headers=context.headers)
    items: list[IngestItem] = []
    for entry in parsed.items:
        if entry.content_hash in context.known_hashes:
            continue
        document = Document(
            title=entry.title,
            body=entry.body,
            # An undated item is taken as new: its history is judged against the fetch time.
            published=entry.published or context.fetched_at,
            lang=context.lang,
            source_weight=context.weight,
        )
        analysis = engine.analyze(document)
        items.append(
            IngestItem(
                guid=entry.guid,
                link=entry.link,
                title=entry.title,
                published=entry.published,
                text=analysis.text,
                content_hash=entry.content_hash,
                analysis=analysis if analysis.matched else None,
            )
        )
    return FeedAnalysis(tuple(items), len(parsed.items), parsed.title or None)


_worker_engine: Engine | None = None


def _init_worker(indicators_dir: Path, topics_dir: Path | None) -> None:
    global _worker_engine
    _worker_engine = Engine.from_directory(indicators_dir, topics_dir)


def _analyse_in_worker(content: bytes, context: FeedContext) -> FeedAnalysis:
    assert _worker_engine is not None, "worker started without an engine"
    return analyse_feed(_worker_engine, content, context)


class AnalysisRunner:
    """Runs :func:`analyse_feed` in this process or in a pool of worker processes."""

    def __init__(
        self,
        engine: Engine | Callable[[], Engine],
        *,
        indicators_dir: Path,
        topics_dir: Path | None,
        workers: int = 1,
        pool_min_feeds: int = POOL_MIN_FEEDS,
    ) -> None:
        self._engine = engine if isinstance(engine, Engine) else None
        self._load_engine = engine
        self.workers = workers
        self.pool_min_feeds = pool_min_feeds
        self._dirs = (indicators_dir, topics_dir)
        self._pool: ProcessPoolExecutor | None = None
        self._want_pool = False
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The engine of this process, loaded on first use when given as a loader."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    loader = self._load_engine
                    assert not isinstance(loader, Engine)
                    self._engine = loader()
        return self._engine

    @property
    def parallel(self) -> bool:
        """Whether the worker processes are running."""
        return self._pool is not None

    def plan(self, feeds: int) -> None:
        """Announce a poll of ``feeds`` feeds: with many, the next body starts the workers."""
        if self.workers > 1 and feeds >= self.pool_min_feeds:
            self._want_pool = True

    def _started_pool(self) -> ProcessPoolExecutor | None:
        if not self._want_pool:
            return None
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the parent runs fetch threads and a scheduler.
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=self._dirs,
                )
            return self._pool

    def analyse(self, content: bytes, context: FeedContext) -> FeedAnalysis:
        pool = self._started_pool()
        if pool is None:
            return analyse_feed(self.engine, content, context)
        return pool.submit(_analyse_in_worker, content, context).result()

    def close(self) -> None:
        with self._lock:
            pool, self._pool, self._want_pool = self._pool, None, False
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> AnalysisRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
