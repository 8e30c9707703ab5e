"""Fetch a feed: bytes plus HTTP metadata, or a typed :class:`~monitor.errors.FetchError`.

I/O only; nothing here knows what a feed is. One :class:`Fetcher` holds one
``httpx.Client`` and may be shared by the threads of a pool. Every request is
bounded: connect and read timeouts, a total deadline checked as the body streams
in (a server trickling a byte a second is cut off), and a cap on the *decoded*
body size enforced while decompressing (a gzip bomb stops at the cap, not after
inflating). Redirects are followed here, not by httpx, so every hop is checked
(only http and https) and a chain of permanent redirects can move the stored URL.
``file://`` URLs and plain paths are read with the same cap.
"""

from __future__ import annotations

import base64
import contextlib
import http.cookiejar
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import httpx

from monitor import __version__
from monitor.bodydecode import BoundedDecoder, accepted_encodings, content_encodings
from monitor.errors import (
    BadURLError,
    ConnectError,
    FetchTimeoutError,
    FileReadError,
    GoneError,
    HTTPStatusError,
    ResponseTooLargeError,
    RetryLaterError,
    TooManyRedirectsError,
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "parse_cache_max_age",
    "parse_retry_after",
]

DEFAULT_USER_AGENT = (
    f"escalation-monitor/{__version__} (+https://github.com/escalation-monitor/escalation-monitor)"
)
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
RETRY_LATER_STATUSES = frozenset({429, 503})
# A Retry-After further out than this is taken as this: it keeps arithmetic finite
# and a feed from being parked for years by one bad header.
MAX_RETRY_AFTER = timedelta(days=30)
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits for every request; times in seconds, sizes in bytes."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # longest silence while waiting for bytes
    total_timeout: float = 60.0  # whole request, redirects and body included
    max_bytes: int = 10 * 1024 * 1024  # decoded body
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    # Read HTTP(S)_PROXY / NO_PROXY / SSL_CERT_FILE from the environment.
    trust_env: bool = True


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # as requested
    final_url: str  # after redirects
    status: int  # HTTP status (2xx or 304); 0 for a file
    content: bytes | None  # decoded body; None when not modified
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    # Set when every hop was a 301/308: the feed has moved and its stored URL should follow.
    permanent_url: str | None = None
    max_age: int | None = None  # Cache-Control max-age, seconds
    elapsed: float = 0.0  # seconds
    bytes: int = 0  # decoded body size


class _CookieJar(http.cookiejar.CookieJar):
    """The standard jar, skipping responses that set no cookie.

    httpx hands every response to the jar, which parses all its headers looking
    for cookies: an eighth of the work of a ``304 Not Modified``, for nothing.
    """

    def extract_cookies(self, response: Any, request: Any) -> None:
        # httpx wraps its response for the jar; anything else gets the full treatment.
        headers = getattr(getattr(response, "response", None), "headers", None)
        if isinstance(headers, httpx.Headers) and not (
            "set-cookie" in headers or "set-cookie2" in headers
        ):
            return
        super().extract_cookies(response, request)


class _TransportByScheme(httpx.BaseTransport):
    """Plain HTTP on a transport of its own; HTTPS on one made for its first request.

    A transport for HTTPS reads the CA bundle into its TLS context when it is made,
    a few hundredths of a second at every start that a poll of plain-HTTP (or local)
    feeds never needs.
    """

    def __init__(self, *, trust_env: bool) -> None:
        self._trust_env = trust_env
        # Handed http:// requests only, so it never speaks TLS; were it ever to, a context
        # that trusts no certificate would refuse every server.
        self._plain = httpx.HTTPTransport(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
        self._tls: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            return self._plain.handle_request(request)
        return self._secure().handle_request(request)

    def _secure(self) -> httpx.HTTPTransport:
        with self._lock:
            if self._tls is None:
                # What httpx.Client would have made: certifi, or SSL_CERT_FILE / _DIR.
                self._tls = httpx.HTTPTransport(trust_env=self._trust_env)
            return self._tls

    def close(self) -> None:
        self._plain.close()
        with self._lock:
            if self._tls is not None:
                self._tls.close()


class Fetcher:
    """Fetches URLs under a :class:`FetchPolicy`. Thread-safe; close it when done."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._timeout = httpx.Timeout(
            connect=self.policy.connect_timeout,
            read=self.policy.read_timeout,
            write=self.policy.read_timeout,
            pool=self.policy.connect_timeout,
        )
        # While more time than this is left, the policy's own timeouts apply as they are.
        self._longest_wait = max(self.policy.connect_timeout, self.policy.read_timeout)
        self._cookies = _CookieJar()
        self._headers = {
            "User-Agent": self.policy.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": ", ".join(accepted_encodings()),
        }
        # Proxies the environment names (HTTP_PROXY, NO_PROXY, ...) are routed to by the
        # client's own transports: httpx reads them only when it makes those itself.
        if transport is None and not (self.policy.trust_env and urllib.request.getproxies()):
            transport = _TransportByScheme(trust_env=self.policy.trust_env)
        self._transport = transport
        self._closed = False
        self._client = httpx.Client(
            transport=transport,
            cookies=self._cookies,
            follow_redirects=False,
            trust_env=self.policy.trust_env,
            timeout=self._timeout,
        )

    def close(self) -> None:
        self._closed = True
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        now: datetime,
    ) -> FetchResult:
        """Fetch ``url`` (http, https, file or a local path).

        ``etag`` and ``last_modified`` make the request conditional; ``now``
        (aware UTC) anchors a Retry-After given in seconds.
        """
        if self._closed:
            raise RuntimeError("the fetcher is closed")
        started = time.monotonic()
        scheme = _scheme(url)
        if scheme == "file":
            return _read_file(url, limit=self.policy.max_bytes, started=started)
        _check_web_url(url, url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = _Request(url, started + self.policy.total_timeout)
        return self._follow(request, headers, etag, last_modified, now, started)

    # -- HTTP -----------------------------------------------------------------

    def _follow(
        self,
        request: _Request,
        headers: dict[str, str],
        etag: str | None,
        last_modified: str | None,
        now: datetime,
        started: float,
    ) -> FetchResult:
        current = request.url
        permanent = True
        for hop in range(self.policy.max_redirects + 1):
            with self._open(current, headers, request) as response:
                status = response.status_code
                location = response.headers.get("location")
                if status in REDIRECT_STATUSES and location:
                    if hop == self.policy.max_redirects:
                        raise TooManyRedirectsError(
                            f"more than {self.policy.max_redirects} redirects", url=request.url
                        )
                    permanent = permanent and status in PERMANENT_REDIRECTS
                    current = _redirect_target(current, location, request.url)
                    _release(response)
                    continue
                moved = current if permanent and hop > 0 and current != request.url else None
                if status == 304:
                    body = None
                    _release(response)
                else:
                    _raise_for_status(response, request.url, now)
                    body = self._read_body(response, request)
                return _result(
                    request.url, current, response, body, moved, started, etag, last_modified
                )
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _open(self, url: str, headers: Mapping[str, str], request: _Request) -> _StreamedResponse:
        remaining = request.remaining(time.monotonic())
        if remaining <= 0:
            raise _deadline_error(request, self.policy.total_timeout)
        # No single wait may outlast the time left for the whole request.
        timeout = self._timeout
        if remaining < self._longest_wait:
            timeout = httpx.Timeout(
                connect=min(self.policy.connect_timeout, remaining),
                read=min(self.policy.read_timeout, remaining),
                write=min(self.policy.read_timeout, remaining),
                pool=min(self.policy.connect_timeout, remaining),
            )
        try:
            http_request = httpx.Request(
                "GET",
                url,
                headers={**self._headers, **headers},
                extensions={"timeout": timeout.as_dict()},
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
            raise BadURLError(f"invalid URL: {exc}", url=request.url) from exc
        if self._cookies:
            httpx.Cookies(self._cookies).set_cookie_header(http_request)
        target = http_request.url
        if target.username or target.password:  # https://user:password@host/feed
            http_request.headers["Authorization"] = _basic_auth(target.username, target.password)
        return _StreamedResponse(self._send, http_request, request, self.policy.total_timeout)

    def _send(self, http_request: httpx.Request) -> httpx.Response:
        """The response to ``http_request``, its body not read yet.

        Without proxies to route to, the client's send adds nothing a poll uses but
        its cost (a fifth of a ``304 Not Modified``): the transport answers directly.
        """
        if self._transport is None:
            return self._client.send(http_request, stream=True)
        response = self._transport.handle_request(http_request)
        response.request = http_request
        if "set-cookie" in response.headers or "set-cookie2" in response.headers:
            httpx.Cookies(self._cookies).extract_cookies(response)
        return response

    def _read_body(self, response: httpx.Response, request: _Request) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        encodings = content_encodings(response.headers.get("content-encoding"))
        if not encodings and declared.isdigit() and int(declared) > limit:
            raise ResponseTooLargeError(
                f"body of {int(declared)} bytes is over the limit of {limit}",
                url=request.url,
                limit=limit,
            )
        if response.is_stream_consumed:
            # Fake transports hand over responses httpx has already read and decoded.
            return _capped(response.content, limit, request.url)
        decoder = BoundedDecoder(encodings, limit=limit, url=request.url)
        body = bytearray()
        try:
            # Chunks as they arrive (no re-chunking), so a trickle is checked every byte.
            for raw in response.iter_raw():
                body += decoder.feed(raw)
                if time.monotonic() > request.deadline:
                    raise _deadline_error(request, self.policy.total_timeout)
            body += decoder.flush()
        except httpx.TimeoutException as exc:
            raise _timeout_error(exc, request, self.policy.total_timeout) from exc
        except httpx.TransportError as exc:
            raise ConnectError(f"connection failed: {_describe(exc)}", url=request.url) from exc
        return bytes(body)


def _basic_auth(username: str, password: str) -> str:
    """The ``Authorization`` value for credentials given in a URL (as httpx would send)."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def _release(response: httpx.Response) -> None:
    """Finish a response that has no body, so its connection goes back to the pool.

    Closing a response before its end closes the connection, and the next request
    to that host pays a new TCP (and TLS) handshake: for a poll of feeds that
    mostly answer 304, that is most of the cost. A 304 has no body by definition
    (the HTTP parser ends the message at its headers); other responses are read
    only when they declare an empty body, so nothing here waits on the network.
    """
    if response.is_stream_consumed:
        return
    if response.status_code != 304 and response.headers.get("content-length") != "0":
        return
    # On an error the connection is dropped, as it would have been anyway. Raw: there
    # is nothing to decode.
    with contextlib.suppress(httpx.HTTPError):
        for _ in response.iter_raw():
            pass


def _capped(body: bytes, limit: int, url: str) -> bytes:
    if len(body) > limit:
        raise ResponseTooLargeError(
            f"decoded body is over the limit of {limit} bytes", url=url, limit=limit
        )
    return body


@dataclass(slots=True)
class _Request:
    """One logical fetch: the URL asked for and the moment it must be over."""

    url: str
    deadline: float

    def remaining(self, now: float) -> float:
        return self.deadline - now


class _StreamedResponse:
    """``client.stream`` with httpx errors turned into ours, at the right URL."""

    def __init__(
        self,
        send: Callable[[httpx.Request], httpx.Response],
        http_request: httpx.Request,
        request: _Request,
        total_timeout: float,
    ) -> None:
        self._send = send
        self._http_request = http_request
        self._request = request
        self._total_timeout = total_timeout
        self._response: httpx.Response | None = None

    def __enter__(self) -> httpx.Response:
        try:
            self._response = self._send(self._http_request)
        except httpx.TimeoutException as exc:
            raise _timeout_error(exc, self._request, self._total_timeout) from exc
        except httpx.UnsupportedProtocol as exc:
            raise BadURLError(f"invalid URL: {exc}", url=self._request.url) from exc
        except httpx.TransportError as exc:
            raise ConnectError(
                f"connection failed: {_describe(exc)}", url=self._request.url
            ) from exc
        return self._response

    def __exit__(self, *exc_info: object) -> None:
        if self._response is not None:
            self._response.close()


def _result(
    url: str,
    final_url: str,
    response: httpx.Response,
    body: bytes | None,
    permanent_url: str | None,
    started: float,
    etag: str | None,
    last_modified: str | None,
) -> FetchResult:
    headers = {k.lower(): v for k, v in response.headers.items()}
    not_modified = body is None
    return FetchResult(
        url=url,
        final_url=final_url,
        status=response.status_code,
        content=body,
        headers=headers,
        # A 304 need not repeat the validators; the ones sent are still current then.
        etag=headers.get("etag") or (etag if not_modified else None),
        last_modified=headers.get("last-modified") or (last_modified if not_modified else None),
        not_modified=not_modified,
        permanent_url=permanent_url,
        max_age=parse_cache_max_age(headers.get("cache-control")),
        elapsed=time.monotonic() - started,
        bytes=len(body) if body is not None else 0,
    )


def _raise_for_status(response: httpx.Response, url: str, now: datetime) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    reason = f"HTTP {status} {response.reason_phrase}".rstrip()
    if status == 410:
        raise GoneError(f"{reason}: the feed was removed", url=url, http_status=status)
    if status in RETRY_LATER_STATUSES:
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=now)
        when = f", retry after {retry_after.isoformat()}" if retry_after else ""
        raise RetryLaterError(
            f"{reason}{when}", url=url, http_status=status, retry_after=retry_after
        )
    if 300 <= status < 400:
        reason += " without a usable Location"
    raise HTTPStatusError(reason, url=url, http_status=status)


def _redirect_target(current: str, location: str, original: str) -> str:
    try:
        target = urljoin(current, location.strip())
    except ValueError as exc:
        raise BadURLError(f"invalid redirect target {location!r}", url=original) from exc
    if _scheme(target) not in ("http", "https"):
        raise BadURLError(f"redirect to unsupported URL {target!r}", url=original)
    _check_web_url(target, original)
    return target


def _check_web_url(url: str, original: str) -> None:
    """Raise BadURLError unless ``url`` is an http(s) URL with a host."""
    scheme = _scheme(url)
    if scheme == "invalid":
        raise BadURLError("malformed URL", url=original)
    if scheme not in ("http", "https"):
        raise BadURLError(f"unsupported URL scheme {scheme!r}", url=original)
    if not urlsplit(url).hostname:
        raise BadURLError(f"no host in {url!r}", url=original)


def _scheme(url: str) -> str:
    """The URL's scheme; ``file`` for a plain local path, ``invalid`` if it cannot be split."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return "invalid"
    # A Windows drive letter ("c:\\feeds\\x.xml") parses as a one-letter scheme.
    if not scheme or (len(scheme) == 1 and url[1:3] in (":\\", ":/")):
        return "file"
    return scheme


def _deadline_error(request: _Request, total: float) -> FetchTimeoutError:
    return FetchTimeoutError(
        f"gave up after the total deadline of {total:g} s", url=request.url, kind="deadline"
    )


def _timeout_error(
    exc: httpx.TimeoutException, request: _Request, total: float
) -> FetchTimeoutError:
    # Waits are clamped to the time left, so running out of it is the deadline's doing.
    if request.remaining(time.monotonic()) <= 0.05:
        return _deadline_error(request, total)
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return FetchTimeoutError("timed out connecting", url=request.url, kind="connect_timeout")
    return FetchTimeoutError("timed out waiting for data", url=request.url, kind="read_timeout")


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


# -- Retry-After and Cache-Control -------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime) -> datetime | None:
    """When a ``Retry-After`` header asks us to come back, as aware UTC.

    Accepts delay-seconds or an HTTP date. A date in the past means ``now``; anything
    beyond :data:`MAX_RETRY_AFTER` is capped there. Unparseable values give None.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = min(int(value), int(MAX_RETRY_AFTER.total_seconds()))
        return now + timedelta(seconds=seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    return min(max(when, now), now + MAX_RETRY_AFTER)


def parse_cache_max_age(value: str | None) -> int | None:
    """``max-age`` from a Cache-Control header, in seconds; None if absent or invalid."""
    if not value:
        return None
    for directive in value.split(","):
        name, _, argument = directive.strip().partition("=")
        if name.strip().lower() == "max-age":
            argument = argument.strip().strip('"')
            if not argument.isdigit():
                return None
            # Bounded like Retry-After: the figure only ever delays a poll.
            return min(int(argument), int(MAX_RETRY_AFTER.total_seconds()))
    return None


def _read_file(url: str, *, limit: int, started: float) -> FetchResult:
    path = _file_path(url)
    try:
        with path.open("rb") as handle:
            content = handle.read(limit + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise FileReadError(f"cannot read {path}: {reason}", url=url) from exc
    _capped(content, limit, url)
    return FetchResult(
        url=url,
        final_url=url,
        status=0,
        content=content,
        elapsed=time.monotonic() - started,
        bytes=len(content),
    )


def _file_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        return Path(url).expanduser()
    if parts.netloc not in ("", "localhost"):
        raise BadURLError(f"file URL on another host {parts.netloc!r}", url=url)
    return Path(url2pathname(parts.path))
