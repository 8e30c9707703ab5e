"""The matching engine: rule files in, matches with spans, context, deadlines and scores out.

Pure: no network, no database, no clock. ``now`` and the published date are arguments.
"""

from indicators.types import (
    Analysis,
    Contribution,
    Deadline,
    Document,
    Evidence,
    IndicatorResult,
    Level,
    ScoreCard,
    Sentence,
    Status,
    compose_text,
)

__all__ = [
    "Analysis",
    "Contribution",
    "Deadline",
    "Document",
    "Evidence",
    "IndicatorResult",
    "Level",
    "ScoreCard",
    "Sentence",
    "Status",
    "compose_text",
]
