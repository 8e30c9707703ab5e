"""Parse a feed body and run the engine on its items: the CPU-bound part of a poll.

Parsing (feedparser) and matching are pure functions of the fetched bytes, so
``workers`` processes share them and use every core: this one, which also
fetches and stores, and ``workers - 1`` worker processes; each takes the next
body when it is free. (A worker of its own for each core would add its memory
to the poll's and leave this process idle between stores.) With one worker
everything runs in this process. Items whose content hash the feed already
has stored are skipped before matching.

The worker processes start only when a poll brings many feeds and the first
body arrives: starting a process and loading the rules costs about as much as
analysing a few dozen feeds here, and a poll where every feed answers 304 has
nothing to analyse. Once started, they serve every later poll. For the same
reason the engine may be given as a loader, called on first use in this
process, and the engine and the feed parser are imported only where a feed is
parsed: a process that only fetches and stores (the parent of the workers, or
any poll of 304s) never loads them. A worker (:mod:`monitor.procpool`) imports
this module, the parser and the engine, nothing else.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from indicators.errors import IndicatorsError
from indicators.types import Document
from monitor.models import IngestItem
from monitor.procpool import ProcessPool, serve

if TYPE_CHECKING:
    from indicators.engine import Engine

log = logging.getLogger("monitor.analysis")

# Fewer feeds than this in one poll are analysed in this process (see the module docstring).
POOL_MIN_FEEDS = 16


class RulesUnavailableError(IndicatorsError):
    """The rules could not be loaded, so no feed can be analysed: the poll stops."""


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
        # An item that fires no indicator raises no alert: the engine skips its score.
        try:
            analysis = engine.alert(document)
        except Exception:
            # A bug in matching must cost one item, not the feed: the item is left
            # unstored, so the next poll tries it again (with the bug fixed, maybe).
            log.exception("matching failed on item %r of %s", entry.guid or entry.link, context.url)
            continue
        items.append(
            IngestItem(
                guid=entry.guid,
                link=entry.link,
                title=entry.title,
                published=entry.published,
                text=document.text,  # what the engine matched (an analysis's text)
                content_hash=entry.content_hash,
                # Storage needs no sentence list: without it, a result takes about a
                # third of the time to cross from a worker process.
                analysis=dataclasses.replace(analysis, sentences=()) if analysis else None,
            )
        )
    return FeedAnalysis(tuple(items), len(parsed.items), parsed.title or None)


def _load_engine(indicators_dir: Path, topics_dir: Path | None) -> Engine:
    from indicators.engine import Engine

    return Engine.from_directory(indicators_dir, topics_dir)


def main(argv: Sequence[str]) -> None:
    """A worker process (see :class:`~monitor.procpool.ProcessPool`): ``INDICATORS [TOPICS]``."""
    indicators_dir, topics_dir = Path(argv[0]), Path(argv[1]) if len(argv) > 1 else None
    try:
        engine = _load_engine(indicators_dir, topics_dir)
    except IndicatorsError as exc:
        # Every job gets the error the parent would have raised loading the rules itself.
        error = RulesUnavailableError(str(exc))

        def refuse(_job: tuple[bytes, FeedContext]) -> FeedAnalysis:
            raise error

        serve(refuse)
        return
    serve(lambda job: analyse_feed(engine, *job))


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
        # An engine is no callable: anything callable is its loader.
        self._engine: Engine | None = None if callable(engine) else engine
        self._load_engine = engine
        self.workers = workers
        self.pool_min_feeds = pool_min_feeds
        self._dirs = (indicators_dir, topics_dir)
        self._pool: ProcessPool | None = None
        self._want_pool = False
        # Two locks: loading the rules here takes a while, and must not hold up the
        # threads handing bodies to the workers meanwhile.
        self._engine_lock = threading.Lock()
        self._pool_lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The engine of this process, loaded on first use when given as a loader."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    loader = self._load_engine
                    assert callable(loader)
                    try:
                        self._engine = loader()
                    except IndicatorsError as exc:
                        raise RulesUnavailableError(str(exc)) from exc
        return self._engine

    @property
    def parallel(self) -> bool:
        """Whether the worker processes are running."""
        return self._pool is not None

    def plan(self, feeds: int) -> None:
        """Announce a poll of ``feeds`` feeds: with many, the next body starts the workers."""
        if self.workers > 1 and feeds >= self.pool_min_feeds:
            self._want_pool = True

    def _started_pool(self) -> ProcessPool | None:
        if not self._want_pool:
            return None
        pool = self._pool
        if pool is not None:
            return pool
        with self._pool_lock:
            if self._pool is None:
                # New interpreters, not forks: the parent runs fetch threads and a scheduler.
                indicators_dir, topics_dir = self._dirs
                args = [str(indicators_dir)] + ([str(topics_dir)] if topics_dir else [])
                self._pool = ProcessPool(__name__, args, self.workers - 1, here=self._analyse_here)
            return self._pool

    def _analyse_here(self, job: tuple[bytes, FeedContext]) -> FeedAnalysis:
        return analyse_feed(self.engine, *job)

    def analyse(self, content: bytes, context: FeedContext) -> FeedAnalysis:
        pool = self._started_pool()
        if pool is None:
            return analyse_feed(self.engine, content, context)
        return pool.submit((content, context)).result()

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool, self._want_pool = self._pool, None, False
        if pool is not None:
            pool.close()

    def __enter__(self) -> AnalysisRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
