"""Persistence: the only package that talks to the database.

:func:`open_storage` returns a :class:`Storage` facade that takes intent
records (:class:`~monitor.models.FeedSpec`, :class:`~monitor.models.PollRecord`)
and returns domain types from :mod:`monitor.models`. Tables stay private here.
SQLite (default, ``sqlite:///monitor.db``) and PostgreSQL
(``postgresql+psycopg://...``) are supported; migrations run at open.
"""

from monitor.storage.errors import StorageError, UnknownFeedError
from monitor.storage.facade import Storage, open_storage

__all__ = ["Storage", "StorageError", "UnknownFeedError", "open_storage"]
