import base64
import dataclasses
import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from digest_samples import (
    BELGRADE,
    DAY,
    NOW,
    SETTINGS,
    TITLES,
    decode_png,
    evidence,
    make_alert,
    sample_data,
    sample_source,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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
from monitor.digest import (
    ALL_TOPICS,
    DigestSettings,
    build_digest_data,
    default_day,
    digest_summary,
    due_label,
    group_alerts,
    highlight_segments,
    rank_alerts,
    safe_link,
    subject,
)
from monitor.digest_html import render_html
from monitor.digest_text import render_text
from monitor.models import DeadlineView, FeedSpec, FeedStatus, IngestItem, PollRecord
from monitor.settings import DigestConfig
from monitor.storage import open_storage


class Collector(HTMLParser):
    """Tags, attributes, and the text inside <mark> and <title> of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.marked: list[str] = []
        self.title = ""
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in ("img", "meta", "br"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] == "mark":
            self.marked.append(data)
        if self._open and self._open[-1] == "title":
            self.title += data


def parse(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    return collector


# -- building ----------------------------------------------------------------------


def test_the_period_is_the_day_before_the_local_time() -> None:
    source = sample_source()
    data = build_digest_data(source, day=DAY, settings=SETTINGS, now=NOW)
    assert data.period_start == datetime(2026, 11, 20, 6, tzinfo=UTC)
    assert data.period_end == datetime(2026, 11, 21, 6, tzinfo=UTC)
    query = source.queries[0]
    assert (query.since, query.until, query.limit) == (data.period_start, data.period_end, 0)


def test_alerts_outside_the_period_are_left_out() -> None:
    source = sample_source()
    late = make_alert(
        20,
        title="Tomorrow's news",
        body="Police raided a depot.",
        score=99,
        level="critical",
        created_at=datetime(2026, 11, 21, 6, 0, tzinfo=UTC),  # the end is excluded
        indicators=[("police_operation", "event", 9.0, [("Police raided a depot.", ["raided"])])],
    )
    source.alerts.append(late)
    data = build_digest_data(source, day=DAY, settings=SETTINGS, now=NOW)
    assert [a.id for a in data.alerts] == [1, 2, 3]
    assert data.counts.alerts == 3
    assert data.highest_level == "critical"


def test_alerts_are_ranked_and_cut_to_max_alerts() -> None:
    settings = dataclasses.replace(SETTINGS, max_alerts=2)
    data = build_digest_data(sample_source(hostile=True), day=DAY, settings=settings, now=NOW)
    assert [a.score for a in data.alerts] == [82, 55]
    assert (data.counts.alerts, data.counts.shown) == (4, 2)
    assert dict(data.counts.by_level) == {"critical": 1, "warning": 2, "watch": 1}
    assert "the top 2 shown" in render_text(data)


def test_min_score_is_passed_to_storage() -> None:
    source = sample_source()
    settings = dataclasses.replace(SETTINGS, min_score=50)
    data = build_digest_data(source, day=DAY, settings=settings, now=NOW)
    assert source.queries[0].min_score == 50
    assert [a.id for a in data.alerts] == [1, 2]


def test_groups_by_topic_then_indicator_best_first() -> None:
    data = sample_data(hostile=True)
    groups = [(g.topic, g.indicator, [a.id for a in g.alerts]) for g in group_alerts(data.alerts)]
    assert groups == [
        ("kosovo_serbia", "troop_alert", [1]),
        ("kosovo_serbia", "barricade", [2]),
        ("kosovo_serbia", "police_operation", [9]),
        ("eu_dialogue", "talks_breakdown", [3]),  # its event, not its background troop mention
    ]


def test_ties_rank_by_level_then_newest() -> None:
    base = datetime(2026, 11, 20, 8, tzinfo=UTC)
    make = lambda i, level, hours: make_alert(  # noqa: E731
        i,
        title=f"t{i}",
        body="Shots were fired.",
        score=50,
        level=level,
        created_at=base + timedelta(hours=hours),
        indicators=[("armed_violence", "event", 9.0, [("Shots were fired.", ["Shots"])])],
    )
    ranked = rank_alerts([make(1, "watch", 5), make(2, "warning", 1), make(3, "warning", 2)])
    assert [a.id for a in ranked] == [3, 2, 1]


def test_deadlines_announced_and_upcoming() -> None:
    data = sample_data()
    [announced] = data.deadlines_announced
    assert announced.phrase == "a deadline of Friday"
    assert (announced.alert_id, announced.item_title) == (2, "Barricades go up near Jarinje")
    assert [d.phrase for d in data.deadlines_upcoming] == ["within 48 hours", "by 1 December"]
    labels = [due_label(d, DAY, BELGRADE) for d in data.deadlines_upcoming]
    assert labels == ["2026-11-22 23:00 CET (tomorrow)", "2026-12-01 (in 10 days)"]


def test_past_upcoming_deadlines_are_dropped() -> None:
    source = sample_source()
    source.upcoming.append(DeadlineView(phrase="by yesterday", due=date(2026, 11, 20)))
    data = build_digest_data(source, day=DAY, settings=SETTINGS, now=NOW)
    assert "by yesterday" not in [d.phrase for d in data.deadlines_upcoming]


@pytest.mark.parametrize(
    ("due", "label"),
    [
        (date(2026, 11, 21), "2026-11-21 (today)"),
        (date(2026, 11, 19), "2026-11-19 (2 days ago)"),
        (date(2026, 11, 20), "2026-11-20 (yesterday)"),
        # 23:30 UTC on the 21st is already the 22nd in Belgrade.
        (datetime(2026, 11, 21, 23, 30, tzinfo=UTC), "2026-11-22 00:30 CET (tomorrow)"),
        (None, "date not stated"),
    ],
)
def test_due_labels(due: date | datetime | None, label: str) -> None:
    assert due_label(DeadlineView(phrase="x", due=due), DAY, BELGRADE) == label


def test_trend_per_topic_over_thirty_days() -> None:
    source = sample_source()
    data = build_digest_data(source, day=DAY, settings=SETTINGS, now=NOW)
    assert list(data.trend) == ["kosovo_serbia", "eu_dialogue"]  # by their best alert
    series = data.trend["kosovo_serbia"]
    assert (
        len(series) == 30
        and series[0][0] == DAY - timedelta(days=29)
        and series[-1] == (DAY, 120.0)
    )
    assert source.index_calls[0] == ("kosovo_serbia", DAY - timedelta(days=29), DAY)


def test_trend_ends_on_the_utc_day_of_the_period_end() -> None:
    # 07:00 in Tokyo is 22:00 UTC the day before: that UTC day is the last one.
    settings = dataclasses.replace(SETTINGS, timezone=ZoneInfo("Asia/Tokyo"))
    source = sample_source()
    build_digest_data(source, day=DAY, settings=settings, now=NOW)
    assert source.index_calls[0][1:] == (DAY - timedelta(days=30), DAY - timedelta(days=1))


def test_default_day_is_the_latest_whose_time_has_passed() -> None:
    assert default_day(datetime(2026, 11, 21, 5, 59, tzinfo=UTC), SETTINGS) == date(2026, 11, 20)
    assert default_day(datetime(2026, 11, 21, 6, 0, tzinfo=UTC), SETTINGS) == DAY


def test_configured_trend_topics_and_the_all_topics_fallback() -> None:
    settings = dataclasses.replace(SETTINGS, trend_topics=("eu_dialogue",))
    assert list(sample_data(settings=settings).trend) == ["eu_dialogue"]
    empty = sample_source()
    empty.alerts.clear()
    data = build_digest_data(empty, day=DAY, settings=SETTINGS, now=NOW)
    assert list(data.trend) == [ALL_TOPICS]
    assert empty.index_calls[0][0] is None


def test_feed_health_lists_problem_feeds_worst_first() -> None:
    data = sample_data()
    assert [(h.problem, h.feed.name) for h in data.feed_health] == [
        ("gone", "Gone Gazette"),
        ("backoff", "Slow Times"),
        ("failing", "Down Daily"),
        ("silent", "Quiet Courier"),
    ]
    assert data.feed_health[3].detail == "no new item for 9 days"
    assert (data.counts.feeds, data.counts.feeds_unhealthy) == (5, 4)  # disabled feed ignored


def test_feed_statuses_are_all_known() -> None:
    # A new status must be given a place in the digest's feed health.
    assert {s.value for s in FeedStatus} == {"new", "ok", "failing", "backoff", "gone"}


# -- pure helpers ----------------------------------------------------------------


def test_highlight_uses_offsets_relative_to_the_sentence() -> None:
    text = "Title\n\nNothing here. Serbia put its troops on full combat alert on Tuesday."
    ev = evidence(
        text,
        "Serbia put its troops on full combat alert on Tuesday.",
        ["troops", "full combat alert"],
    )
    assert highlight_segments(ev) == [
        ("Serbia put its ", False),
        ("troops", True),
        (" on ", False),
        ("full combat alert", True),
        (" on Tuesday.", False),
    ]


def test_highlight_merges_overlaps_and_ignores_spans_outside_the_sentence() -> None:
    ev = evidence("abc def ghi", "def ghi", [])
    ev = dataclasses.replace(ev, match_spans=((0, 2), (4, 7), (5, 9), (9, 11), (30, 40)))
    assert highlight_segments(ev) == [("def ghi", True)]
    ev = dataclasses.replace(ev, match_spans=((4, 5), (6, 7)))
    assert highlight_segments(ev) == [("d", True), ("e", False), ("f", True), (" ghi", False)]
    assert highlight_segments(dataclasses.replace(ev, match_spans=())) == [("def ghi", False)]


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.org/a?b=1&c=2", True),
        ("HTTP://EXAMPLE.ORG/", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//example.org/x", False),
        ("https://exa mple.org/", False),
        ("https://example.org/\nX: y", False),
        ("ftp://example.org/", False),
        ("https:///nohost", False),
        (None, False),
    ],
)
def test_only_absolute_http_links_are_safe(url: str | None, safe: bool) -> None:
    assert (safe_link(url) is not None) is safe


def test_subject_names_the_day_the_level_and_the_count() -> None:
    assert (
        subject(sample_data(hostile=True))
        == "[escalation-monitor] 2026-11-21 digest: critical, 4 alerts"
    )
    empty = sample_source()
    empty.alerts.clear()
    data = build_digest_data(empty, day=DAY, settings=SETTINGS, now=NOW)
    assert subject(data) == "[escalation-monitor] 2026-11-21 digest: no alerts"
    one = sample_source()
    one.alerts[:] = one.alerts[:1]
    assert subject(build_digest_data(one, day=DAY, settings=SETTINGS, now=NOW)).endswith(
        "watch, 1 alert"
    )


def test_summary_is_json_ready() -> None:
    summary = digest_summary(sample_data())
    assert summary["day"] == "2026-11-21" and summary["alerts"] == 3
    assert summary["highest_level"] == "critical"


# -- HTML ---------------------------------------------------------------------------


def test_html_shows_every_alert_with_its_source_time_link_and_explanation() -> None:
    html = render_html(sample_data())
    for expected in (
        "Serbia puts army on full combat alert",
        "Barricades go up near Jarinje",
        "Brussels talks end without agreement",
        "Balkan Wire",
        "2026-11-20 12:30 CET",  # published 11:30 UTC, shown in Belgrade time
        'href="https://news.example.org/a/1"',
        "score: 82 (critical): troop_alert +31.5",
        "Troops on alert or moving",  # the rule title, not the id
        "talks breakdown",  # an id without a title is made readable
        "2026-12-01 (in 10 days)",
        "Quiet Courier",
        "no new item for 9 days",
    ):
        assert expected in html, expected
    # Best alert first.
    assert html.index("full combat alert") < html.index("Jarinje") < html.index("Brussels talks")


def test_html_marks_exactly_the_matched_words() -> None:
    page = parse(render_html(sample_data()))
    assert page.marked == [
        "full combat alert",
        "Armoured columns",
        "boundary",
        "barricades",
        "deadline",
        "collapsed",
        "troops massed",
    ]


def test_html_escapes_feed_content_and_drops_unsafe_links() -> None:
    html = render_html(sample_data(hostile=True))
    page = parse(html)
    assert [
        tag for tag, _ in page.tags if tag in ("script", "iframe", "object", "link", "style")
    ] == []
    assert all("onerror" not in attrs for _, attrs in page.tags)
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in html
    assert "Police <mark" in html and "the &lt;b&gt;office&lt;/b&gt; &amp; left" in html
    assert "Evil &lt;i&gt;Feed&lt;/i&gt;" in html
    hrefs = [(attrs.get("href") or "").strip().lower() for _, attrs in page.tags]
    assert not any(h.startswith("javascript") for h in hrefs)
    assert "javascript" not in html  # an unsafe link is dropped, the title stays as text
    assert "\x1b" not in html and "\r" not in html and "\x07" not in html


def test_html_is_self_contained_and_sized_for_mail_and_phones() -> None:
    html = render_html(sample_data())
    page = parse(html)
    sources = [attrs.get("src") or "" for tag, attrs in page.tags if tag == "img"]
    assert len(sources) == 1 and sources[0].startswith("data:image/png;base64,")
    assert "max-width:640px" in html
    assert '<meta name="viewport"' in html
    hrefs = [attrs["href"] for _, attrs in page.tags if attrs.get("href")]
    assert all(h.startswith(("https://", "http://")) for h in hrefs)
    assert not re.search(r"<(script|link|style)\b", html)
    assert page.title == "[escalation-monitor] 2026-11-21 digest: critical, 3 alerts"


def test_html_chart_is_the_trend_png() -> None:
    html = render_html(sample_data())
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    width, height, _ = decode_png(base64.b64decode(encoded))
    assert (width, height) == (600, 180)
    assert (
        render_html(sample_data(), chart_src="cid:trend@example").count('src="cid:trend@example"')
        == 1
    )


def test_html_for_an_empty_day_says_so() -> None:
    empty = sample_source()
    empty.alerts.clear()
    html = render_html(build_digest_data(empty, day=DAY, settings=SETTINGS, now=NOW))
    assert "No alerts in this period." in html


# -- text -----------------------------------------------------------------------------


def test_text_has_every_section_and_marks_matches() -> None:
    text = render_text(sample_data())
    for heading in (
        "Alerts",
        "Deadlines announced in the period",
        "Upcoming deadlines",
        "Feed health",
        "Counts",
    ):
        assert f"\n{heading}\n" in text
    assert "Serbia put its troops on *full combat alert* on Tuesday." in text
    assert "[critical 82] Serbia puts army on full combat alert" in text
    assert "kosovo_serbia " in text and "max 120.0, last 120.0" in text
    assert "silent: Quiet Courier (https://quiet.example.org/rss): no new item for 9 days" in text


def test_text_is_safe_for_a_terminal() -> None:
    text = render_text(sample_data(hostile=True))
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    # The hostile title and feed name stay on their own line: no forged lines.
    assert "\nBcc:" not in text and "\nX-Injected" not in text
    title_line = next(line for line in text.splitlines() if "pwned" in line)
    assert title_line.startswith("[warning 40] <script>")
    assert "javascript:" not in text


# -- with the real storage ----------------------------------------------------------


def _analysis(
    title: str, body: str, *, score: int, level: Level, topics: tuple[str, ...]
) -> Analysis:
    text = compose_text(title, body)
    sentence = "Serbia put its troops on full combat alert on Tuesday."
    start = text.index(sentence)
    match_start = text.index("full combat alert")
    ev = Evidence(
        indicator_id="troop_alert",
        rule_version="0123456789ab",
        status=Status.EVENT,
        sentence=sentence,
        start=start,
        end=start + len(sentence),
        match="full combat alert",
        match_spans=((match_start, match_start + len("full combat alert")),),
        sentence_index=1,
    )
    deadline_phrase = "by Friday"
    at = text.index(deadline_phrase)
    return Analysis(
        text=text,
        indicators=(IndicatorResult("troop_alert", "Troops on alert", Status.EVENT, 31.5, (ev,)),),
        deadlines=(Deadline(deadline_phrase, at, at + len(deadline_phrase), date(2026, 11, 27)),),
        topics=topics,
        score=ScoreCard(score, level, (Contribution("troop_alert", 31.5, "event"),)),
    )


PG_URL = os.environ.get("MONITOR_TEST_PG_URL")


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    PG_URL is None,
                    reason="PostgreSQL tests need MONITOR_TEST_PG_URL, "
                    "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test",
                ),
            ],
        ),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
        return
    assert PG_URL is not None
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schema = f"t_digest_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_digest_from_the_real_storage(db_url: str) -> None:
    storage = open_storage(db_url)
    feed_url = "https://news.example.org/feed.xml"
    storage.add_feed(FeedSpec(url=feed_url, name="Balkan Wire"), 1800, now=NOW - timedelta(days=40))
    polls = [
        (datetime(2026, 11, 20, 9, tzinfo=UTC), "Army on alert", 70, Level.CRITICAL),
        (datetime(2026, 11, 19, 9, tzinfo=UTC), "Yesterday's alert", 40, Level.WARNING),
    ]
    for number, (when, title, score, level) in enumerate(polls):
        body = "Serbia put its troops on full combat alert on Tuesday. Leave by Friday, they said."
        analysis = _analysis(title, body, score=score, level=level, topics=("kosovo_serbia",))
        item = IngestItem(
            guid=f"g{number}",
            link=f"https://news.example.org/{number}",
            title=title,
            published=when - timedelta(hours=1),
            text=analysis.text,
            content_hash=f"h{number}",
            analysis=analysis,
        )
        storage.record_poll(
            PollRecord(
                feed_url=feed_url,
                started_at=when - timedelta(seconds=5),
                finished_at=when,
                status=FeedStatus.OK,
                next_poll_at=when + timedelta(minutes=30),
                http_status=200,
                items=(item,),
            )
        )
    data = build_digest_data(storage, day=DAY, settings=SETTINGS, now=NOW, indicator_titles=TITLES)
    assert [a.item.title for a in data.alerts] == ["Army on alert"]
    assert data.alerts[0].item.feed_name == "Balkan Wire"
    assert [d.phrase for d in data.deadlines_announced] == ["by Friday"]
    assert data.deadlines_upcoming and data.deadlines_upcoming[0].due == date(2026, 11, 27)
    series = dict(data.trend["kosovo_serbia"])
    assert series[date(2026, 11, 20)] == 70.0 and series[date(2026, 11, 19)] == 40.0
    page = parse(render_html(data))
    assert page.marked == ["full combat alert"]
    assert "2026-11-27 (in 6 days)" in render_text(data)
    assert storage.digest_delivered(DAY, "file") is False
    assert storage.mark_digest_delivered(DAY, "file", "digests/x.html", NOW) is True
    assert storage.mark_digest_delivered(DAY, "file", "digests/x.html", NOW) is False
    assert storage.digest_delivered(DAY, "file") is True
    storage.close()


def test_settings_map_from_the_config_section() -> None:
    config = DigestConfig(
        time=time(6, 30),
        timezone="Europe/Belgrade",
        to_file=False,
        max_alerts=20,
        email={"host": "mail.example.org", "port": 587, "recipients": ["ops@example.org"]},
    )
    settings = DigestSettings.from_config(config)
    assert settings.time == time(6, 30) and settings.timezone == BELGRADE
    assert settings.folder is None and settings.max_alerts == 20
    assert settings.email is not None and settings.email.recipients == ("ops@example.org",)
    assert settings.email.security == "starttls"


@pytest.mark.parametrize("field", ["max_alerts", "silent_days", "trend_days", "max_trend_topics"])
def test_settings_refuse_nonsense(field: str) -> None:
    with pytest.raises(ValueError, match=f"digest.{field}"):
        DigestSettings(**{field: 0})
