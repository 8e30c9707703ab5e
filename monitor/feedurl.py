"""Feed locations as users give them: http(s) URLs, ``file://`` URLs and local paths."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from monitor.errors import ConfigError

SCHEMES = ("http", "https", "file")


def normalise_feed_url(value: str, *, must_exist: bool = True) -> str:
    """An http(s) URL as given, or an absolute ``file://`` URL for a local path.

    Raises :class:`ConfigError` naming the URL when it cannot be a feed.
    """
    text = value.strip()
    if not text:
        raise ConfigError("a feed URL cannot be empty", key="url")
    parts = urlsplit(text)
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise ConfigError(f"{text}: the URL has no host", key="url")
        return _lower_host(text, parts.scheme)
    if parts.scheme == "file":
        path = Path(parts.path)
    elif parts.scheme and len(parts.scheme) > 1:  # a one-letter scheme is a Windows drive
        raise ConfigError(
            f"{text}: unsupported scheme {parts.scheme!r} (use {', '.join(SCHEMES)} or a path)",
            key="url",
        )
    else:
        path = Path(text).expanduser()
    path = path.resolve()
    if must_exist and not path.is_file():
        raise ConfigError(f"{text}: no such feed file", key="url")
    return path.as_uri()


def _lower_host(url: str, scheme: str) -> str:
    """``url`` with its scheme and host in lower case, the rest as given: they are
    case-blind, so HTTPS://Example.ORG/feed is the feed https://example.org/feed."""
    rest = url.split("://", 1)[1]
    ends = [i for i in (rest.find(c) for c in "/?#") if i >= 0]
    end = min(ends, default=len(rest))
    userinfo, at, host = rest[:end].rpartition("@")
    return f"{scheme}://{userinfo}{at}{host.lower()}{rest[end:]}"
