"""The matching engine: rule files in, matches with spans, context, deadlines and scores out.

Pure: no network, no database, no clock. ``now`` and the published date are arguments.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from indicators.errors import IndicatorsError, RuleIssue, RuleSetError
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

# The engine and its rule loader are imported on first use: importing the types (as the
# application does everywhere) must not cost the rule machinery's import time.
_LAZY = {
    "Engine": "indicators.engine",
    "ExampleResult": "indicators.selftest",
    "Gazetteer": "indicators.topics",
    "Indicator": "indicators.model",
    "IndicatorSet": "indicators.model",
    "Normalized": "indicators.text",
    "Pattern": "indicators.model",
    "Topic": "indicators.topics",
    "fold": "indicators.text",
    "load_indicators": "indicators.loader",
    "normalize": "indicators.text",
    "run_examples": "indicators.selftest",
    "split_sentences": "indicators.text",
}

if TYPE_CHECKING:
    from indicators.engine import Engine
    from indicators.loader import load_indicators
    from indicators.model import Indicator, IndicatorSet, Pattern
    from indicators.selftest import ExampleResult, run_examples
    from indicators.text import Normalized, fold, normalize, split_sentences
    from indicators.topics import Gazetteer, Topic


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'indicators' has no attribute {name!r}")


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
