"""The labelled news sets and the benchmark that scores the rules on them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench import newsset
from indicators.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
INDICATOR_IDS = list(json.loads((ROOT / "seeds" / "labels.json").read_text())["indicators"])


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_directory(newsset.RULES, newsset.TOPICS)


def record(**fields: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": "T-1",
        "lang": "en",
        "published": "2024-05-01",
        "title": "",
        "body": "",
        "events": [],
        "background": [],
    }
    item.update(fields)
    return item


def write(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


@pytest.mark.parametrize("name", ["news-dev.jsonl", "news-test.jsonl"])
def test_shipped_sets_are_valid_and_cover_every_indicator_and_language(name: str) -> None:
    items = newsset.read_items(newsset.DATA / name, INDICATOR_IDS)
    assert len(items) >= 200
    assert {item.lang for item in items} == {"en", "sr", "sq"}
    for indicator_id in INDICATOR_IDS:
        assert sum(indicator_id in item.events for item in items) >= 10, indicator_id
        assert sum(indicator_id in item.background for item in items) >= 4, indicator_id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"events": ["riot"]}, "unknown indicator ids ['riot']"),
        ({"events": ["barricade"], "background": ["barricade"]}, "in both lists"),
        ({"published": "2024-13-01"}, "month must be in 1..12"),
        ({"title": None, "body": None, "lang": None, "events": None}, "'NoneType'"),
    ],
)
def test_a_bad_line_is_named_by_file_and_line(tmp_path: Path, fields: dict, message: str) -> None:
    path = write(tmp_path / "set.jsonl", record(id="ok"), record(**fields))
    with pytest.raises(newsset.LabelError, match=rf"set\.jsonl:2: .*{re.escape(message)}"):
        newsset.read_items(path, INDICATOR_IDS)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "set.jsonl", record(), record())
    with pytest.raises(newsset.LabelError, match=r":2: duplicate id 'T-1'"):
        newsset.read_items(path, INDICATOR_IDS)


def test_scores_count_events_and_leaks(tmp_path: Path, engine: Engine) -> None:
    path = write(
        tmp_path / "set.jsonl",
        # Found as an event: a true positive.
        record(id="a", body="Serbs erected barricades on the road to Jarinje on Monday.",
               events=["barricade"]),
        # Labelled background, found as an event: a false positive and a leak.
        record(id="b", body="Serbs erected barricades on the road to Jarinje on Monday.",
               background=["barricade"]),
        # Labelled an event, not found: a miss.
        record(id="c", body="The weather was mild.", events=["barricade"]),
    )  # fmt: skip
    items = newsset.read_items(path, INDICATOR_IDS)
    newsset.analyse(engine, items)
    score = newsset.event_score(items, "barricade")
    assert (score.gold, score.predicted, score.correct) == (2, 2, 1)
    row = next(
        line for line in newsset.table(items, INDICATOR_IDS).splitlines() if "barricade" in line
    )
    # events, fired as event, precision, recall, F1, background, leaks, any recall
    assert row.split(" | ")[1:] == ["2", "2", "0.50", "0.50", "0.50", "1", "1", "0.67 |"]
    assert "c [en]" in newsset.errors(items)
    assert "missed as event: ['barricade']" in newsset.errors(items)


def test_main_prints_the_tables_and_refuses_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "set.jsonl", record(body="Police arrested two men.", events=[]))
    assert newsset.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 labelled items from set.jsonl" in out and "| **all (micro)** |" in out
    assert newsset.main([str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl" in capsys.readouterr().err
