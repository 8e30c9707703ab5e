"""The shipped rules against the gold labels of the seed articles.

Each seed article is analysed by the real engine with the shipped rule and
topic files, as the application would see it: the labelled title, the article
text as body, published at 08:00 UTC on the labelled date. For every article:

- the indicators reported as events are exactly the labelled ``events``;
- no indicator labelled ``background`` is reported as an event;
- the resolved deadlines are exactly the labelled ``resolves_to`` dates;

and over all articles, a more severe article always scores higher.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from indicators.engine import Engine
from indicators.types import Analysis, Document, Status

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
LABELS: dict[str, Any] = json.loads((SEEDS / "labels.json").read_text(encoding="utf-8"))
ARTICLES: list[dict[str, Any]] = LABELS["articles"]


@cache
def engine() -> Engine:
    return Engine.from_directory(ROOT / "config" / "indicators", ROOT / "config" / "topics")


@cache
def analysis(file: str) -> Analysis:
    article = next(a for a in ARTICLES if a["file"] == file)
    published = datetime.combine(date.fromisoformat(article["published"]), time(8), tzinfo=UTC)
    document = Document(
        title=article["title"],
        body=(SEEDS / file).read_text(encoding="utf-8"),
        published=published,
    )
    return engine().analyze(document)


def _explain(result: Analysis, ids: set[str]) -> str:
    """The evidence behind the given indicators, for a readable failure."""
    lines = []
    for indicator in result.indicators:
        if indicator.id not in ids:
            continue
        for evidence in indicator.evidence:
            reasons = "; ".join(evidence.reasons) or "no context cue"
            lines.append(
                f"  {indicator.id} {evidence.status.value}: {evidence.match!r} ({reasons})"
                f" in {evidence.sentence[:120]!r}"
            )
    return "\n".join(lines)


def _ids(article: dict[str, Any]) -> str:
    return str(article["file"])


@pytest.mark.parametrize("article", ARTICLES, ids=_ids)
def test_events_are_exactly_the_labelled_events(article: dict[str, Any]) -> None:
    result = analysis(article["file"])
    events = set(result.events)
    expected = set(article["events"])
    wrong = events ^ expected
    assert events == expected, (
        f"missing {sorted(expected - events)}, unexpected {sorted(events - expected)}\n"
        + _explain(result, wrong)
    )


@pytest.mark.parametrize("article", ARTICLES, ids=_ids)
def test_background_indicators_are_never_events(article: dict[str, Any]) -> None:
    result = analysis(article["file"])
    raised = {r.id for r in result.indicators if r.status is Status.EVENT}
    leaked = raised & set(article["background"])
    assert not leaked, _explain(result, leaked)


@pytest.mark.parametrize("article", ARTICLES, ids=_ids)
def test_resolved_deadlines_are_the_labelled_dates(article: dict[str, Any]) -> None:
    result = analysis(article["file"])
    due = {
        (d.due.date() if isinstance(d.due, datetime) else d.due).isoformat()
        for d in result.deadlines
        if d.due is not None
    }
    expected = {d["resolves_to"] for d in article["deadlines"] if d["resolves_to"] is not None}
    assert due == expected, [d.to_dict() for d in result.deadlines]


def test_scores_order_the_articles_by_severity() -> None:
    scored = [(a["severity"], analysis(a["file"]).score.score, a["file"]) for a in ARTICLES]
    for (sev_a, score_a, file_a), (sev_b, score_b, file_b) in combinations(scored, 2):
        if sev_a == sev_b:
            continue
        higher, lower = (
            ((score_a, file_a), (score_b, file_b))
            if sev_a > sev_b
            else ((score_b, file_b), (score_a, file_a))
        )
        assert higher[0] > lower[0], f"{higher[1]} should outscore {lower[1]}: {scored}"


def test_every_labelled_indicator_exists_in_the_rules() -> None:
    ids = {indicator.id for indicator in engine().indicators}
    for article in ARTICLES:
        assert set(article["events"]) <= ids
        assert set(article["background"]) <= ids
