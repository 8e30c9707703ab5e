"""A synthetic news corpus for the benchmarks, the same for the same seed.

The corpus mixes the five seed articles (repeated, in shuffled order) with
synthetic items that recombine the seeds' paragraphs and sentences with
neutral filler (sports, economy, weather, culture) under varied titles, so
that most items, as in a real feed, report nothing alarming. The items can be
rendered as RSS 2.0 so a feed parser reads exactly what the engine matches.

    from bench.corpus import build_corpus, render_rss
    items = build_corpus(2000, seed=7)
    xml = render_rss(items[:25])
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from indicators.types import Document

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
LINK_BASE = "https://bench.escalation-monitor.invalid/item/"
EPOCH = datetime(2023, 1, 2, 6, 0, tzinfo=UTC)

# One item in this many is a seed article as published.
SEED_EVERY = 10
# Chance that a paragraph of a synthetic item is a seed paragraph, and that a
# filler paragraph carries one seed sentence.
SEED_PARAGRAPH_SHARE = 0.3
SEED_SENTENCE_SHARE = 0.15


@dataclass(frozen=True, slots=True)
class CorpusItem:
    """One news item: plain-text body with paragraphs separated by blank lines."""

    guid: str
    title: str
    body: str
    published: datetime
    source: str
    link: str

    @property
    def html(self) -> str:
        """The body as feeds carry it: one ``<p>`` per paragraph."""
        return "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs(self.body))

    @property
    def summary(self) -> str:
        first = paragraphs(self.body)[:1]
        return first[0][:300] if first else self.title

    def document(self, *, lang: str | None = None, source_weight: float = 1.0) -> Document:
        return Document(
            title=self.title,
            body=self.body,
            published=self.published,
            lang=lang,
            source_weight=source_weight,
        )


@dataclass(frozen=True, slots=True)
class SeedArticle:
    stem: str
    title: str
    source: str
    published: datetime
    body: str


def paragraphs(text: str) -> list[str]:
    """The non-empty paragraphs of ``text`` (blank-line separated), trimmed."""
    blocks = (" ".join(line.strip() for line in block.splitlines()) for block in text.split("\n\n"))
    return [block.strip() for block in blocks if block.strip()]


def load_seeds(seeds: Path = SEEDS) -> list[SeedArticle]:
    labels = json.loads((seeds / "labels.json").read_text(encoding="utf-8"))
    return [
        SeedArticle(
            stem=Path(article["file"]).stem,
            title=article["title"],
            source=article["source"],
            published=datetime.fromisoformat(article["published"]).replace(hour=8, tzinfo=UTC),
            body=(seeds / article["file"]).read_text(encoding="utf-8"),
        )
        for article in labels["articles"]
    ]


# --- neutral filler ------------------------------------------------------------------------

_TEAMS = [
    "Red Star",
    "Partizan",
    "Vojvodina",
    "Dinamo",
    "Hajduk",
    "Olimpija",
    "Prishtina",
    "Ballkani",
]
_CITIES = ["Novi Sad", "Ljubljana", "Skopje", "Tirana", "Zagreb", "Sarajevo", "Podgorica", "Graz"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_COMPANIES = ["a regional dairy", "the state power utility", "a software start-up", "the airport"]
_GOODS = ["wheat", "electricity", "diesel", "coffee", "steel", "timber", "sunflower oil"]
_FESTIVALS = ["the film festival", "the jazz week", "the book fair", "the summer theatre season"]

_SPORTS = [
    "{team} beat {team2} {a}-{b} in {city} on {day}.",
    "The home side scored twice in the last ten minutes to rescue a draw.",
    "{team}'s young striker hit the post with a fine shot from the edge of the box.",
    "The coach said the squad would rest several players before the cup match.",
    "A crowd of {n},000 watched the derby in steady rain.",
    "{team} moved up to third place in the league table.",
    "The goalkeeper made a string of saves to keep the visitors in the game.",
    "Tickets for the return leg in {city} sold out within an hour.",
    "The club confirmed that its captain will miss {n} weeks with a knee injury.",
    "In basketball, the national team lost narrowly to Greece after overtime.",
]
_ECONOMY = [
    "The central bank left its key interest rate at {a}.{b} percent on {day}.",
    "Inflation eased to {n}.{b} percent in the year to March, the statistics office said.",
    "Prices of {good} rose for a third month as demand picked up.",
    "{company} reported a {n} percent rise in quarterly revenue.",
    "Exports of {good} to the European Union grew faster than expected.",
    "The government plans to cut the tax on {good} from the start of next year.",
    "Analysts expect growth of about {a} percent this year, driven by tourism.",
    "Shares in {company} closed {a} percent higher in {city}.",
    "The finance ministry sold {n} million euros of five-year bonds at auction.",
    "Retail sales were flat in the second quarter after a strong start to the year.",
]
_WEATHER = [
    "Forecasters expect temperatures of up to {n} degrees in {city} on {day}.",
    "Light snow is likely in the mountains, with clear skies in the valleys.",
    "A cold front will bring rain and strong winds to the coast overnight.",
    "The heatwave is expected to ease by the weekend.",
    "Drivers were advised to take care on icy roads in the north.",
    "River levels fell after three dry days, the hydrological service said.",
    "Fog delayed several morning flights at the airport in {city}.",
    "The week ahead looks mild and mostly sunny, with showers on {day}.",
]
_CULTURE = [
    "{festival} in {city} opens on {day} with a programme of {n} new works.",
    "The national museum has reopened its medieval gallery after two years of restoration.",
    "A restored silent film will be shown with a live orchestra in {city}.",
    "The novelist read from her new book to a full hall on {day}.",
    "Organisers said {festival} drew a record number of visitors.",
    "The city library extended its opening hours for the exam season.",
]
_HEADLINES = [
    "{team} climb to third after win over {team2}",
    "Inflation eases again as {good} prices steady",
    "Weekend weather: sunshine returns to {city}",
    "{festival} opens in {city}",
    "Central bank holds rates for a {ordinal} month",
    "{company} posts higher quarterly revenue",
    "Snow and ice expected across the north",
    "Record crowd for the derby in {city}",
]
_ORDINALS = ["second", "third", "fourth", "fifth", "sixth"]
_TOPICS = [_SPORTS, _ECONOMY, _WEATHER, _CULTURE]


def _fill(template: str, rng: random.Random) -> str:
    team, team2 = rng.sample(_TEAMS, 2)
    return template.format(
        team=team,
        team2=team2,
        city=rng.choice(_CITIES),
        day=rng.choice(_DAYS),
        company=rng.choice(_COMPANIES),
        good=rng.choice(_GOODS),
        festival=rng.choice(_FESTIVALS),
        ordinal=rng.choice(_ORDINALS),
        a=rng.randint(0, 5),
        b=rng.randint(0, 9),
        n=rng.randint(2, 40),
    )


def filler_paragraph(rng: random.Random) -> str:
    topic = rng.choice(_TOPICS)
    count = rng.randint(2, min(5, len(topic)))
    return " ".join(_upper_first(_fill(t, rng)) for t in rng.sample(topic, count))


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def filler_title(rng: random.Random) -> str:
    return _upper_first(_fill(rng.choice(_HEADLINES), rng))


# --- the corpus ----------------------------------------------------------------------------


class _SeedPool:
    """The seeds cut into paragraphs and sentence-like pieces."""

    def __init__(self, seeds: Sequence[SeedArticle]) -> None:
        self.titles = [s.title for s in seeds]
        self.paragraphs = [p for s in seeds for p in paragraphs(s.body) if len(p.split()) >= 6]
        # A cheap cut on ". " is enough: these are recombined, not analysed here.
        self.sentences = [
            piece if piece.endswith((".", "?", "!", "”", '"')) else piece + "."
            for p in self.paragraphs
            for piece in p.split(". ")
            if len(piece.split()) >= 5
        ]


def _synthetic_item(index: int, rng: random.Random, pool: _SeedPool) -> tuple[str, str]:
    blocks: list[str] = []
    for _ in range(rng.choice([1, 2, 2, 3, 4, 5, 6, 8])):
        if rng.random() < SEED_PARAGRAPH_SHARE:
            blocks.append(rng.choice(pool.paragraphs))
            continue
        block = filler_paragraph(rng)
        if rng.random() < SEED_SENTENCE_SHARE:
            block = f"{block} {rng.choice(pool.sentences)}"
        blocks.append(block)
    roll = rng.random()
    if roll < 0.2:
        title = rng.choice(pool.titles)
    elif roll < 0.35:
        title = rng.choice(pool.sentences).rstrip('.”"')[:110]
    else:
        title = filler_title(rng)
    return title, "\n\n".join(blocks)


def build_corpus(count: int, *, seed: int = 0, seeds: Path = SEEDS) -> list[CorpusItem]:
    """``count`` items: every tenth a seed article, the rest synthetic; same seed, same items."""
    rng = random.Random(seed)
    articles = load_seeds(seeds)
    pool = _SeedPool(articles)
    seed_order: list[SeedArticle] = []
    items: list[CorpusItem] = []
    for index in range(count):
        published = EPOCH + timedelta(minutes=7 * index + rng.randint(0, 6))
        if index % SEED_EVERY == 0:
            if not seed_order:
                seed_order = rng.sample(articles, len(articles))
            article = seed_order.pop()
            title, body, source = article.title, article.body.strip(), article.source
            published = article.published
        else:
            title, body = _synthetic_item(index, rng, pool)
            source = rng.choice(["Balkan Wire", "Daily Ledger", "Morning Post", "Radio North"])
        items.append(
            CorpusItem(
                guid=f"bench-{seed}-{index}",
                title=title,
                body=body,
                published=published,
                source=source,
                link=f"{LINK_BASE}{seed}/{index}",
            )
        )
    return items


# --- RSS ------------------------------------------------------------------------------------


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_rss(
    items: Sequence[CorpusItem], *, title: str = "escalation-monitor bench", full_text: bool = True
) -> bytes:
    """An RSS 2.0 feed (UTF-8 bytes) of ``items``: a summary in ``description`` and,
    with ``full_text``, the whole article in ``content:encoded`` (feeds do either)."""
    entries = [
        "    <item>\n"
        f"      <title>{escape(item.title, quote=False)}</title>\n"
        f"      <link>{escape(item.link)}</link>\n"
        f'      <guid isPermaLink="false">{escape(item.guid, quote=False)}</guid>\n'
        f"      <pubDate>{format_datetime(item.published)}</pubDate>\n"
        f'      <source url="{LINK_BASE}">{escape(item.source, quote=False)}</source>\n'
        f"      <description>{escape(item.summary, quote=False)}</description>\n"
        + (f"      <content:encoded>{_cdata(item.html)}</content:encoded>\n" if full_text else "")
        + "    </item>"
        for item in items
    ]
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        "  <channel>\n"
        f"    <title>{escape(title, quote=False)}</title>\n"
        f"    <link>{LINK_BASE}</link>\n"
        "    <description>Synthetic news items for benchmarks.</description>\n"
        "    <language>en</language>\n" + "\n".join(entries) + "\n  </channel>\n</rss>\n"
    )
    return xml.encode("utf-8")


def render_feeds(items: Sequence[CorpusItem], *, feed_size: int = 25) -> list[bytes]:
    """The items as consecutive feeds of ``feed_size`` items, the size of a typical news feed."""
    return [render_rss(items[i : i + feed_size]) for i in range(0, len(items), feed_size)]
