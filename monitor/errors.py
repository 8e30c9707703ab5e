"""The application's exceptions: one small tree, every error naming what it is about.

::

    MonitorError
     ├── ConfigError                  a setting or config file (key, file, line)
     ├── FetchError                   a feed URL could not be fetched (url, kind, http_status)
     │    ├── FetchTimeoutError       kind: connect_timeout | read_timeout | deadline
     │    ├── ResponseTooLargeError   kind: too_large (decoded body over the cap)
     │    ├── ConnectError            kind: connection (refused, reset, closed early, TLS)
     │    ├── ContentDecodeError      kind: decode (corrupt gzip/deflate/brotli stream)
     │    ├── FileReadError           kind: file (a file:// URL or local path)
     │    ├── BadURLError             kind: bad_url (unsupported scheme, malformed URL)
     │    ├── TooManyRedirectsError   kind: redirects
     │    └── HTTPStatusError         kind: http (any other 4xx/5xx, 3xx without Location)
     │         ├── GoneError          kind: gone (410)
     │         └── RetryLaterError    kind: retry_later (429, 503; retry_after)
     ├── ParseError                   fetched bytes are not a usable feed (url)
     ├── DeliveryError                a digest could not be delivered (target: path, address)
     └── StorageError                 [monitor.storage] a database operation failed (url)
          └── UnknownFeedError        [monitor.storage] no such feed stored (feed_url)

The errors marked [monitor.storage] are defined in :mod:`monitor.storage.errors`,
with the package that wraps backend failures into them (this module imports no
storage code); ``except MonitorError`` catches them like any other.

A ``304 Not Modified`` is a result, not an error. Wrap lower-level exceptions with
``raise SomeError(...) from exc`` so the cause stays on ``__cause__``; ``str(error)``
is one line that names the URL, file or key, ready for a log or a feed's last error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class MonitorError(Exception):
    """Base of every error the application raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments would break the default pickling.
        return (_restore, (type(self), self.args, self.__dict__.copy()))


def _restore(cls: type[MonitorError], args: tuple[Any, ...], state: dict[str, Any]) -> MonitorError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigError(MonitorError):
    """A setting is missing or invalid; names the key and, when known, the file and line."""

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.key = key
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.key is not None:
            where = f"{where}: {self.key}" if where else self.key
        return f"{where}: {self.message}" if where else self.message


class FetchError(MonitorError):
    """A feed could not be fetched. ``kind`` is a short, stable word for logs and metrics."""

    kind = "fetch"

    def __init__(self, message: str, *, url: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.url}: {self.message}"


class FetchTimeoutError(FetchError):
    """Connecting, waiting for bytes, or the whole request took too long."""

    def __init__(self, message: str, *, url: str, kind: str) -> None:
        super().__init__(message, url=url)
        self.kind = kind  # connect_timeout | read_timeout | deadline


class ResponseTooLargeError(FetchError):
    kind = "too_large"

    def __init__(self, message: str, *, url: str, limit: int) -> None:
        super().__init__(message, url=url)
        self.limit = limit


class ConnectError(FetchError):
    kind = "connection"


class ContentDecodeError(FetchError):
    kind = "decode"


class FileReadError(FetchError):
    kind = "file"


class BadURLError(FetchError):
    kind = "bad_url"


class TooManyRedirectsError(FetchError):
    kind = "redirects"


class HTTPStatusError(FetchError):
    """The server answered with a status we cannot use."""

    kind = "http"

    def __init__(self, message: str, *, url: str, http_status: int) -> None:
        super().__init__(message, url=url, http_status=http_status)


class GoneError(HTTPStatusError):
    """HTTP 410: the feed was removed on purpose."""

    kind = "gone"


class RetryLaterError(HTTPStatusError):
    """HTTP 429 or 503; ``retry_after`` is when the server asked us to come back, if it said."""

    kind = "retry_later"

    def __init__(
        self, message: str, *, url: str, http_status: int, retry_after: datetime | None
    ) -> None:
        super().__init__(message, url=url, http_status=http_status)
        self.retry_after = retry_after


class ParseError(MonitorError):
    """Bytes that were fetched are not a feed we can read."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url

    def __str__(self) -> str:
        return f"{self.url}: {self.message}"


class DeliveryError(MonitorError):
    """A digest could not be delivered; ``target`` is the file path or mail address."""

    def __init__(self, message: str, *, target: str) -> None:
        super().__init__(message)
        self.target = target

    def __str__(self) -> str:
        return f"{self.target}: {self.message}"
