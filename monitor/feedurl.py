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
        return text
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
