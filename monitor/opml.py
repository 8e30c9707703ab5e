"""Feed lists in OPML, the format feed readers exchange.

Reading refuses documents with a DOCTYPE: OPML needs none, and refusing it
rules out entity expansion and external entities from a file someone sent.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import quoteattr

from monitor.errors import ConfigError
from monitor.models import Feed, FeedSpec

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def read_opml(data: bytes, *, source: str) -> list[FeedSpec]:
    """The feeds (``outline`` elements with an ``xmlUrl``) of an OPML document, nested or not."""
    if _DOCTYPE.search(data):
        raise ConfigError("OPML with a DOCTYPE or entities is refused", file=source)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ConfigError(f"not valid OPML: {exc}", file=source) from exc
    if root.tag != "opml":
        raise ConfigError(f"not OPML: the root element is <{root.tag}>", file=source)
    specs: list[FeedSpec] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url or url in seen:
            continue
        seen.add(url)
        name = outline.get("title") or outline.get("text") or None
        lang = outline.get("language") or None
        specs.append(FeedSpec(url=url, name=name, lang=lang[:2].lower() if lang else None))
    return specs


def write_opml(feeds: Iterable[Feed], *, now: datetime) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        "    <title>escalation-monitor feeds</title>",
        f"    <dateCreated>{format_datetime(now)}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    for feed in feeds:
        title = feed.name or feed.url
        attributes = (
            f'type="rss" text={quoteattr(title)} title={quoteattr(title)} '
            f"xmlUrl={quoteattr(feed.url)}"
        )
        if feed.lang:
            attributes += f" language={quoteattr(feed.lang)}"
        lines.append(f"    <outline {attributes}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
