"""Storage errors, part of the application's tree (:mod:`monitor.errors`).

::

    MonitorError               (monitor.errors)
     └── StorageError          any backend failure, wrapped at the facade; names the database
          └── UnknownFeedError an operation named a feed that is not stored

Every message is one line naming the database URL with its password masked;
the backend exception is kept as ``__cause__``. Both pickle, like every
:class:`~monitor.errors.MonitorError`.
"""

from __future__ import annotations

from monitor.errors import MonitorError


class StorageError(MonitorError):
    """A database operation failed."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(message)
        self.url = url

    def __str__(self) -> str:
        return f"{self.url}: {self.message}"


class UnknownFeedError(StorageError):
    """The feed URL is not in the database (or was removed)."""

    def __init__(self, url: str, feed_url: str) -> None:
        super().__init__(url, f"no such feed: {feed_url}")
        self.feed_url = feed_url
