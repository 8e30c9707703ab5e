"""Storage errors.

::

    StorageError          any backend failure, wrapped at the facade; names the database
     └── UnknownFeedError an operation named a feed that is not stored

Every message names the database URL with its password masked; the backend
exception is kept as ``__cause__``.
"""

from __future__ import annotations


class StorageError(Exception):
    """A database operation failed."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url


class UnknownFeedError(StorageError):
    """The feed URL is not in the database (or was removed)."""

    def __init__(self, url: str, feed_url: str) -> None:
        super().__init__(url, f"no such feed: {feed_url}")
        self.feed_url = feed_url
