"""Pure helpers: the keys items are deduplicated by, and search terms."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from monitor.models import ItemKey

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")  # letters and digits, as the FTS5 tokenizer splits


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean(text: str) -> str:
    """Feed text as every backend can store it.

    PostgreSQL refuses NUL characters in text, and no UTF-8 store takes a lone
    surrogate. They become U+FFFD, one character for one, so evidence offsets
    into the text stay valid.
    """
    return _UNSTORABLE.sub("\ufffd", text)


def clean_opt(text: str | None) -> str | None:
    return None if text is None else clean(text)


# A GUID or link longer than this is kept as its start and a digest of the whole: both
# are indexed, and PostgreSQL refuses index entries over about 2.7 kB (4 bytes a
# character at worst: 577 characters stay under it).
_KEY_PREFIX = 512


def bounded_key(text: str | None) -> str | None:
    """A GUID or normalised link as stored and compared: whole unless it is too long
    for an index, then its start and a SHA-256 of all of it (still unique, still stable)."""
    if text is None or len(text) <= _KEY_PREFIX + 65:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{text[:_KEY_PREFIX]}#{digest}"


# Cached: a poll normalises each link several times (matching it, storing it), and feeds
# repeat their links from poll to poll.
@lru_cache(maxsize=8192)
def normalize_link(link: str | None) -> str | None:
    """The form of a link two feeds share for one article.

    Case of scheme and host, ``http`` vs ``https``, default ports, the fragment,
    a trailing slash and tracking parameters (``utm_*``...) do not make a
    different article. Anything unparsable is kept as stripped text. A link too
    long for an index is bounded (:func:`bounded_key`).
    """
    if link is None:
        return None
    link = link.strip()
    return bounded_key(_normal_form(link)) if link else None


def _normal_form(link: str) -> str:
    """:func:`normalize_link` of a stripped, non-empty link, before bounding."""
    try:
        parts = urlsplit(link)
        port = parts.port
    except ValueError:
        return link
    scheme = parts.scheme.lower()
    hostname = parts.hostname  # parsed anew at each access
    if scheme not in _DEFAULT_PORTS or not hostname:
        return link
    host = hostname.lower()
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = parts.query and urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    return urlunsplit(("https", host, path, query, ""))


def trusted_guids(keys: Sequence[ItemKey]) -> set[str]:
    """Guids that appear exactly once in one poll; a repeated guid identifies nothing."""
    seen: dict[str, int] = {}
    for key in keys:
        if key.guid:
            seen[key.guid] = seen.get(key.guid, 0) + 1
    return {guid for guid, count in seen.items() if count == 1}


_MAX_SEARCH_TEXT = 100_000  # characters: at most 400 kB


def searchable(title: str, sentences: Iterable[str]) -> str:
    """What a search looks at (the title and each sentence once), folded as the rules
    fold text: "vucic" finds "Vučić" and "Вучић"."""
    from indicators.text import fold  # its tables take a while to build: only when needed

    text = clean(fold("\n".join([title, *dict.fromkeys(sentences)])))
    # PostgreSQL's full-text vector of one value holds at most 1 MB; evidence is a
    # few sentences, so only a hostile item ("sentences" of megabytes) is cut.
    return text[:_MAX_SEARCH_TEXT]


def search_words(text: str) -> list[str]:
    """The words of a search, folded; every one must appear."""
    from indicators.text import fold

    return _WORD.findall(fold(text))


def fts5_query(words: Sequence[str]) -> str:
    # Each word quoted: FTS5 operators (AND, NEAR, column:) in feed text stay words.
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)
