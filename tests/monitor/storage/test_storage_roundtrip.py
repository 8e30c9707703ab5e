"""Property: what is stored is what is loaded (items, alerts, evidence, deadlines)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_factories import FEED, T0, add_feeds, digest, make_poll

from indicators.types import (
    Analysis,
    Contribution,
    Deadline,
    Evidence,
    IndicatorResult,
    Level,
    ScoreCard,
    Status,
    compose_text,
)
from monitor.models import (
    Alert,
    AlertQuery,
    DeadlineView,
    EvidenceView,
    IndicatorView,
    IngestItem,
)
from monitor.storage import Storage

# PostgreSQL cannot store NUL; storage replaces it (tested separately).
TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40)
WORDS = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1)
ZONES = st.builds(
    timezone, st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timedelta(minutes=m))
)
MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
)
DUES = st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2100, 1, 1)), MOMENTS)
SERIAL = itertools.count()


@st.composite
def analysed_items(draw: st.DrawFn) -> IngestItem:
    title = draw(TEXT)
    sentences = draw(st.lists(WORDS, min_size=1, max_size=5))
    body = " ".join(sentences)
    text = compose_text(title, body)
    indicator_ids = draw(
        st.lists(
            st.from_regex(r"[a-z][a-z-]{0,20}", fullmatch=True), min_size=1, max_size=3, unique=True
        )
    )
    results = []
    for indicator_id in indicator_ids:
        evidence = []
        for _ in range(draw(st.integers(1, 3))):
            start = draw(st.integers(0, len(text)))
            end = draw(st.integers(start, len(text)))
            evidence.append(
                Evidence(
                    indicator_id=indicator_id,
                    rule_version=draw(st.sampled_from(["1", "2", "sha:0f3a"])),
                    status=draw(st.sampled_from(Status)),
                    sentence=text[start:end],
                    start=start,
                    end=end,
                    match=text[start:end][:10],
                    match_spans=((start, min(end, start + 10)),),
                    sentence_index=draw(st.integers(0, 50)),
                    reasons=tuple(draw(st.lists(TEXT, max_size=2))),
                    strength=draw(st.floats(0, 1)),
                )
            )
        status = (
            Status.EVENT if any(e.status is Status.EVENT for e in evidence) else Status.BACKGROUND
        )
        results.append(
            IndicatorResult(
                id=indicator_id,
                title=indicator_id,
                status=status,
                score=draw(st.floats(0, 100)),
                evidence=tuple(evidence),
            )
        )
    deadlines = tuple(
        Deadline(phrase=phrase, start=0, end=len(phrase), due=due, reason=reason)
        for phrase, due, reason in draw(st.lists(st.tuples(WORDS, DUES, TEXT), max_size=3))
    )
    card = ScoreCard(
        score=draw(st.integers(0, 100)),
        level=draw(st.sampled_from(Level)),
        contributions=tuple(
            Contribution(label=label, points=points, detail=detail)
            for label, points, detail in draw(
                st.lists(st.tuples(WORDS, st.floats(-100, 100), TEXT), max_size=3)
            )
        ),
    )
    analysis = Analysis(
        text=text,
        indicators=tuple(results),
        deadlines=deadlines,
        topics=tuple(
            draw(st.lists(st.from_regex(r"[a-z]{1,12}", fullmatch=True), max_size=3, unique=True))
        ),
        score=card,
    )
    # Unique keys, so every example is a new item whatever the drawn text.
    serial = next(SERIAL)
    link = draw(st.one_of(st.none(), st.just(f"https://example.org/{serial}/")))
    return IngestItem(
        guid=draw(st.one_of(st.none(), TEXT.map(lambda g: f"{serial}:{g}"))),
        link=link,
        title=title,
        published=draw(st.one_of(st.none(), MOMENTS)),
        text=text,
        content_hash=digest(f"{serial}:{text}"),
        analysis=analysis,
    )


def expected(item: IngestItem, alert: Alert) -> Alert:
    analysis = item.analysis
    assert analysis is not None
    return Alert(
        id=alert.id,
        score=analysis.score.score,
        level=analysis.score.level.value,
        created_at=alert.created_at,
        topics=analysis.topics,
        item=alert.item,
        indicators=tuple(
            IndicatorView(
                id=r.id,
                status=r.status.value,
                score=r.score,
                evidence=tuple(
                    EvidenceView(
                        sentence=e.sentence,
                        start=e.start,
                        end=e.end,
                        match=e.match,
                        rule_version=e.rule_version,
                        match_spans=e.match_spans,
                        reasons=e.reasons,
                        status=e.status.value,
                        sentence_index=e.sentence_index,
                        strength=e.strength,
                    )
                    for e in r.evidence
                ),
            )
            for r in analysis.indicators
        ),
        deadlines=tuple(
            DeadlineView(
                phrase=d.phrase,
                due=d.due,
                alert_id=alert.id,
                item_title=item.title,
                start=d.start,
                end=d.end,
                reason=d.reason,
            )
            for d in analysis.deadlines
        ),
        explanation=analysis.score.explanation,
        contributions=tuple(
            {"label": c.label, "points": c.points, "detail": c.detail}
            for c in analysis.score.contributions
        ),
        updated_at=None,
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(item=analysed_items())
def test_storing_then_loading_an_alert_is_the_identity(storage: Storage, item: IngestItem) -> None:
    add_feeds(storage)
    at = T0 + timedelta(seconds=next(SERIAL))
    summary = storage.record_poll(make_poll([item], at=at))
    assert (summary.new_items, summary.new_alerts) == (1, 1)
    [listed] = storage.query_alerts(AlertQuery(limit=1))
    loaded = storage.get_alert(listed.id)
    assert loaded is not None
    assert loaded == expected(item, loaded)
    assert listed == expected(item, listed)
    view = loaded.item
    assert (view.title, view.link, view.guid, view.text) == (
        item.title,
        item.link,
        item.guid,
        item.text,
    )
    assert (view.content_hash, view.feed_url, view.feeds) == (item.content_hash, FEED, (FEED,))
    assert view.published == item.published
    assert view.published is None or view.published.tzinfo is UTC
    assert loaded.created_at == at + timedelta(seconds=2) and loaded.created_at.tzinfo is UTC
    for d in loaded.deadlines:
        # Dates come back as dates, datetimes as aware UTC datetimes.
        assert not isinstance(d.due, datetime) or d.due.tzinfo is UTC


def test_nul_characters_are_stored_as_replacement_characters(storage: Storage) -> None:
    add_feeds(storage)
    title, body = "Bad\x00title", "Body with \x00 inside."
    text = compose_text(title, body)
    analysis = Analysis(
        text=text,
        indicators=(
            IndicatorResult(
                id="x",
                title="x",
                status=Status.EVENT,
                score=1.0,
                evidence=(
                    Evidence(
                        "x",
                        "1",
                        Status.EVENT,
                        body,
                        text.index(body),
                        len(text),
                        "\x00",
                        ((0, 1),),
                        1,
                    ),
                ),
            ),
        ),
        deadlines=(),
        topics=(),
        score=ScoreCard(score=5, level=Level.INFO),
    )
    item = IngestItem("g\x00", None, title, None, text, digest(text), analysis)
    storage.record_poll(make_poll([item]))
    [alert] = storage.query_alerts(AlertQuery())
    full = storage.get_alert(alert.id)
    assert full is not None and full.item.text == text.replace("\x00", "\ufffd")
    ev = full.indicators[0].evidence[0]
    assert full.item.text[ev.start : ev.end] == ev.sentence
    assert storage.record_poll(make_poll([item], at=T0 + timedelta(hours=1))).new_items == 0
