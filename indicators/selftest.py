"""Run every indicator's examples through the real engine.

A rule file carries its own tests: ``examples.match`` sentences must fire the
indicator as an event, ``examples.background`` ones must fire it only as
background, and ``examples.no_match`` and ``false_positives`` must not fire it
at all. Each example is analysed alone, as the body of a document without a
title, published on a fixed date so results never depend on the day they run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from indicators.engine import Engine
from indicators.model import Example, Indicator, IndicatorSet
from indicators.types import Document, Status

__all__ = ["SELFTEST_PUBLISHED", "ExampleKind", "ExampleResult", "failures", "run_examples"]

# A neutral publication date: after the history examples are set, before any future.
SELFTEST_PUBLISHED = datetime(2025, 6, 16, 12, 0, tzinfo=UTC)


class ExampleKind(StrEnum):
    MATCH = "match"
    BACKGROUND = "background"
    NO_MATCH = "no_match"
    FALSE_POSITIVE = "false_positive"

    @property
    def expected(self) -> str:
        return {
            ExampleKind.MATCH: "fire as an event",
            ExampleKind.BACKGROUND: "fire as background",
            ExampleKind.NO_MATCH: "not fire",
            ExampleKind.FALSE_POSITIVE: "not fire (known false positive)",
        }[self]


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """The outcome of one example: what was expected, what happened, and why it failed."""

    indicator_id: str
    kind: ExampleKind
    text: str
    path: Path
    line: int
    passed: bool
    actual: Status | None  # how the indicator fired, None if it did not
    detail: str = ""  # matched words and context reasons, for a failing example

    def __str__(self) -> str:
        verdict = "ok" if self.passed else "FAIL"
        got = f"fired as {self.actual.value}" if self.actual else "did not fire"
        text = f"{self.path}:{self.line}: [{self.indicator_id}] {self.kind.value} {verdict}: "
        text += f"expected to {self.kind.expected}, {got}: {self.text!r}"
        return f"{text} ({self.detail})" if self.detail and not self.passed else text


def run_examples(
    indicator_set: IndicatorSet,
    engine: Engine,
    *,
    published: datetime = SELFTEST_PUBLISHED,
) -> list[ExampleResult]:
    """Every example of every indicator in ``indicator_set``, in rule-set order."""
    results = []
    for indicator in indicator_set:
        for kind, examples in _examples(indicator):
            for example in examples:
                results.append(_run(engine, indicator, kind, example, published))
    return results


def failures(results: Iterable[ExampleResult]) -> list[ExampleResult]:
    return [r for r in results if not r.passed]


def _examples(indicator: Indicator) -> list[tuple[ExampleKind, tuple[Example, ...]]]:
    return [
        (ExampleKind.MATCH, indicator.examples.match),
        (ExampleKind.BACKGROUND, indicator.examples.background),
        (ExampleKind.NO_MATCH, indicator.examples.no_match),
        (ExampleKind.FALSE_POSITIVE, indicator.false_positives),
    ]


def _run(
    engine: Engine, indicator: Indicator, kind: ExampleKind, example: Example, published: datetime
) -> ExampleResult:
    analysis = engine.analyze(Document(title="", body=example.text, published=published))
    result = next((r for r in analysis.indicators if r.id == indicator.id), None)
    actual = result.status if result is not None else None
    expected = {
        ExampleKind.MATCH: Status.EVENT,
        ExampleKind.BACKGROUND: Status.BACKGROUND,
    }.get(kind)
    detail = ""
    if result is not None:
        parts = []
        for evidence in result.evidence:
            reasons = "; ".join(evidence.reasons)
            parts.append(f"matched {evidence.match!r}" + (f", {reasons}" if reasons else ""))
        detail = " | ".join(parts)
    return ExampleResult(
        indicator_id=indicator.id,
        kind=kind,
        text=example.text,
        path=indicator.path,
        line=example.line,
        passed=actual is expected,
        actual=actual,
        detail=detail,
    )
