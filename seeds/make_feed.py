"""Build ``seeds/feed.xml`` (RSS 2.0, full text in ``content:encoded``) from the seed
articles and ``labels.json``. Run it after changing a seed: ``python seeds/make_feed.py``.
A test checks that the committed feed is what this script makes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from email.utils import format_datetime
from html import escape
from pathlib import Path

SEEDS = Path(__file__).resolve().parent
LINK_BASE = "https://seeds.escalation-monitor.invalid/"


def article_html(text: str) -> str:
    """One paragraph per non-blank line, so sentence boundaries survive the HTML."""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(f"<p>{escape(line, quote=False)}</p>" for line in lines if line)


def build_feed(seeds: Path = SEEDS) -> str:
    labels = json.loads((seeds / "labels.json").read_text(encoding="utf-8"))
    items = []
    for article in labels["articles"]:
        stem = Path(article["file"]).stem
        text = (seeds / article["file"]).read_text(encoding="utf-8")
        published = datetime.combine(
            datetime.fromisoformat(article["published"]).date(), time(8, 0), UTC
        )
        items.append(
            "    <item>\n"
            f"      <title>{escape(article['title'], quote=False)}</title>\n"
            f"      <link>{LINK_BASE}{stem}</link>\n"
            f'      <guid isPermaLink="false">seed-{stem}</guid>\n'
            f"      <pubDate>{format_datetime(published)}</pubDate>\n"
            f'      <source url="{LINK_BASE}">{escape(article["source"], quote=False)}</source>\n'
            f"      <description>{escape(article['title'], quote=False)}</description>\n"
            f"      <content:encoded><![CDATA[{article_html(text)}]]></content:encoded>\n"
            "    </item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        "  <channel>\n"
        "    <title>escalation-monitor seed articles</title>\n"
        f"    <link>{LINK_BASE}</link>\n"
        "    <description>Five news articles on the 2019-2023 Kosovo-Serbia tensions, "
        "the fixtures of escalation-monitor.</description>\n"
        "    <language>en</language>\n" + "\n".join(items) + "\n  </channel>\n</rss>\n"
    )


if __name__ == "__main__":
    (SEEDS / "feed.xml").write_text(build_feed(), encoding="utf-8")
