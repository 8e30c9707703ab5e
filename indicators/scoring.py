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
from operator import attrgetter, mul

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
    if len(ordered) <= len(_RANK_FACTORS):
        return math.fsum(map(mul, ordered, _RANK_FACTORS))  # the same products, in C
    return math.fsum(w * CORROBORATION_RATIO**rank for rank, w in enumerate(ordered))


# What the weight at each of the first ranks counts: CORROBORATION_RATIO**rank.
_RANK_FACTORS = tuple(CORROBORATION_RATIO**rank for rank in range(32))


# Step 1 and the explanation, per sentence index: the position weights of the first
# sentences and the ``where`` of the explanation, computed once with the functions above.
_TABLED_POSITIONS = 64


def _where(sentence_index: int) -> str:
    """The position part of the explanation: "lead" or "sentence 7 ×0.92"."""
    if sentence_index < LEAD_SENTENCES:
        return "lead"
    return f"sentence {sentence_index} ×{position_weight(sentence_index):.2f}"


_WHERE = tuple(_where(index) for index in range(_TABLED_POSITIONS))


def _factor(value: float) -> str:
    """1.0 and 0.15 rather than 1 and 0.15."""
    return f"{value:.1f}" if value == round(value, 1) else f"{value:g}"


# The status part of the explanation, e.g. "event ×1.0".
_STATUS_TEXT = {status: f"{status.value} ×{_factor(status_weight(status))}" for status in Status}

_EVENT = Status.EVENT
_BACKGROUND = Status.BACKGROUND


def _score_indicator(item: ScoringInput) -> tuple[float, str]:
    """An indicator's raw points (steps 1-3) and the reason its contribution gives."""
    evidence_items = item.evidence
    if not evidence_items:
        raise ValueError(f"indicator {item.indicator_id!r} has no evidence to score")
    severity = item.severity
    if not 0.0 <= severity <= MAX_SEVERITY:
        raise ValueError(f"indicator {item.indicator_id!r}: severity {severity!r} is outside 0-10")
    # A background indicator's sentences are all background, whatever each one says.
    event_item = item.status is _EVENT
    any_event = False
    # One sentence counts once per indicator: keep its best weight.
    by_sentence: dict[int, float] = {}
    # The strongest sentence, earliest on ties, explains the position.
    best = evidence_items[0]
    best_weight = -1.0
    for evidence in evidence_items:
        any_event = any_event or (event_item and evidence.status is _EVENT)
        index = evidence.sentence_index
        weight = evidence_weight(evidence, item.status)
        if weight > by_sentence.get(index, -1.0):
            by_sentence[index] = weight
        if weight > best_weight or (weight == best_weight and index < best.sentence_index):
            best, best_weight = evidence, weight
    count = len(by_sentence)
    # corroborate() of a single weight is that weight, the best one.
    raw = severity_points(severity) * (
        best_weight if count == 1 else corroborate(by_sentence.values())
    )

    # Few distinct explanations recur: format each once. Zeros are left out of the
    # table because 0.0 and -0.0 are one key but print differently.
    strength = best.strength
    key = (any_event, severity, count, best.sentence_index, strength)
    detail = _DETAILS.get(key)
    if detail is None:
        detail = _detail(any_event, severity, count, best.sentence_index, strength)
        if severity and strength and len(_DETAILS) < _MAX_TABLED:
            _DETAILS[key] = detail
    return raw, detail


_MAX_TABLED = 8192  # explanations kept: far more than the combinations that occur
_DETAILS: dict[tuple[bool, float, int, int, float], str] = {}


def _detail(any_event: bool, severity: float, count: int, index: int, strength: float) -> str:
    """Why an indicator scored what it did, e.g. "event ×1.0, severity 8, 2 sentences, lead"."""
    where = _WHERE[index] if 0 <= index < _TABLED_POSITIONS else _where(index)
    detail = (
        f"{_STATUS_TEXT[_EVENT if any_event else _BACKGROUND]}, severity {severity:g}, "
        f"{count} sentence{'' if count == 1 else 's'}, {where}"
    )
    if strength < 1.0:
        detail = f"{detail}, strength {strength:g}"
    return detail


# Immutable, so every item without indicators shares it.
_NOTHING = ScoreCard(score=0, level=Level.INFO)


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
        return _NOTHING, {}
    if len(inputs) > 1:
        if len(set(map(_BY_ID, inputs))) != len(inputs):
            seen: set[str] = set()
            for item in inputs:
                if item.indicator_id in seen:
                    raise ValueError(f"indicator {item.indicator_id!r} is given more than once")
                seen.add(item.indicator_id)
        # Sorting by id makes the result independent of the order of ``inputs``.
        ordered = sorted(inputs, key=_BY_ID)
    else:
        ordered = list(inputs)
    raws: list[float] = []
    details: list[str] = []
    for item in ordered:
        raw, detail = _score_indicator(item)
        raws.append(raw)
        details.append(detail)
    total = math.fsum(raws) if len(raws) > 1 else raws[0]
    full = saturate(total)
    # total × 1.0 is total: the same score without working it out twice.
    weighted = full if source_weight == 1.0 else saturate(total * source_weight)
    score = math.floor(weighted + 0.5)
    score = 0 if score < 0 else 100 if score > 100 else score

    points: dict[str, float] = {}
    contributions = []
    for item, raw, detail in zip(ordered, raws, details, strict=True):
        share = full * raw / total if total > 0 else 0.0
        points[item.indicator_id] = share
        contributions.append(Contribution(item.indicator_id, share, detail))
    if len(contributions) > 1:
        # Most points first; the sort is stable, so ties stay in id order.
        contributions.sort(key=_BY_POINTS, reverse=True)
    if source_weight < 1.0 and total > 0:
        contributions.append(
            Contribution(
                label=SOURCE_WEIGHT_LABEL,
                points=weighted - full,
                detail=f"feed weight {source_weight:g}",
            )
        )
    return ScoreCard(score, _LEVELS[score], tuple(contributions)), points


_BY_ID = attrgetter("indicator_id")
_BY_POINTS = attrgetter("points")
_LEVELS = tuple(level_for(score) for score in range(101))  # the level of each whole score
