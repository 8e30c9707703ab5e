"""Parse a feed body and run the engine on its items: the CPU-bound part of a poll.

Parsing (feedparser) and matching are pure functions of the fetched bytes, so
they run in worker processes when ``workers > 1`` and use every core; with
one worker they run in the calling process. Items whose content hash the
feed already has stored are skipped before matching.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Collection, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from indicators.engine import Engine
from indicators.types import Document
from monitor.models import IngestItem
from monitor.parse import parse_feed


@dataclass(frozen=True, slots=True)
class FeedAnalysis:
    """The new or changed items of one feed body, matched and scored."""

    items: tuple[IngestItem, ...]
    items_seen: int
    feed_title: str | None = None


def analyse_feed(
    engine: Engine,
    content: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None,
    lang: str | None,
    weight: float,
    fetched_at: datetime,
    known_hashes: Collection[str] = (),
) -> FeedAnalysis:
    parsed = parse_feed(content, url=url, headers=headers)
    items: list[IngestItem] = []
    for entry in parsed.items:
        if entry.content_hash in known_hashes:
            continue
        document = Document(
            title=entry.title,
            body=entry.body,
            # An undated item is taken as new: its history is judged against the fetch time.
            published=entry.published or fetched_at,
            lang=lang,
            source_weight=weight,
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


def _analyse_in_worker(content: bytes, options: dict[str, object]) -> FeedAnalysis:
    assert _worker_engine is not None, "worker started without an engine"
    return analyse_feed(_worker_engine, content, **options)  # type: ignore[arg-type]


class AnalysisRunner:
    """Runs :func:`analyse_feed` in this process or in a pool of worker processes."""

    def __init__(
        self, engine: Engine, *, indicators_dir: Path, topics_dir: Path | None, workers: int = 1
    ) -> None:
        self.engine = engine
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            # spawn, not fork: the parent runs fetch threads and a scheduler.
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(indicators_dir, topics_dir),
            )

    def analyse(
        self,
        content: bytes,
        *,
        url: str,
        headers: Mapping[str, str] | None,
        lang: str | None,
        weight: float,
        fetched_at: datetime,
        known_hashes: Collection[str] = (),
    ) -> FeedAnalysis:
        options: dict[str, object] = {
            "url": url,
            "headers": dict(headers or {}),
            "lang": lang,
            "weight": weight,
            "fetched_at": fetched_at,
            "known_hashes": frozenset(known_hashes),
        }
        if self._pool is None:
            return analyse_feed(self.engine, content, **options)  # type: ignore[arg-type]
        return self._pool.submit(_analyse_in_worker, content, options).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> AnalysisRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
