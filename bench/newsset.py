"""Benchmark: precision and recall of the shipped rules on labelled news items.

Two sets of short news items live in ``bench/data/`` as JSON Lines, written
for this purpose in English, Serbian (Latin and Cyrillic) and Albanian, on
Kosovo-Serbia and a dozen other conflicts, with hard negatives (tax
deadlines, film shoots, anniversaries, denials). Each item is labelled with
the indicators it reports as current ``events`` and those it mentions only as
``background`` (history, hypothesis, negation), by the definitions in
``seeds/labels.json``:

- ``news-dev.jsonl``: the development set; rules may be tuned against it;
- ``news-test.jsonl``: the held-out set, written independently of the rules
  and never used to change them; its figures are the ones to quote.

Each item goes through the real engine as a document (title, body,
published date, language). Per indicator it reports:

- **event** precision and recall: the indicator reported as an event;
- **leaks**: items labelled background only where the engine said event;
- **any** recall: the indicator fired at all (event or background) where it
  is labelled either way.

    .venv/bin/python -m bench.newsset                  # the held-out set
    .venv/bin/python -m bench.newsset bench/data/news-dev.jsonl --errors
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from bench.plover import Score, two_places
from indicators.engine import Engine
from indicators.types import Document, Status

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
DEFAULT_PATH = DATA / "news-test.jsonl"
RULES = ROOT / "config" / "indicators"
TOPICS = ROOT / "config" / "topics"


class LabelError(ValueError):
    """A line of a labelled set that cannot be used (names the file and line)."""


@dataclass
class Item:
    id: str
    lang: str
    published: date
    title: str
    body: str
    events: set[str]
    background: set[str]
    note: str = ""
    fired: set[str] = field(default_factory=set)
    fired_events: set[str] = field(default_factory=set)

    def document(self) -> Document:
        # Noon UTC: the labels give a day, and the engine reads the published date only.
        published = datetime.combine(self.published, time(12), tzinfo=UTC)
        return Document(title=self.title, body=self.body, published=published, lang=self.lang)


def read_items(path: Path, indicator_ids: Sequence[str]) -> list[Item]:
    """The labelled items of ``path``; raise :class:`LabelError` naming the bad line."""
    known = set(indicator_ids)
    items: list[Item] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
            item = Item(
                id=str(record["id"]),
                lang=str(record["lang"]),
                published=date.fromisoformat(record["published"]),
                title=str(record["title"]),
                body=str(record["body"]),
                events=set(record["events"]),
                background=set(record["background"]),
                note=str(record.get("note", "")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise LabelError(f"{where}: {exc}") from exc
        unknown = (item.events | item.background) - known
        if unknown:
            raise LabelError(f"{where}: unknown indicator ids {sorted(unknown)}")
        if item.events & item.background:
            raise LabelError(f"{where}: {sorted(item.events & item.background)} in both lists")
        if item.id in seen:
            raise LabelError(f"{where}: duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    return items


def analyse(engine: Engine, items: Sequence[Item]) -> None:
    for item in items:
        analysis = engine.analyze(item.document())
        item.fired = {r.id for r in analysis.indicators}
        item.fired_events = {r.id for r in analysis.indicators if r.status is Status.EVENT}


def event_score(items: Sequence[Item], indicator_id: str) -> Score:
    gold = sum(indicator_id in i.events for i in items)
    predicted = sum(indicator_id in i.fired_events for i in items)
    correct = sum(indicator_id in i.events and indicator_id in i.fired_events for i in items)
    return Score(gold, predicted, correct)


def table(items: Sequence[Item], indicator_ids: Sequence[str]) -> str:
    lines = [
        "| indicator | events | fired as event | precision | recall | F1 | background"
        " | leaks | any recall |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    scores = []
    for indicator_id in indicator_ids:
        s = event_score(items, indicator_id)
        scores.append(s)
        background = sum(indicator_id in i.background for i in items)
        leaks = sum(indicator_id in i.background and indicator_id in i.fired_events for i in items)
        labelled = [i for i in items if indicator_id in i.events | i.background]
        any_recall = (
            sum(indicator_id in i.fired for i in labelled) / len(labelled) if labelled else None
        )
        lines.append(
            f"| {indicator_id} | {s.gold} | {s.predicted} | {' | '.join(s.cells())}"
            f" | {background} | {leaks} | {two_places(any_recall)} |"
        )
    s = Score.total(scores)
    bold = " | ".join(f"**{cell}**" for cell in s.cells())
    lines.append(f"| **all (micro)** | {s.gold} | {s.predicted} | {bold} | | | |")
    return "\n".join(lines)


def by_language(items: Sequence[Item], indicator_ids: Sequence[str]) -> str:
    lines = ["| language | items | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
    for lang in sorted({i.lang for i in items}):
        subset = [i for i in items if i.lang == lang]
        s = Score.total(event_score(subset, indicator_id) for indicator_id in indicator_ids)
        lines.append(f"| {lang} | {len(subset)} | {' | '.join(s.cells())} |")
    return "\n".join(lines)


def errors(items: Sequence[Item]) -> str:
    """Every item the engine got wrong, with what it said and what the label says."""
    out = []
    for item in items:
        missed = item.events - item.fired_events
        extra = item.fired_events - item.events
        if not missed and not extra:
            continue
        out.append(f"\n{item.id} [{item.lang}] {item.note}")
        out.append(f"  {item.title} | {item.body}")
        if missed:
            out.append(
                f"  missed as event: {sorted(missed)} (fired at all: {sorted(missed & item.fired)})"
            )
        if extra:
            out.append(f"  wrong event: {sorted(extra)}")
    return "\n".join(out)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.newsset", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=DEFAULT_PATH,
        help=f"a labelled JSON Lines file (default: {DEFAULT_PATH.relative_to(ROOT)})",
    )
    parser.add_argument("--errors", action="store_true", help="list every item gotten wrong")
    parser.add_argument("--rules", type=Path, default=RULES, help="rule files to measure")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    engine = Engine.from_directory(args.rules, TOPICS)
    ids = [i.id for i in engine.indicators]
    try:
        items = read_items(args.path, ids)
    except (OSError, LabelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    analyse(engine, items)
    print(f"{len(items)} labelled items from {args.path.name}\n")
    print(table(items, ids))
    print()
    print(by_language(items, ids))
    if args.errors:
        print(errors(items))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
