"""Alerts, feeds and an in-memory digest source for the digest tests.

Alerts are built the way storage returns them: the item text is the title, a
blank line and the body; evidence ``start``/``end`` and ``match_spans`` are
offsets in that text.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from indicators.types import compose_text
from monitor.digest import DigestData, DigestSettings, build_digest_data
from monitor.models import (
    Alert,
    AlertQuery,
    DeadlineView,
    EvidenceView,
    Feed,
    FeedStatus,
    IndicatorView,
    ItemView,
)

BELGRADE = ZoneInfo("Europe/Belgrade")
DAY = date(2026, 11, 21)
# The digest for DAY at 07:00 Belgrade (CET, UTC+1) covers 06:00 UTC on the 20th to
# 06:00 on the 21st.
NOW = datetime(2026, 11, 21, 6, 5, tzinfo=UTC)
HOSTILE_TITLE = (
    "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
    " Police \x1b]0;owned\x07raid\r\nBcc: victim@example.org"
)


def evidence(
    text: str, sentence: str, words: list[str], *, status: str = "event", reasons=()
) -> EvidenceView:
    start = text.index(sentence)
    spans = []
    for word in words:
        at = text.index(word, start)
        spans.append((at, at + len(word)))
    return EvidenceView(
        sentence=sentence,
        start=start,
        end=start + len(sentence),
        match=" … ".join(words),
        rule_version="0123456789ab",
        match_spans=tuple(spans),
        reasons=tuple(reasons),
        status=status,
    )


def make_alert(
    alert_id: int,
    *,
    title: str,
    body: str,
    score: int,
    level: str,
    created_at: datetime,
    indicators: list[tuple[str, str, float, list[tuple[str, list[str]]]]],
    topics: tuple[str, ...] = ("kosovo_serbia",),
    link: str | None = None,
    feed_name: str | None = "Balkan Wire",
    feed_url: str = "https://news.example.org/feed.xml",
    published: datetime | None = None,
    deadlines: tuple[DeadlineView, ...] = (),
) -> Alert:
    """``indicators``: (id, status, points, [(sentence, [matched words]), ...])."""
    text = compose_text(title, body)
    views = tuple(
        IndicatorView(
            id=indicator_id,
            status=status,
            score=points,
            evidence=tuple(evidence(text, s, words, status=status) for s, words in sentences),
        )
        for indicator_id, status, points, sentences in indicators
    )
    terms = ", ".join(f"{i[0]} {i[2]:+.1f}" for i in indicators)
    return Alert(
        id=alert_id,
        score=score,
        level=level,
        created_at=created_at,
        topics=topics,
        item=ItemView(
            title=title,
            link=link if link is not None else f"https://news.example.org/a/{alert_id}",
            guid=f"guid-{alert_id}",
            published=published or created_at - timedelta(minutes=30),
            fetched_at=created_at,
            feed_url=feed_url,
            feed_name=feed_name,
        ),
        indicators=views,
        deadlines=deadlines,
        explanation=f"{score} ({level}): {terms}",
    )


def seed_alerts() -> list[Alert]:
    base = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    troops = make_alert(
        1,
        title="Serbia puts army on full combat alert",
        body="Serbia put its troops on full combat alert on Tuesday. "
        "Armoured columns moved toward the boundary line.",
        score=82,
        level="critical",
        created_at=base,
        indicators=[
            (
                "troop_alert",
                "event",
                31.5,
                [
                    (
                        "Serbia put its troops on full combat alert on Tuesday.",
                        ["full combat alert"],
                    ),
                    (
                        "Armoured columns moved toward the boundary line.",
                        ["Armoured columns", "boundary"],
                    ),
                ],
            )
        ],
    )
    barricades = make_alert(
        2,
        title="Barricades go up near Jarinje",
        body="Local Serbs erected barricades on the road to Jarinje. "
        "Kosovo set a deadline of Friday for the roads to be cleared.",
        score=55,
        level="warning",
        created_at=base + timedelta(hours=3),
        indicators=[
            (
                "barricade",
                "event",
                20.0,
                [("Local Serbs erected barricades on the road to Jarinje.", ["barricades"])],
            ),
            (
                "deadline",
                "event",
                12.0,
                [("Kosovo set a deadline of Friday for the roads to be cleared.", ["deadline"])],
            ),
        ],
        deadlines=(DeadlineView(phrase="a deadline of Friday", due=date(2026, 11, 27)),),
    )
    talks = make_alert(
        3,
        title="Brussels talks end without agreement",
        body="Talks in Brussels collapsed on Monday. In 1999 troops massed on the border.",
        score=30,
        level="watch",
        created_at=base - timedelta(hours=2),
        topics=("eu_dialogue", "kosovo_serbia"),
        feed_name=None,
        indicators=[
            (
                "talks_breakdown",
                "event",
                12.0,
                [("Talks in Brussels collapsed on Monday.", ["collapsed"])],
            ),
            (
                "troop_alert",
                "background",
                1.0,
                [("In 1999 troops massed on the border.", ["troops massed"])],
            ),
        ],
    )
    return [talks, troops, barricades]


def hostile_alert() -> Alert:
    body = "Officers left \x1b[31mquickly\x1b[0m. Police raided the <b>office</b> & left."
    return make_alert(
        9,
        title=HOSTILE_TITLE,
        body=body,
        score=40,
        level="warning",
        created_at=datetime(2026, 11, 20, 20, 0, tzinfo=UTC),
        link="javascript:document.title='pwned'",
        feed_name="Evil \x1b[2J<i>Feed</i>\r\nX-Injected: yes",
        indicators=[
            (
                "police_operation",
                "event",
                15.0,
                [("Police raided the <b>office</b> & left.", ["raided"])],
            )
        ],
    )


def sample_feeds() -> list[Feed]:
    common = {"interval": 1800, "weight": 1.0, "lang": None, "enabled": True}
    now = NOW
    return [
        Feed(1, "https://news.example.org/feed.xml", "Balkan Wire", status=FeedStatus.OK,
             last_item_at=now - timedelta(hours=2), **common),
        Feed(2, "https://down.example.org/rss", "Down Daily", status=FeedStatus.FAILING,
             last_error="connection refused", **common),
        Feed(3, "https://slow.example.org/rss", "Slow Times", status=FeedStatus.BACKOFF,
             backoff_until=now + timedelta(hours=6), error_count=4, last_error="HTTP 503",
             **common),
        Feed(4, "https://gone.example.org/rss", "Gone Gazette", status=FeedStatus.GONE,
             last_error="HTTP 410 Gone", **common),
        Feed(5, "https://quiet.example.org/rss", "Quiet Courier", status=FeedStatus.OK,
             last_item_at=now - timedelta(days=9), **common),
        Feed(6, "https://off.example.org/rss", "Switched Off", status=FeedStatus.FAILING,
             **{**common, "enabled": False}),
    ]  # fmt: skip


@dataclass
class MemorySource:
    """The storage methods a digest needs, over lists; records every call."""

    alerts: list[Alert] = field(default_factory=list)
    feeds: list[Feed] = field(default_factory=list)
    upcoming: list[DeadlineView] = field(default_factory=list)
    index: dict[str | None, dict[date, float]] = field(default_factory=dict)
    delivered: dict[tuple[date, str], str] = field(default_factory=dict)
    queries: list[AlertQuery] = field(default_factory=list)
    index_calls: list[tuple[str | None, date, date]] = field(default_factory=list)

    def query_alerts(self, query: AlertQuery) -> list[Alert]:
        self.queries.append(query)
        return [
            a
            for a in self.alerts
            if (query.since is None or a.created_at >= query.since)
            and (query.until is None or a.created_at < query.until)
            and (query.min_score is None or a.score >= query.min_score)
        ]

    def list_deadlines(self, *, upcoming: bool, now: datetime) -> list[DeadlineView]:
        return list(self.upcoming)

    def daily_index(self, *, topic: str | None, start: date, end: date) -> list[tuple[date, float]]:
        self.index_calls.append((topic, start, end))
        values = self.index.get(topic, {})
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        return [(d, values.get(d, 0.0)) for d in days]

    def list_feeds(self) -> list[Feed]:
        return list(self.feeds)

    def digest_delivered(self, day: date, channel: str) -> bool:
        return (day, channel) in self.delivered

    def mark_digest_delivered(self, day: date, channel: str, location: str, when: datetime) -> bool:
        if (day, channel) in self.delivered:
            return False
        self.delivered[(day, channel)] = location
        return True


def sample_source(*, hostile: bool = False) -> MemorySource:
    alerts = seed_alerts() + ([hostile_alert()] if hostile else [])
    index = {
        "kosovo_serbia": {
            DAY - timedelta(days=n): float(max(0, 120 - 8 * n)) for n in range(0, 30, 2)
        },
        "eu_dialogue": {DAY - timedelta(days=3): 30.0, DAY - timedelta(days=1): 45.0},
    }
    upcoming = [
        DeadlineView(phrase="by 1 December", due=date(2026, 12, 1), alert_id=7,
                     item_title="Ultimatum on plates"),
        DeadlineView(phrase="within 48 hours", due=datetime(2026, 11, 22, 22, 0, tzinfo=UTC),
                     alert_id=8, item_title="Kosovo gives 48 hours"),
    ]  # fmt: skip
    return MemorySource(alerts=alerts, feeds=sample_feeds(), upcoming=upcoming, index=index)


SETTINGS = DigestSettings(time=time(7, 0), timezone=BELGRADE, folder=None)
TITLES = {"troop_alert": "Troops on alert or moving", "barricade": "Barricades and roadblocks"}


def sample_data(*, hostile: bool = False, settings: DigestSettings = SETTINGS) -> DigestData:
    return build_digest_data(
        sample_source(hostile=hostile), day=DAY, settings=settings, now=NOW, indicator_titles=TITLES
    )


def decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """Width, height and rows of pixels of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 3
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and color in (2, 6), (depth, color, interlace)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if filter_type == 1:
                line[i] = (line[i] + a) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + b) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif filter_type == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    pixels = [[tuple(row[x * channels : x * channels + 3]) for x in range(width)] for row in rows]
    return width, height, pixels
