"""monitor.parse: bytes to items, with hostile documents and charset traps."""

from __future__ import annotations

import hashlib
import json
import pickle
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedserver import (
    CP1250_BODY,
    CP1250_TITLE,
    CYRILLIC_BODY,
    CYRILLIC_TITLE,
    LATIN1_BODY,
    LATIN1_TITLE,
    SECRET,
    SECRET_PATH,
    SEED_FEED,
    STANDARD_ROUTES,
    FeedServer,
    Route,
    entity_bomb,
    external_entity,
    rss,
    seed_feed,
)

from monitor.errors import MonitorError, ParseError
from monitor.fetch import Fetcher, FetchPolicy
from monitor.parse import ParsedFeed, content_hash, decode_document, parse_feed, strip_doctype

NOW = datetime(2023, 6, 1, tzinfo=UTC)
POLICY = FetchPolicy(connect_timeout=1.0, read_timeout=1.0, total_timeout=3.0, trust_env=False)


def fetch_and_parse(server: FeedServer, path: str) -> ParsedFeed:
    with Fetcher(POLICY) as fetcher:
        result = fetcher.fetch(server.url(path), now=NOW)
    assert result.content is not None
    return parse_feed(result.content, url=result.final_url, headers=result.headers)


def everything(feed: ParsedFeed) -> str:
    """All text a parsed feed exposes, to search for what must not be there."""
    parts = [feed.title or "", feed.link or ""]
    for item in feed.items:
        parts += [item.title, item.body, item.guid or "", item.link or "", item.author or ""]
    return "\n".join(parts)


# -- the seed feed ------------------------------------------------------------------------


def test_seed_feed_items_match_the_labels() -> None:
    labels = json.loads((SEED_FEED.parent / "labels.json").read_text(encoding="utf-8"))
    feed = parse_feed(seed_feed(), url="https://seeds.example/feed.xml")
    assert feed.title == "escalation-monitor seed articles"
    assert feed.link == "https://seeds.escalation-monitor.invalid/"
    assert feed.encoding == "utf-8"
    assert feed.duplicate_guids == 0
    assert [item.title for item in feed.items] == [a["title"] for a in labels["articles"]]
    for item, article in zip(feed.items, labels["articles"], strict=True):
        stem = Path(article["file"]).stem
        assert item.guid == f"seed-{stem}"
        assert item.link == f"https://seeds.escalation-monitor.invalid/{stem}"
        published = datetime.fromisoformat(article["published"])
        assert item.published == datetime(
            published.year, published.month, published.day, 8, tzinfo=UTC
        )
        assert item.published is not None and item.published.utcoffset() == timedelta(0)
        assert len(item.content_hash) == 64
        assert item.content_hash == content_hash(item.title, item.body)


def test_full_content_is_preferred_and_paragraphs_survive() -> None:
    feed = parse_feed(seed_feed(), url="https://seeds.example/feed.xml")
    first = feed.items[0]
    seed_text = (SEED_FEED.parent / "000_2b040feab16b9b50.txt").read_text(encoding="utf-8")
    paragraphs = [" ".join(line.split()) for line in seed_text.splitlines() if line.strip()]
    # The description only repeats the title; content:encoded has the article.
    assert first.body.split("\n\n") == paragraphs
    assert "<p>" not in first.body and "&" not in first.body.replace("& ", "")


def test_atom_entries_titles_dates_links_and_authors() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Wire &lt;b&gt;service&lt;/b&gt;</title>
  <link href="/news" rel="alternate"/>
  <entry>
    <id>urn:uuid:1</id>
    <title type="html">Troops &lt;em&gt;on alert&lt;/em&gt;</title>
    <link href="/story/1" rel="alternate"/>
    <updated>2023-05-29T10:00:00+02:00</updated>
    <author><name>Jo Doe</name></author>
    <summary>Short teaser.</summary>
    <content type="html">&lt;p&gt;Full story.&lt;/p&gt;&lt;p&gt;Second para.&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>urn:uuid:2</id>
    <title>Plain x &lt; y</title>
    <link href="javascript:alert(1)"/>
    <published>2023-05-28T00:00:00Z</published>
    <updated>2023-05-29T00:00:00Z</updated>
    <content type="text">Literal &lt;p&gt; stays.</content>
  </entry>
  <entry>
    <title>No dates</title>
    <summary type="html">&lt;b&gt;Only&lt;/b&gt; a summary</summary>
  </entry>
</feed>"""
    feed = parse_feed(atom, url="https://wire.example/atom.xml")
    assert feed.title == "Wire service"
    assert feed.link == "https://wire.example/news"
    first, second, third = feed.items
    assert first.title == "Troops on alert"
    assert first.body == "Full story.\n\nSecond para."
    assert first.published == datetime(2023, 5, 29, 8, tzinfo=UTC)  # updated, in UTC
    assert first.link == "https://wire.example/story/1"
    assert first.author == "Jo Doe"
    assert second.title == "Plain x < y"
    assert second.body == "Literal <p> stays."
    assert second.published == datetime(2023, 5, 28, tzinfo=UTC)  # published beats updated
    assert second.link is None  # javascript: never reaches a digest
    assert (third.guid, third.published, third.body) == (None, None, "Only a summary")


def test_rss_titles_with_escaped_markup_and_double_escaped_entities() -> None:
    document = rss(
        [
            ("a", "Police <b>raid</b> in Zvečan", "<p>x</p>"),
            ("b", "Kosovo &amp; Serbia talks", "<p>y</p>"),
            ("c", "Line\n   broken    title", "<p>z</p>"),
        ]
    ).encode()
    titles = [item.title for item in parse_feed(document, url="https://x.example/").items]
    assert titles == ["Police raid in Zvečan", "Kosovo & Serbia talks", "Line broken title"]


def test_guids_do_not_depend_on_where_the_feed_was_fetched() -> None:
    document = rss([("plain-guid", "A", "<p>a</p>")]).encode().replace(b' isPermaLink="false"', b"")
    here = parse_feed(document, url="https://old.example/feed")
    there = parse_feed(document, url="https://new.example/rss/feed.xml")
    assert here.items[0].guid == there.items[0].guid == "plain-guid"


def test_relative_links_resolve_against_content_location_or_the_url() -> None:
    document = b"""<rss version="2.0"><channel><title>t</title><link>/home</link>
<item><title>a</title><link>story/1</link></item></channel></rss>"""
    feed = parse_feed(document, url="https://news.example/feeds/main.xml")
    assert feed.link == "https://news.example/home"
    assert feed.items[0].link == "https://news.example/feeds/story/1"
    moved = parse_feed(
        document,
        url="https://news.example/feeds/main.xml",
        headers={"Content-Location": "https://cdn.example/x/feed.xml"},
    )
    assert moved.items[0].link == "https://cdn.example/x/story/1"


def test_content_hash_ignores_markup_and_spacing_but_not_words() -> None:
    plain = parse_feed(rss([("g", "Title", "<p>Shots  fired.</p>")]).encode(), url="u:1")
    spaced = parse_feed(rss([("g", "Title ", "<div>Shots fired.</div>")]).encode(), url="u:1")
    changed = parse_feed(rss([("g", "Title", "<p>Shots fired!</p>")]).encode(), url="u:1")
    assert plain.items[0].content_hash == spaced.items[0].content_hash
    assert plain.items[0].content_hash != changed.items[0].content_hash
    expected = hashlib.sha256(b"Title\nShots fired.").hexdigest()
    assert plain.items[0].content_hash == expected


# -- through the server: documents that are not feeds -------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/html", "HTML page"),
        ("/json", "JSON"),
        ("/not-a-feed", "no RSS, Atom or RDF feed"),
    ],
)
def test_documents_that_are_not_feeds_raise_parse_error(
    feed_server: FeedServer, path: str, message: str
) -> None:
    with pytest.raises(ParseError, match=message) as caught:
        fetch_and_parse(feed_server, path)
    assert caught.value.url == feed_server.url(path)
    assert feed_server.url(path) in str(caught.value)
    assert isinstance(caught.value, MonitorError)
    # Parsing runs in worker processes: the error must cross a process boundary whole.
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (type(copy), copy.url, str(copy)) == (ParseError, caught.value.url, str(caught.value))


@pytest.mark.parametrize("content", [b"", b"  \n", b"\x00\x01\x02 binary junk \xff\xfe\xfd"])
def test_empty_and_binary_bodies_raise_parse_error(content: bytes) -> None:
    with pytest.raises(ParseError):
        parse_feed(content, url="https://x.example/feed")


def test_a_malformed_feed_with_usable_entries_is_parsed(feed_server: FeedServer) -> None:
    feed = fetch_and_parse(feed_server, "/malformed")
    assert [item.guid for item in feed.items] == ["m-1", "m-2"]
    assert feed.items[0].title == "Shots fired near the border"
    assert feed.items[0].body == "Police said two officers were hurt & one arrested"


def test_the_healthy_and_gzip_routes_parse_the_same(feed_server: FeedServer) -> None:
    plain = fetch_and_parse(feed_server, "/feed")
    zipped = fetch_and_parse(feed_server, "/gzip")
    assert len(plain.items) == 5
    assert plain == zipped


# -- GUIDs --------------------------------------------------------------------------------


def test_duplicate_guids_keep_the_first_item(feed_server: FeedServer) -> None:
    feed = fetch_and_parse(feed_server, "/duplicate-guids")
    assert [item.guid for item in feed.items] == ["dup-1", "other"]
    assert feed.items[0].body == "Newest version of the story."
    assert feed.duplicate_guids == 1


def test_changing_guids_leave_the_content_hash_stable(feed_server: FeedServer) -> None:
    first = fetch_and_parse(feed_server, "/changing-guids")
    second = fetch_and_parse(feed_server, "/changing-guids")
    assert [i.guid for i in first.items] == ["run1-story-a", "run1-story-b"]
    assert [i.guid for i in second.items] == ["run2-story-a", "run2-story-b"]
    assert [i.content_hash for i in first.items] == [i.content_hash for i in second.items]
    assert feed_server.hits("/changing-guids") == 2


# -- hostile XML --------------------------------------------------------------------------


def test_an_entity_bomb_is_never_expanded(feed_server: FeedServer) -> None:
    started = time.perf_counter()
    feed = fetch_and_parse(feed_server, "/entity-bomb")
    assert time.perf_counter() - started < 2.0
    text = everything(feed)
    assert "lollol" not in text
    assert len(text) < 1000
    assert feed.items[0].guid == "bomb-1"


@pytest.mark.parametrize("path", ["/xxe/file", "/xxe/file-one-line"])
def test_external_file_entities_are_never_read(feed_server: FeedServer, path: str) -> None:
    feed = fetch_and_parse(feed_server, path)
    assert SECRET not in everything(feed)
    assert feed.items[0].guid == "xxe-1"
    assert feed.items[0].title.startswith("Title")


def test_external_http_entities_are_never_fetched(feed_server: FeedServer) -> None:
    feed = fetch_and_parse(feed_server, "/xxe/http")
    assert "SERVER-SIDE-SECRET" not in everything(feed)
    assert feed_server.hits(SECRET_PATH) == 0


def test_parameter_entities_are_never_read(secret_file: Path) -> None:
    uri = secret_file.as_uri()
    document = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY % p SYSTEM "{uri}">\n%p;\n]>\n'
        '<rss version="2.0"><channel><title>t</title><item><title>x</title></item></channel></rss>'
    ).encode()
    feed = parse_feed(document, url="https://x.example/")
    assert SECRET not in everything(feed)
    assert [item.title for item in feed.items] == ["x"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('<?xml version="1.0"?>\n<!DOCTYPE rss>\n<rss/>', '<?xml version="1.0"?>\n<rss/>'),
        (
            "<!-- c --><!DOCTYPE x [<!ENTITY a \"b>c\"> <!-- ]> --> <!ENTITY d 'e]'>]><rss/>",
            "<!-- c --><rss/>",
        ),
        ("<!doctype rss SYSTEM 'http://x/y.dtd'><rss/>", "<rss/>"),
        ('<?xml version="1.0"?><!DOCTYPE x [ <!ENTITY a "unterminated', '<?xml version="1.0"?>'),
        ("<rss><![CDATA[<!DOCTYPE html>]]></rss>", "<rss><![CDATA[<!DOCTYPE html>]]></rss>"),
    ],
)
def test_strip_doctype(source: str, expected: str) -> None:
    assert strip_doctype(source) == expected


def test_the_doctype_helper_handles_the_server_payloads() -> None:
    for document in (entity_bomb(), external_entity("file:///etc/passwd", one_line=True)):
        stripped = strip_doctype(document.decode())
        assert "<!ENTITY" not in stripped and "<!DOCTYPE" not in stripped
        assert stripped.rstrip().endswith("</rss>")


# -- charsets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "title", "body", "encoding"),
    [
        ("/charset/latin1", LATIN1_TITLE, LATIN1_BODY, "cp1252"),
        ("/charset/latin1-as-utf8", LATIN1_TITLE, LATIN1_BODY, "cp1252"),
        ("/charset/utf8-bom", CYRILLIC_TITLE, CYRILLIC_BODY, "utf-8"),
        ("/charset/utf8-cyrillic", CYRILLIC_TITLE, CYRILLIC_BODY, "utf-8"),
        ("/charset/cp1251", CYRILLIC_TITLE, CYRILLIC_BODY, "cp1251"),
        ("/charset/cp1251-undeclared", CYRILLIC_TITLE, CYRILLIC_BODY, "cp1251"),
        ("/charset/cp1251-as-latin1", CYRILLIC_TITLE, CYRILLIC_BODY, "cp1251"),
        ("/charset/cp1250", CP1250_TITLE, CP1250_BODY, "cp1250"),
    ],
)
def test_charsets_give_the_right_text(
    feed_server: FeedServer, path: str, title: str, body: str, encoding: str
) -> None:
    feed = fetch_and_parse(feed_server, path)
    (item,) = feed.items
    assert (item.title, item.body) == (title, body)
    assert feed.encoding == encoding


def test_charset_routes_really_are_traps() -> None:
    """The labels lie or are missing where the routes say so."""
    mislabelled = STANDARD_ROUTES["/charset/latin1-as-utf8"]
    assert isinstance(mislabelled, Route)
    assert b"charset=utf-8" in mislabelled.headers["Content-Type"].encode()
    with pytest.raises(UnicodeDecodeError):
        mislabelled.body.decode("utf-8")
    undeclared = STANDARD_ROUTES["/charset/cp1251-undeclared"]
    assert isinstance(undeclared, Route)
    assert b"encoding=" not in undeclared.body and "charset" not in str(undeclared.headers)


@pytest.mark.parametrize(
    ("title", "body", "codec"),
    [
        (CYRILLIC_TITLE, CYRILLIC_BODY, "cp1251"),
        (CP1250_TITLE, CP1250_BODY, "cp1250"),
        (LATIN1_TITLE, LATIN1_BODY, "cp1252"),
    ],
)
@pytest.mark.parametrize("where", ["header", "declaration"])
def test_a_lone_latin1_label_is_weighed_against_the_bytes(
    title: str, body: str, codec: str, where: str
) -> None:
    # ISO-8859-1 is what servers say by default: a lone such label on windows-1251 or
    # windows-1250 bytes must not turn Serbian into "Áàðèêàäå".
    declared = "iso-8859-1" if where == "declaration" else None
    # (A feed's worth of text: two sentences of Serbian Latin in windows-1250 are too few
    # letters outside ASCII to tell it from Latin-1.)
    items = [(str(n), title, body) for n in range(3)]
    document = rss(items, encoding=declared).encode(codec)
    content_type = "application/rss+xml; charset=ISO-8859-1" if where == "header" else None
    text, encoding = decode_document(document, content_type)
    assert encoding == codec and title in text


def test_utf8_with_a_stray_byte_stays_utf8() -> None:
    document = (
        rss([("s", CYRILLIC_TITLE, CYRILLIC_BODY + " \x00")]).encode().replace(b"\x00", b"\xff")
    )
    text, encoding = decode_document(document, "application/rss+xml; charset=windows-1251")
    assert encoding == "utf-8"
    assert CYRILLIC_TITLE in text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_documents_are_recognised(codec: str) -> None:
    document = rss([("u", CYRILLIC_TITLE, CYRILLIC_BODY)], encoding="utf-16").encode(codec)
    for content in (document, ("\ufeff".encode(codec)) + document):
        (item,) = parse_feed(content, url="https://x.example/").items
        assert item.title == CYRILLIC_TITLE


@pytest.mark.parametrize(
    "reference",
    [
        "&#xD800;",
        "&#56320;",
        "&#0;",
        "&#x110000;",
        "&#99999999999999999999;",
        "&#" + "9" * 5000 + ";",
    ],
)
def test_references_to_characters_text_cannot_hold_become_replacement_characters(
    reference: str,
) -> None:
    # A lone surrogate, NUL, beyond U+10FFFF: feedparser's fallback parser failed on them.
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>A {reference} B</title><description>x {reference} y</description>"
        "<guid>g1</guid></item></channel></rss>"
    ).encode()
    (item,) = parse_feed(body, url="https://example.org/feed", headers={}).items
    assert item.title == "A \ufffd B" and "x \ufffd y" in item.body
