"""Feed bytes to items: pure, no network, no clock.

:func:`parse_feed` takes the body and response headers that :mod:`monitor.fetch`
returned and gives a :class:`ParsedFeed` whose items carry plain text ready for
matching. Three things happen before feedparser sees the bytes:

1. **Decoding.** Feeds arrive with wrong, missing and conflicting charsets, so the
   bytes are decoded here (:func:`decode_document`) and handed on as UTF-8.
   A byte-order mark wins; then bytes that are valid UTF-8 are UTF-8 whatever the
   labels say (single-byte text is practically never valid UTF-8 by accident);
   then the declared charsets (HTTP header, XML declaration), with
   charset-normalizer arbitrating when they disagree or when nothing usable is
   declared.
2. **No DTDs.** Feed content is untrusted. feedparser 6.0.x strips ``<!ENTITY``
   declarations only when they start a line and re-inserts "safe" ones; a DOCTYPE
   written on one line reaches the SAX parser intact, and feedparser prefers the
   libxml2 SAX driver when it is installed, where disabling external entities may
   silently fail. So the whole DOCTYPE, internal subset included, is removed from
   the prolog here: entity bombs are never expanded and external entities
   (``SYSTEM "file:///etc/passwd"``) never read. References to the removed entities
   stay unexpanded (feedparser falls back to its tolerant parser).
3. **Not a feed.** JSON, HTML pages and XML without any feed raise
   :class:`~monitor.errors.ParseError`. A feed that is not well-formed but still
   yields entries is fine.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from charset_normalizer import from_bytes

from monitor.errors import ParseError
from monitor.htmltext import html_to_text, plain_to_text

__all__ = ["ParsedFeed", "ParsedItem", "content_hash", "decode_document", "parse_feed"]


@dataclass(frozen=True, slots=True)
class ParsedItem:
    guid: str | None
    link: str | None  # absolute http(s) URL or None
    title: str  # plain text, one line
    published: datetime | None  # aware UTC; the updated date when no published date
    body: str  # plain text, paragraphs separated by "\n\n"
    content_hash: str  # sha256 hex of the normalised title and body
    author: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    link: str | None
    items: list[ParsedItem] = field(default_factory=list)
    # Items dropped because an earlier item in the same document had the same GUID.
    duplicate_guids: int = 0
    encoding: str = "utf-8"  # the charset the bytes were read as


def parse_feed(content: bytes, *, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse RSS/Atom/RDF bytes fetched from ``url``; raise ParseError if they are no feed."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if not content.strip():
        raise ParseError("empty document, not a feed", url=url)
    text, encoding = decode_document(content, headers.get("content-type"))
    head = text.lstrip()[:1]
    if head in ("{", "["):
        raise ParseError("JSON document, not a feed", url=url)
    text = _valid_character_references(strip_doctype(text))
    try:
        parsed = feedparser.parse(
            _as_utf8_xml(text),
            response_headers=_feedparser_headers(headers),
            # Links inside bodies are dropped with the markup and html_to_text removes
            # scripts itself: both passes would only cost time.
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except (ValueError, LookupError, OverflowError) as exc:  # UnicodeError is a ValueError
        raise ParseError(f"the feed parser failed: {type(exc).__name__}: {exc}", url=url) from exc
    if not parsed.get("version") and not parsed.entries:
        if _looks_like_html(text):
            raise ParseError("HTML page, not a feed", url=url)
        raise ParseError("no RSS, Atom or RDF feed found", url=url)
    location = headers.get("content-location")
    base = urljoin(url, location) if location else url
    return _build_feed(parsed, base=base, encoding=encoding)


def _build_feed(parsed: Any, *, base: str, encoding: str) -> ParsedFeed:
    feed = parsed.feed
    # Atom says what its text constructs are; RSS leaves feedparser to guess.
    typed = str(parsed.get("version") or "").startswith("atom")
    items: list[ParsedItem] = []
    seen: set[str] = set()
    duplicates = 0
    for entry in parsed.entries:
        item = _build_item(entry, base=base, typed=typed)
        if item.guid is not None:
            # The feed says these are one item; the first is usually the newest version.
            if item.guid in seen:
                duplicates += 1
                continue
            seen.add(item.guid)
        items.append(item)
    title = _one_line(_detail_text(feed.get("title_detail"), feed.get("title"), typed=typed))
    return ParsedFeed(
        title=title or None,
        link=_web_link(feed.get("link"), base=base),
        items=items,
        duplicate_guids=duplicates,
        encoding=encoding,
    )


def _build_item(entry: Any, *, base: str, typed: bool) -> ParsedItem:
    title = _one_line(_detail_text(entry.get("title_detail"), entry.get("title"), typed=typed))
    body = _entry_body(entry, typed=typed)
    author = _one_line(_detail_text(None, entry.get("author"), typed=False)) or None
    guid = (entry.get("id") or "").strip() or None
    return ParsedItem(
        guid=guid,
        link=_web_link(entry.get("link"), base=base),
        title=title,
        published=_to_datetime(entry.get("published_parsed") or entry.get("updated_parsed")),
        body=body,
        content_hash=content_hash(title, body),
        author=author,
    )


def _entry_body(entry: Any, *, typed: bool) -> str:
    """Full content (content:encoded, Atom content) before the summary."""
    contents = entry.get("content") or []
    for wanted in ("html", "plain"):
        for content in contents:
            if wanted in (content.get("type") or "") and content.get("value"):
                return _detail_text(content, content["value"], typed=typed)
    for content in contents:
        if content.get("value"):
            return _detail_text(content, content["value"], typed=typed)
    return _detail_text(entry.get("summary_detail"), entry.get("summary"), typed=typed)


_KNOWN_TAG = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|br|cite|code|div|em|font|h[1-6]|i|img|li|ol|p|q|s|"
    r"small|span|strong|sub|sup|table|td|tr|u|ul)\b[^<>]*>",
    re.IGNORECASE,
)


def _detail_text(detail: Mapping[str, Any] | None, value: str | None, *, typed: bool) -> str:
    """Plain text of a feedparser text construct.

    ``typed``: the document declared the type (Atom), so "text" is taken at its word.
    """
    if not value:
        return ""
    kind = (detail or {}).get("type") or ""
    # RSS says nothing about types, so escaped markup in a "plain" title is common.
    if "html" in kind or (not typed and _KNOWN_TAG.search(value)):
        return html_to_text(value)
    # Double-escaped entities (&amp;amp;) are far more common than literal ones.
    return plain_to_text(html.unescape(value))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _web_link(value: str | None, *, base: str) -> str | None:
    """An absolute http(s) link, or None: a ``javascript:`` link must not reach a digest."""
    if not value:
        return None
    value = value.strip()
    try:
        absolute = urljoin(base, value) if _is_web(base) else value
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return None
    return absolute if scheme in ("http", "https") else None


def _is_web(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


_PLAUSIBLE_YEARS = (1900, 2200)  # of a news item's date


def _to_datetime(value: Any) -> datetime | None:
    """feedparser's struct_time (already in UTC) to an aware datetime."""
    if not value:
        return None
    try:
        when = datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    # "0001-01-01" and "9999-12-31" are what some servers write for "no date".
    return when if _PLAUSIBLE_YEARS[0] <= when.year <= _PLAUSIBLE_YEARS[1] else None


def content_hash(title: str, body: str) -> str:
    """sha256 hex of NFC title and body with whitespace runs collapsed.

    Changes in markup or spacing alone do not make an item look edited.
    """
    normal = unicodedata.normalize("NFC", f"{_one_line(title)}\n{_one_line(body)}")
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()


# --- decoding -------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# '<?' in encodings that need no BOM to be recognised (XML 1.0, appendix F).
_WIDE_MARKERS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
# Labels that mean windows-1252 in practice (the WHATWG Encoding Standard maps them so).
_WINDOWS_1252_NAMES = frozenset({"latin-1", "iso8859-1", "ascii", "cp1252"})
# A lone Latin-1 label (read as windows-1252) is weighed against these, first winning ties.
_LATIN1_RIVALS = ("cp1252", "cp1250", "cp1251")
# The legacy encodings still seen on the web, most common first: detection picks
# among these only, and the order breaks ties.
_LEGACY_CODECS = (
    "cp1252", "cp1250", "cp1251", "iso8859-2", "iso8859-15", "cp1253", "cp1254", "cp1257",
    "koi8-r", "koi8-u", "iso8859-5", "iso8859-7", "cp1255", "cp1256", "cp1258", "cp874",
    "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr",
)  # fmt: skip
_MARKUP = re.compile(rb"<[^<>]{0,2000}>|&#?\w{1,10};")


def decode_document(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode feed bytes; return the text (BOM removed) and the codec name used.

    Order of trust: a byte-order mark; UTF-8 when the bytes are (nearly all) valid
    UTF-8; the declared charsets, except a server's ISO-8859-1 default contradicting
    the document's own declaration; detection among legacy web encodings.
    """
    for bom, name in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(name, "replace"), name
    for marker, name in _WIDE_MARKERS:
        if content.startswith(marker):
            return content.decode(name, "replace"), name
    if content.isascii():
        return content.decode("ascii"), "ascii"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(content):
        return content.decode("utf-8", "replace"), "utf-8"
    usable = [name for name in _declared_codecs(content, content_type) if _decodes(content, name)]
    if usable == ["cp1252"]:
        # A lone Latin-1 label is the usual server default and decodes any bytes: it
        # is weighed against the Central European and Cyrillic code pages (and wins a tie).
        usable = list(_LATIN1_RIVALS)
    elif len(usable) == 1:
        return content.decode(usable[0]), usable[0]
    name = _detect(content, usable or list(_LEGACY_CODECS))
    return content.decode(name, "replace"), name


def _mostly_utf8(content: bytes) -> bool:
    """UTF-8 with a few stray bytes: more valid multi-byte characters than errors."""
    text = content.decode("utf-8", "replace")
    errors = text.count("\ufffd")
    wide = len(text) - len(text.encode("ascii", "ignore")) - errors
    return wide > 2 * errors


def _declared_codecs(content: bytes, content_type: str | None) -> list[str]:
    """Codec names declared by the HTTP header and the XML declaration, most trusted first.

    UTF-8 and UTF-16/32 labels are dropped (the bytes are known not to be UTF-8 by
    now, and wide encodings were sniffed already); Latin-1 labels become windows-1252.
    """
    http_label = None
    if content_type:
        for param in content_type.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                http_label = value.strip().strip("\"'")
    match = _XML_ENCODING.match(content[:1024])
    xml_label = match.group(1).decode("ascii") if match else None
    http_name, xml_name = _codec_name(http_label), _codec_name(xml_label)
    # RFC 3023 puts the header first, but an ISO-8859-1 header is usually a server
    # default, while the document's declaration was written for these bytes.
    if http_name == "cp1252" and xml_name is not None:
        http_name, xml_name = xml_name, http_name
    names: list[str] = []
    for name in (http_name, xml_name):
        if name is not None and name not in names:
            names.append(name)
    return names


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("utf-8", "utf-8-sig") or name.startswith(("utf-16", "utf-32")):
        return None
    return "cp1252" if name in _WINDOWS_1252_NAMES else name


def _decodes(content: bytes, name: str) -> bool:
    try:
        content.decode(name)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _detect(content: bytes, candidates: list[str]) -> str:
    """The most plausible of ``candidates`` for ``content``; the first one on a tie.

    Judged on the text between tags (markup is ASCII and only dilutes the signal) of
    a sample: feeds repeat their alphabet, and detection time must stay flat.
    """
    sample = _MARKUP.sub(b" ", content[:131072])
    ranked = [
        (match.chaos, -match.coherence, candidates.index(name), name)
        for match in from_bytes(sample, cp_isolation=candidates)
        if (name := codecs.lookup(match.encoding).name) in candidates
    ]
    if not ranked:
        return candidates[0]
    return min(ranked)[3]


# --- XML hygiene ----------------------------------------------------------------------

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_HTML_SIGNS = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<head[\s>]", re.IGNORECASE)


def strip_doctype(text: str) -> str:
    """Remove DOCTYPE declarations (with any internal subset) from the prolog."""
    pos, length = 0, len(text)
    pieces: list[str] = []
    while pos < length:
        start = pos
        while pos < length and text[pos].isspace():
            pos += 1
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            pos = length if end < 0 else end + 2
            pieces.append(text[start:pos])
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            pos = length if end < 0 else end + 3
            pieces.append(text[start:pos])
        elif text[pos : pos + 9].upper() == "<!DOCTYPE":
            pieces.append(text[start:pos])
            pos = _doctype_end(text, pos + 9)
        else:
            break
    return "".join(pieces) + text[pos:]


def _doctype_end(text: str, pos: int) -> int:
    """Index after the ``>`` closing a DOCTYPE whose body starts at ``pos``."""
    depth = 0
    quote = ""
    length = len(text)
    while pos < length:
        char = text[pos]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            pos = length if end < 0 else end + 3
            continue
        elif char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif char == ">" and depth == 0:
            return pos + 1
        pos += 1
    return length  # unterminated: nothing after it can be trusted either


# A numeric character reference: &#8212; or &#x2014;.
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


def _valid_character_references(text: str) -> str:
    """References to characters text cannot hold (a lone surrogate, NUL, beyond U+10FFFF)
    as U+FFFD: feedparser's fallback parser fails on them, and no store takes them."""
    if "&#" not in text:
        return text

    def checked(found: re.Match[str]) -> str:
        hex_digits, digits = found.groups()
        if len((hex_digits or digits).lstrip("0")) > 8:  # beyond U+10FFFF whatever they are
            return "&#xFFFD;"
        code = int(hex_digits, 16) if hex_digits else int(digits)
        if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            return "&#xFFFD;"
        return found.group()

    return _CHARACTER_REFERENCE.sub(checked, text)


def _as_utf8_xml(text: str) -> bytes:
    declaration = '<?xml version="1.0" encoding="utf-8"?>'
    if _XML_DECLARATION.match(text):
        text = _XML_DECLARATION.sub(declaration, text, count=1)
    else:
        text = f"{declaration}\n{text.lstrip()}"
    return text.encode("utf-8", "replace")


def _feedparser_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Response headers for feedparser: the body is UTF-8 XML now.

    No Content-Location: feedparser would resolve GUIDs against it ("m-1" becoming
    "https://host/m-1"), so a feed that moves would change every GUID. Links are
    made absolute in :func:`_web_link` instead.
    """
    out = {k: v for k, v in headers.items() if k == "content-language"}
    out["content-type"] = "application/xml; charset=utf-8"
    return out


def _looks_like_html(text: str) -> bool:
    return _HTML_SIGNS.search(text[:4096]) is not None
