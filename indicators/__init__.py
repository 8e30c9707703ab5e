"""The matching engine: rule files in, matches with spans, context, deadlines and scores out.

Pure: no network, no database, no clock. ``now`` and the published date are arguments.
"""

from indicators.engine import Engine
from indicators.errors import IndicatorsError, RuleIssue, RuleSetError
from indicators.loader import load_indicators
from indicators.model import Indicator, IndicatorSet, Pattern
from indicators.selftest import ExampleResult, run_examples
from indicators.text import Normalized, fold, normalize, split_sentences
from indicators.topics import Gazetteer, Topic
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
    "Engine",
    "Evidence",
    "ExampleResult",
    "Gazetteer",
    "Indicator",
    "IndicatorResult",
    "IndicatorSet",
    "IndicatorsError",
    "Level",
    "Normalized",
    "Pattern",
    "RuleIssue",
    "RuleSetError",
    "ScoreCard",
    "Sentence",
    "Status",
    "Topic",
    "compose_text",
    "fold",
    "load_indicators",
    "normalize",
    "run_examples",
    "split_sentences",
]
