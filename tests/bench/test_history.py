"""The history benchmark fills a database the storage layer reads as its own."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench import history_text
from bench.history import COMMANDS, fill_sqlite, run_cli
from monitor.models import AlertQuery
from monitor.storage import open_storage

N = 400
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('history') / 'history.db'}"
    fill_sqlite(url, N, seed=3, now=NOW, analyze=False)
    return url


def _db(url: str) -> sqlite3.Connection:
    return sqlite3.connect(url.removeprefix("sqlite:///"))


def test_render_marks_the_matched_words() -> None:
    sentence = history_text.Sentence("{force} [raided] homes in {place} and [arrested] two.")
    text, spans = history_text.render(sentence, {"force": "police", "place": "Mitrovica"})
    assert text == "Police raided homes in Mitrovica and arrested two."
    assert [text[a:b] for a, b in spans] == ["raided", "arrested"]


def test_alerts_are_spread_over_the_last_year(filled: str) -> None:
    with open_storage(filled) as storage:
        assert storage.totals()["alerts"] == N
        newest = storage.query_alerts(AlertQuery(limit=1))[0].created_at
        oldest = storage.query_alerts(AlertQuery(until=NOW - timedelta(days=364), limit=0))
    assert NOW - timedelta(days=2) < newest <= NOW
    assert oldest and all(a.created_at >= NOW - timedelta(days=365) for a in oldest)


def test_evidence_points_into_the_stored_text(filled: str) -> None:
    with open_storage(filled) as storage:
        for alert_id in (1, N // 2, N):
            alert = storage.get_alert(alert_id)
            assert alert is not None and alert.item.text and alert.indicators
            for indicator in alert.indicators:
                for ev in indicator.evidence:
                    assert alert.item.text[ev.start : ev.end] == ev.sentence


def test_filters_agree_with_the_rows(filled: str) -> None:
    db = _db(filled)
    texts = [row[0] for row in db.execute("SELECT search_text FROM alerts")]
    by_indicator = dict(
        db.execute("SELECT indicator_id, count(DISTINCT alert_id) FROM evidence GROUP BY 1")
    )
    topics = [json.loads(row[0]) for row in db.execute("SELECT topics FROM alerts")]
    with_deadline = db.execute("SELECT count(DISTINCT alert_id) FROM deadlines").fetchone()[0]
    db.close()
    assert set(by_indicator) == set(history_text.INDICATOR_MIX)
    with open_storage(filled) as storage:
        # The full-text index holds every alert's text (folded, as searches are).
        mitrovica = sum("mitrovica" in t for t in texts)
        assert mitrovica > 0
        assert storage.count_alerts(AlertQuery(search="Mitrovica")) == mitrovica
        for indicator_id, count in by_indicator.items():
            assert storage.count_alerts(AlertQuery(indicator=indicator_id)) == count
        for topic in ("kosovo-serbia", "russia-ukraine"):
            expected = sum(topic in t for t in topics)
            assert storage.count_alerts(AlertQuery(topic=topic)) == expected
        assert storage.count_alerts(AlertQuery(has_deadline=True)) == with_deadline > 0


def test_cli_run_counts_the_rows_printed(filled: str, tmp_path: Path) -> None:
    filters, make_query = COMMANDS[1]  # --indicator barricade
    with open_storage(filled) as storage:
        expected = len(storage.query_alerts(make_query(NOW)))
    run = run_cli(filled, filters, str(tmp_path))
    assert run.rows == expected > 0
    assert run.wall_ms > 0 and run.cpu_ms > 0
