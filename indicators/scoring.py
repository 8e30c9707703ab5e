"""Turn matched indicators into a 0-100 score with its explanation.

## How an item is scored

Every item gets a score from 0 to 100 and a level. The score only grows with
what the item reports: an extra sentence of evidence or an extra indicator
never lowers it, and nothing counts against it (de-escalation is a
low-severity signal, not a negative one).

1. **Each sentence of evidence gets a weight** between 0 and 1:
   `weight = status × strength × position`.
   - *status*: a sentence reporting something happening now (`event`) counts
     1.0; a sentence that only mentions it as history, negation, hedge or
     analysis (`background`) counts 0.15.
   - *strength*: the strength (0-1) of the rule pattern that matched, as
     written in the rule file.
   - *position*: the title and the lead carry the news, so sentences 0-3
     (sentence 0 is the title) count 1.0, each later sentence 0.025 less, down
     to 0.6 from sentence 19 on.
2. **Sentences that repeat an indicator corroborate it with diminishing
   returns.** Their weights are sorted; the strongest counts in full, the
   second half, the third a quarter, and so on (`w1 + w2/2 + w3/4 + …`), so
   repetition can at most double an indicator. A sentence counts once per
   indicator.
3. **An indicator's points** are that corroborated weight times its severity
   squared over ten (`severity² / 10`, severity 0-10 from the rule file).
   Squaring lets a severe event outweigh talk: casualties (severity 9) are
   worth 8.1 points, a threat (4) 1.6, a de-escalation (2) 0.4.
4. **The item's total** is the sum of its indicators' points times the feed's
   weight (its reliability, 0-1; 1.0 by default).
5. **The score saturates**: `score = 100 × (1 − exp(−total / 15))`, rounded to
   a whole number, so each further point adds less as the score nears 100.
6. **The level** follows the score: `info` below 25, `watch` from 25,
   `warning` from 50, `critical` from 75.

Some items, each indicator found once in the title or lead:

| what the item reports | total | score | level |
|---|---:|---:|---|
| a threat and collapsed talks | 3.2 | 19 | info |
| troops put on alert | 4.9 | 28 | watch |
| a shooting with casualties | 14.5 | 62 | warning |
| a raid, clashes, casualties and troops on alert | 23.0 | 78 | critical |
| the same four, only recalled as history | 3.45 | 21 | info |

The explanation has one term per indicator and, for a feed weighted below 1,
a `source weight` term. The indicator terms share the full-weight score in
proportion to their points; the `source weight` term (negative) is what the
feed's weight takes away, so the terms add up to the score before rounding.
Each term gives its reason, e.g. `armed_violence +35.2: event ×1.0,
severity 8, 2 sentences, lead`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indicators.types import Contribution, Evidence, Level, ScoreCard, Status

# Step 1: the weight of one sentence of evidence.
EVENT_WEIGHT = 1.0
BACKGROUND_WEIGHT = 0.15
LEAD_SENTENCES = 4  # sentence indexes 0-3: the title and the lead
POSITION_DECAY = 0.025  # per sentence after the lead
POSITION_FLOOR = 0.6

# Step 2: each further sentence for the same indicator counts this much of the one before.
CORROBORATION_RATIO = 0.5

# Step 3: severity (0-10) to points.
MAX_SEVERITY = 10.0

# Step 5: the raw total at which the score reaches 63 (1 - 1/e).
SATURATION = 15.0

# Step 6: the lowest score of each level above ``info``.
WATCH_AT = 25
WARNING_AT = 50
CRITICAL_AT = 75

SOURCE_WEIGHT_LABEL = "source weight"


@dataclass(frozen=True, slots=True)
class ScoringInput:
    """One indicator that fired on an item, with the sentences that made it fire."""

    indicator_id: str
    title: str
    severity: float
    status: Status
    evidence: tuple[Evidence, ...]


def level_for(score: float) -> Level:
    """The level of a 0-100 score: info < 25 <= watch < 50 <= warning < 75 <= critical."""
    if score >= CRITICAL_AT:
        return Level.CRITICAL
    if score >= WARNING_AT:
        return Level.WARNING
    if score >= WATCH_AT:
        return Level.WATCH
    return Level.INFO


def position_weight(sentence_index: int) -> float:
    """1.0 for the title and lead, then 0.025 less per sentence, never below 0.6."""
    late_by = max(0, sentence_index - (LEAD_SENTENCES - 1))
    return max(POSITION_FLOOR, 1.0 - POSITION_DECAY * late_by)


def status_weight(status: Status) -> float:
    return EVENT_WEIGHT if status is Status.EVENT else BACKGROUND_WEIGHT


def severity_points(severity: float) -> float:
    """An indicator's points for one full-weight sentence: severity squared over ten."""
    return severity * severity / MAX_SEVERITY


def saturate(total: float) -> float:
    """The unrounded 0-100 score of a raw total."""
    return 100.0 * (1.0 - math.exp(-total / SATURATION))


def evidence_weight(evidence: Evidence, indicator_status: Status) -> float:
    """Status × strength × position of one sentence (step 1)."""
    # A background indicator's sentences are all background, whatever each one says.
    is_event = indicator_status is Status.EVENT and evidence.status is Status.EVENT
    status = Status.EVENT if is_event else Status.BACKGROUND
    strength = min(1.0, max(0.0, evidence.strength))
    return status_weight(status) * strength * position_weight(evidence.sentence_index)


def corroborate(weights: Iterable[float]) -> float:
    """``w1 + w2/2 + w3/4 + …`` over the weights sorted high to low (step 2).

    Adding a weight never lowers the result: the new weight gains at least
    what the weaker ones lose by moving one place down.
    """
    ordered = sorted(weights, reverse=True)
    if len(ordered) == 1:
        return ordered[0]
    return math.fsum(w * CORROBORATION_RATIO**rank for rank, w in enumerate(ordered))


@dataclass(frozen=True, slots=True)
class _Scored:
    item: ScoringInput
    raw: float
    sentences: int
    best: Evidence
    weight_status: Status


def _score_indicator(item: ScoringInput) -> _Scored:
    if not item.evidence:
        raise ValueError(f"indicator {item.indicator_id!r} has no evidence to score")
    if not 0.0 <= item.severity <= MAX_SEVERITY:
        raise ValueError(
            f"indicator {item.indicator_id!r}: severity {item.severity!r} is outside 0-10"
        )
    # One sentence counts once per indicator: keep its best weight.
    by_sentence: dict[int, float] = {}
    # The strongest sentence, earliest on ties, explains the position.
    best = item.evidence[0]
    best_weight = -1.0
    for evidence in item.evidence:
        weight = evidence_weight(evidence, item.status)
        index = evidence.sentence_index
        if weight > by_sentence.get(index, -1.0):
            by_sentence[index] = weight
        if weight > best_weight or (weight == best_weight and index < best.sentence_index):
            best, best_weight = evidence, weight
    any_event = item.status is Status.EVENT and any(e.status is Status.EVENT for e in item.evidence)
    return _Scored(
        item=item,
        raw=severity_points(item.severity) * corroborate(by_sentence.values()),
        sentences=len(by_sentence),
        best=best,
        weight_status=Status.EVENT if any_event else Status.BACKGROUND,
    )


def _factor(value: float) -> str:
    """1.0 and 0.15 rather than 1 and 0.15."""
    return f"{value:.1f}" if value == round(value, 1) else f"{value:g}"


def _detail(scored: _Scored) -> str:
    status = scored.weight_status
    count = scored.sentences
    index = scored.best.sentence_index
    where = "lead" if index < LEAD_SENTENCES else f"sentence {index} ×{position_weight(index):.2f}"
    parts = [
        f"{status.value} ×{_factor(status_weight(status))}",
        f"severity {scored.item.severity:g}",
        f"{count} sentence{'' if count == 1 else 's'}",
        where,
    ]
    if scored.best.strength < 1.0:
        parts.append(f"strength {scored.best.strength:g}")
    return ", ".join(parts)


def score_document(
    inputs: Sequence[ScoringInput], *, source_weight: float = 1.0
) -> tuple[ScoreCard, dict[str, float]]:
    """Score one item from the indicators that fired on it.

    Returns the score card (score, level and one contribution per indicator,
    plus a ``source weight`` contribution when ``source_weight`` < 1) and each
    indicator's points: its share of the full-weight score, the same number
    as its contribution.

    Raises ``ValueError`` for an indicator without evidence, a severity
    outside 0-10, a source weight outside 0-1, or an indicator id given twice.
    """
    if not 0.0 <= source_weight <= 1.0:
        raise ValueError(f"source weight {source_weight!r} is outside 0-1")
    if not inputs:  # most items
        return ScoreCard(score=0, level=Level.INFO), {}
    seen: set[str] = set()
    for item in inputs:
        if item.indicator_id in seen:
            raise ValueError(f"indicator {item.indicator_id!r} is given more than once")
        seen.add(item.indicator_id)

    # Sorting by id makes the result independent of the order of ``inputs``.
    scored = [_score_indicator(item) for item in sorted(inputs, key=lambda i: i.indicator_id)]
    total = math.fsum(s.raw for s in scored)
    full = saturate(total)
    weighted = saturate(total * source_weight)
    score = min(100, max(0, math.floor(weighted + 0.5)))

    points = {s.item.indicator_id: (full * s.raw / total if total > 0 else 0.0) for s in scored}
    ranked = sorted(scored, key=lambda s: (-points[s.item.indicator_id], s.item.indicator_id))
    contributions = [
        Contribution(s.item.indicator_id, points[s.item.indicator_id], _detail(s)) for s in ranked
    ]
    if source_weight < 1.0 and total > 0:
        contributions.append(
            Contribution(
                label=SOURCE_WEIGHT_LABEL,
                points=weighted - full,
                detail=f"feed weight {source_weight:g}",
            )
        )
    card = ScoreCard(score=score, level=level_for(score), contributions=tuple(contributions))
    return card, points
