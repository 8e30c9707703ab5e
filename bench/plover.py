"""Benchmark: how well the shipped rules recognise event types on coded sentences.

The reference is a PLOVER gold-standard file: single news sentences, each coded
with a PLOVER event type (``event``), a ``mode`` and a ``context``. The file is
kept outside the repository (it is used for measurement only; none of its
sentences is copied here). By default it is read from
``../shared/plover/PLOVER_GSR_CAMEO.json`` next to the repository; pass another
path as the first argument.

Each sentence is analysed on its own by the real engine (every rule file in
``config/indicators``), as the body of an English document with no title. A
sentence coded more than once (the same text with two event types) counts once,
with the union of its expected indicators. The expected indicators come from a
rough correspondence between PLOVER codes and our indicator ids
(:func:`expected_indicators`); PLOVER codes only the main event of a sentence,
so a fired indicator the coding does not mention counts as a false positive
even when the sentence does report it. Indicators with no counterpart in
PLOVER (casualties, airspace_violation, foreign_force) are listed with how
often they fire, without precision or recall.

Two scores are reported per indicator: ``any`` counts an indicator that fired
at all (event or background), ``event`` only one that fired as an event.

    .venv/bin/python -m bench.plover
    .venv/bin/python -m bench.plover /path/to/PLOVER_GSR_CAMEO.json --errors
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indicators.engine import Engine
from indicators.types import Document, Status

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = ROOT.parent / "shared" / "plover" / "PLOVER_GSR_CAMEO.json"
RULES = ROOT / "config" / "indicators"

# Indicators PLOVER has a counterpart for; the others are only counted.
SCORED = (
    "troop_alert",
    "police_operation",
    "barricade",
    "armed_violence",
    "threat_rhetoric",
    "deadline",
    "talks_breakdown",
    "de_escalation",
)
_ARMED_FIGHT_MODES = {"firearms", "heavy-weapons", "explosives", "assassinate", None, ""}
_ARMED_ASSAULT_MODES = {"explosives", "suicide-attack", "assassinate"}
_TIME_LIMIT = re.compile(
    r"\bultimatum\b|\bdeadline\b|\bwithin\s+(?:\w+\s+){0,2}(?:hours?|days?|weeks?|months?)\b", re.I
)
_TALKS = re.compile(
    r"\b(?:talks|negotiat\w*|mediat\w*|plan|proposal|summit|meet\w*|invitation|offer"
    r"|cease-?fire|peace)\b",
    re.I,
)


def expected_indicators(record: dict[str, Any]) -> set[str]:
    """Our indicators that one coded sentence should fire (the README's correspondence)."""
    event = record.get("event")
    mode = record.get("mode")
    context = str(record.get("context") or "")
    text = str(record.get("text") or "")
    found: set[str] = set()
    if event == "MOBILIZE" and mode in ("troops", "weapons"):
        found.add("troop_alert")
    if (event == "MOBILIZE" and mode == "police") or (
        event == "COERCE" and mode in ("arrest", "detain")
    ):
        found.add("police_operation")
    if event == "PROTEST" and mode == "obstruct":
        found.add("barricade")
    if (event == "FIGHT" and mode in _ARMED_FIGHT_MODES) or (
        event == "ASSAULT" and mode in _ARMED_ASSAULT_MODES
    ):
        found.add("armed_violence")
    if event == "THREATEN" and mode == "violence":
        found.add("threat_rhetoric")
    if (event == "THREATEN" and _TIME_LIMIT.search(text)) or "ultimatum" in text.lower():
        found.add("deadline")
    if event == "REJECT" and "diplomatic" in context and _TALKS.search(text):
        found.add("talks_breakdown")
    if event in ("AGREE", "RETREAT") and "military" in context:
        found.add("de_escalation")
    return found


@dataclass
class Sentence:
    text: str
    codes: list[str] = field(default_factory=list)
    expected: set[str] = field(default_factory=set)
    fired: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Score:
    gold: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    @classmethod
    def total(cls, scores: Iterable[Score]) -> Score:
        """The micro-average of several scores: their counts added up."""
        counted = list(scores)
        return cls(
            sum(s.gold for s in counted),
            sum(s.predicted for s in counted),
            sum(s.correct for s in counted),
        )

    def cells(self) -> list[str]:
        """Precision, recall and F1 as table cells."""
        return [two_places(self.precision), two_places(self.recall), two_places(self.f1)]


def read_sentences(path: Path) -> list[Sentence]:
    """The coded sentences, one per distinct text, with their expected indicators."""
    records = json.loads(path.read_text(encoding="utf-8"))
    by_text: dict[str, Sentence] = {}
    for record in records:
        text = str(record.get("text") or "").strip()
        if not text:
            continue  # documentation records
        sentence = by_text.setdefault(text, Sentence(text))
        sentence.codes.append(f"{record.get('event')}/{record.get('mode') or '-'}")
        sentence.expected |= expected_indicators(record)
    return list(by_text.values())


def analyse(engine: Engine, sentences: Iterable[Sentence]) -> None:
    for sentence in sentences:
        analysis = engine.analyze(Document(title="", body=sentence.text, lang="en"))
        sentence.fired = {r.id for r in analysis.indicators}
        sentence.events = {r.id for r in analysis.indicators if r.status is Status.EVENT}


def score(sentences: Sequence[Sentence], indicator_id: str, *, events_only: bool) -> Score:
    gold = predicted = correct = 0
    for sentence in sentences:
        fired = indicator_id in (sentence.events if events_only else sentence.fired)
        expected = indicator_id in sentence.expected
        gold += expected
        predicted += fired
        correct += fired and expected
    return Score(gold, predicted, correct)


def two_places(value: float | None) -> str:
    """A fraction with two decimals, or an en dash when there is none."""
    return "–" if value is None else f"{value:.2f}"


def table(sentences: Sequence[Sentence], indicator_ids: Sequence[str]) -> str:
    lines = [
        "| indicator | gold | fired | P | R | F1 | fired (event) | P (event) | R (event) |"
        " F1 (event) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    per_check: dict[bool, list[Score]] = {False: [], True: []}
    for indicator_id in indicator_ids:
        row = [indicator_id]
        scored = indicator_id in SCORED
        for events_only in (False, True):
            s = score(sentences, indicator_id, events_only=events_only)
            if not scored:
                row += (["–"] if not events_only else []) + [str(s.predicted), "–", "–", "–"]
                continue
            if not events_only:
                row.append(str(s.gold))
            row += [str(s.predicted), *s.cells()]
            per_check[events_only].append(s)
        lines.append("| " + " | ".join(row) + " |")
    row = ["**scored, micro**"]
    for events_only in (False, True):
        s = Score.total(per_check[events_only])
        if not events_only:
            row.append(str(s.gold))
        row += [str(s.predicted), *s.cells()]
    lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def errors(sentences: Sequence[Sentence], indicator_ids: Sequence[str]) -> str:
    """False positives and false negatives per scored indicator, for rule development."""
    out = []
    for indicator_id in indicator_ids:
        wrong_fired = [s for s in sentences if indicator_id in s.fired - s.expected]
        missed = [s for s in sentences if indicator_id in s.expected - s.fired]
        if indicator_id not in SCORED:
            wrong_fired = [s for s in sentences if indicator_id in s.fired]
            missed = []
        if not wrong_fired and not missed:
            continue
        out.append(f"\n### {indicator_id}")
        for s in wrong_fired:
            status = "event" if indicator_id in s.events else "background"
            out.append(f"- fired ({status}) [{', '.join(s.codes)}] {s.text}")
        for s in missed:
            out.append(f"- missed [{', '.join(s.codes)}] {s.text}")
    return "\n".join(out)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.plover",
        description="Per-indicator precision and recall on PLOVER-coded sentences.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=DEFAULT_PATH,
        help=f"the PLOVER gold-standard JSON file (default: {DEFAULT_PATH})",
    )
    parser.add_argument(
        "--errors", action="store_true", help="list the false positives and misses too"
    )
    parser.add_argument(
        "--rules",
        type=Path,
        default=RULES,
        help="rule files to measure (default: config/indicators)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.path.is_file():
        print(f"error: no such file: {args.path}", file=sys.stderr)
        return 2
    engine = Engine.from_directory(args.rules)
    sentences = read_sentences(args.path)
    analyse(engine, sentences)
    ids = [i.id for i in engine.indicators]
    ordered = [i for i in SCORED if i in ids] + sorted(i for i in ids if i not in SCORED)
    print(f"{len(sentences)} distinct sentences from {args.path.name}\n")
    print(table(sentences, ordered))
    if args.errors:
        print(errors(sentences, ordered))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
