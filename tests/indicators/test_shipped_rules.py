"""The rule files shipped in config/indicators, tested like code.

Every file loads on its own and together with the others, every indicator is
one of the labelled indicator ids, documents itself (title, description,
severity) and carries examples of each kind, and every example (match,
background, no_match, false positive) behaves as its file says when run
through the real engine.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from indicators.engine import Engine
from indicators.loader import load_indicators
from indicators.model import Indicator, IndicatorSet
from indicators.selftest import ExampleKind, failures, run_examples
from indicators.text import fold

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "config" / "indicators"
RULE_FILES = sorted(RULES.glob("*.yaml"))
LABELLED_IDS = set(
    json.loads((ROOT / "seeds" / "labels.json").read_text(encoding="utf-8"))["indicators"]
)
# Indicators whose examples must show Serbian (both scripts) and Albanian.
MULTILINGUAL = {
    "barricade",
    "troop_alert",
    "police_operation",
    "armed_violence",
    "casualties",
    "deadline",
}


@cache
def indicator_set() -> IndicatorSet:
    return load_indicators(RULES)


@cache
def engine() -> Engine:
    return Engine(indicator_set())


def _indicator_ids() -> list[str]:
    return sorted(indicator.id for indicator in indicator_set())


def test_there_are_rule_files() -> None:
    assert RULE_FILES, f"no rule files in {RULES}"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_each_file_loads_on_its_own(path: Path) -> None:
    loaded = load_indicators(path)
    assert len(loaded) >= 1


def test_ids_are_the_labelled_indicators() -> None:
    assert set(_indicator_ids()) == LABELLED_IDS


@pytest.mark.parametrize("indicator_id", sorted(LABELLED_IDS))
def test_indicator_documents_itself(indicator_id: str) -> None:
    indicator = indicator_set()[indicator_id]
    assert indicator.title.strip()
    assert len(indicator.description) >= 40
    assert 0 < indicator.severity <= 10
    assert indicator.cameo or indicator.plover
    assert len(indicator.version) == 12


@pytest.mark.parametrize("indicator_id", sorted(LABELLED_IDS))
def test_indicator_has_examples_of_every_kind(indicator_id: str) -> None:
    indicator = indicator_set()[indicator_id]
    assert len(indicator.examples.match) >= 3
    assert len(indicator.examples.background) >= 2
    assert len(indicator.examples.no_match) >= 2
    assert indicator.false_positives


def _scripts_and_languages(indicator: Indicator) -> set[str]:
    """Which of Serbian Cyrillic, Serbian Latin and Albanian the match examples use."""
    found = set()
    for example in indicator.examples.match:
        text = example.text
        if any("\u0400" <= char <= "\u04ff" for char in text):
            found.add("sr-Cyrl")
        elif any(char in text for char in "čćžšđČĆŽŠĐ"):
            found.add("sr-Latn")
        elif any(char in text for char in "ëçËÇ"):
            found.add("sq")
    return found


@pytest.mark.parametrize("indicator_id", sorted(MULTILINGUAL))
def test_multilingual_indicators_show_serbian_and_albanian(indicator_id: str) -> None:
    assert _scripts_and_languages(indicator_set()[indicator_id]) == {"sr-Cyrl", "sr-Latn", "sq"}


def test_every_example_passes() -> None:
    results = run_examples(indicator_set(), engine())
    assert {r.kind for r in results} == set(ExampleKind)
    failed = failures(results)
    assert not failed, "\n".join(str(r) for r in failed)


def test_examples_are_not_duplicated() -> None:
    """One sentence cannot be both a match and a non-match of the same indicator."""
    for indicator in indicator_set():
        kinds = [
            indicator.examples.match,
            indicator.examples.background,
            indicator.examples.no_match + indicator.false_positives,
        ]
        folded = [{fold(e.text) for e in group} for group in kinds]
        for a in range(len(folded)):
            for b in range(a + 1, len(folded)):
                assert not folded[a] & folded[b], (indicator.id, folded[a] & folded[b])


def test_readme_example_loads_and_passes_its_examples(tmp_path: Path) -> None:
    """The indicator written out in config/indicators/README.md is a working one."""
    readme = (RULES / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 1
    (tmp_path / "example.yaml").write_text(blocks[0], encoding="utf-8")
    loaded = load_indicators(tmp_path)
    results = run_examples(loaded, Engine(loaded))
    assert {r.kind for r in results} == set(ExampleKind)
    assert not failures(results), "\n".join(str(r) for r in failures(results))
