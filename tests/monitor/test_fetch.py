"""monitor.fetch against a real, misbehaving HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import gzip
import pickle
import socket
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from feedserver import (
    BOMB_SIZE,
    FEED_ETAG,
    FEED_LAST_MODIFIED,
    HUGE_SIZE,
    RETRY_AFTER_SECONDS,
    FeedServer,
    closed_port_url,
    gzip_bomb,
    seed_feed,
    unresponsive_listener,
)

from monitor import __version__
from monitor.errors import (
    BadURLError,
    ConnectError,
    ContentDecodeError,
    FetchError,
    FetchTimeoutError,
    FileReadError,
    GoneError,
    HTTPStatusError,
    MonitorError,
    ResponseTooLargeError,
    RetryLaterError,
    TooManyRedirectsError,
)
from monitor.fetch import (
    DEFAULT_USER_AGENT,
    MAX_RETRY_AFTER,
    Fetcher,
    FetchPolicy,
    parse_cache_max_age,
    parse_retry_after,
)

NOW = datetime(2015, 10, 21, 7, 0, tzinfo=UTC)
FAST = FetchPolicy(connect_timeout=1.0, read_timeout=0.5, total_timeout=3.0, trust_env=False)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST) as fetcher:
        yield fetcher


def fetch(fetcher: Fetcher, url: str, **kwargs: str) -> object:
    return fetcher.fetch(url, now=NOW, **kwargs)


# -- the healthy feed ---------------------------------------------------------------------


def test_healthy_feed_returns_bytes_validators_and_cache_age(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.url("/feed")
    result = fetcher.fetch(url, now=NOW)
    assert result.status == 200
    assert result.content == seed_feed()
    assert result.bytes == len(seed_feed())
    assert result.url == result.final_url == url
    assert result.etag == FEED_ETAG
    assert result.last_modified == FEED_LAST_MODIFIED
    assert result.max_age == 900
    assert result.not_modified is False
    assert result.permanent_url is None
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert all(name == name.lower() for name in result.headers)
    assert 0 <= result.elapsed < 2


def test_requests_identify_the_monitor_and_ask_for_compression(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    fetcher.fetch(feed_server.url("/feed"), now=NOW)
    (headers,) = feed_server.requests("/feed")
    assert headers["user-agent"] == DEFAULT_USER_AGENT
    assert f"escalation-monitor/{__version__} (+https://" in headers["user-agent"]
    assert {"gzip", "deflate"} <= {e.strip() for e in headers["accept-encoding"].split(",")}
    assert "application/rss+xml" in headers["accept"]
    assert "if-none-match" not in headers and "if-modified-since" not in headers


def test_conditional_get_gives_not_modified(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.url("/feed")
    first = fetcher.fetch(url, now=NOW)
    by_etag = fetcher.fetch(url, etag=first.etag, now=NOW)
    by_date = fetcher.fetch(url, last_modified=first.last_modified, now=NOW)
    stale = fetcher.fetch(url, etag='"something-else"', now=NOW)

    for result in (by_etag, by_date):
        assert result.status == 304
        assert result.not_modified is True
        assert result.content is None
        assert result.bytes == 0
        assert result.etag == FEED_ETAG
        assert result.last_modified == FEED_LAST_MODIFIED
    assert stale.status == 200 and stale.content == seed_feed()
    sent = feed_server.requests("/feed")
    assert sent[1]["if-none-match"] == FEED_ETAG
    assert sent[2]["if-modified-since"] == FEED_LAST_MODIFIED
    assert feed_server.hits("/feed") == 4


def test_not_modified_keeps_the_validators_sent_when_the_server_omits_them(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.add_route("/bare-304", status=304)
    result = fetcher.fetch(url, etag='"v7"', last_modified=FEED_LAST_MODIFIED, now=NOW)
    assert result.not_modified
    assert (result.etag, result.last_modified) == ('"v7"', FEED_LAST_MODIFIED)


def test_one_fetcher_serves_many_threads(feed_server: FeedServer) -> None:
    url = feed_server.url("/feed")
    with Fetcher(FAST) as fetcher, ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: fetcher.fetch(url, now=NOW), range(40)))
    assert all(r.status == 200 and r.content == seed_feed() for r in results)
    assert feed_server.hits("/feed") == 40


# -- redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "permanent"),
    [
        ("/redirect/301", True),
        ("/redirect/308", True),
        ("/redirect/302", False),
        ("/redirect/307", False),
        ("/chain/permanent", True),
        ("/chain/mixed", False),
    ],
)
def test_redirects_are_followed_and_only_all_permanent_chains_move_the_feed(
    feed_server: FeedServer, fetcher: Fetcher, path: str, permanent: bool
) -> None:
    result = fetcher.fetch(feed_server.url(path), now=NOW)
    target = feed_server.url("/feed")
    assert result.status == 200
    assert result.content == seed_feed()
    assert result.url == feed_server.url(path)
    assert result.final_url == target
    assert result.permanent_url == (target if permanent else None)


def test_a_redirect_chain_is_followed_hop_by_hop(feed_server: FeedServer, fetcher: Fetcher) -> None:
    fetcher.fetch(feed_server.url("/chain/permanent"), now=NOW)
    assert feed_server.hits("/chain/permanent") == 1
    assert feed_server.hits("/chain/permanent/2") == 1
    assert feed_server.hits("/feed") == 1


def test_a_redirect_loop_stops_after_max_redirects(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.url("/redirect/loop")
    with pytest.raises(TooManyRedirectsError) as caught:
        fetcher.fetch(url, now=NOW)
    assert caught.value.url == url
    assert caught.value.kind == "redirects"
    assert feed_server.hits("/redirect/loop") == FAST.max_redirects + 1


def test_a_redirect_to_a_file_url_is_refused(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(BadURLError, match="file:///etc/passwd") as caught:
        fetcher.fetch(feed_server.url("/redirect/file"), now=NOW)
    assert caught.value.kind == "bad_url"


def test_a_redirect_without_location_is_an_http_error(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(feed_server.url("/redirect/no-location"), now=NOW)
    assert caught.value.http_status == 302
    assert type(caught.value) is HTTPStatusError


# -- error statuses -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/error/500", "/error/404"])
def test_other_error_statuses_raise_http_status_error(
    feed_server: FeedServer, fetcher: Fetcher, path: str
) -> None:
    url = feed_server.url(path)
    with pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(url, now=NOW)
    error = caught.value
    assert type(error) is HTTPStatusError
    assert error.kind == "http"
    assert error.http_status == int(path.rsplit("/", 1)[1])
    assert error.url == url
    assert url in str(error) and str(error.http_status) in str(error)


def test_410_raises_gone(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(GoneError) as caught:
        fetcher.fetch(feed_server.url("/gone"), now=NOW)
    assert (caught.value.kind, caught.value.http_status) == ("gone", 410)


def test_429_asks_to_retry_after_seconds_from_now(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    with pytest.raises(RetryLaterError) as caught:
        fetcher.fetch(feed_server.url("/retry/429"), now=NOW)
    assert caught.value.http_status == 429
    assert caught.value.kind == "retry_later"
    assert caught.value.retry_after == NOW + timedelta(seconds=RETRY_AFTER_SECONDS)


def test_503_asks_to_retry_after_an_http_date(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(RetryLaterError) as caught:
        fetcher.fetch(feed_server.url("/retry/503"), now=NOW)
    assert caught.value.http_status == 503
    assert caught.value.retry_after == datetime(2015, 10, 21, 7, 28, tzinfo=UTC)


def test_503_without_retry_after_has_no_date(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add_route("/busy", status=503)
    with pytest.raises(RetryLaterError) as caught:
        fetcher.fetch(url, now=NOW)
    assert caught.value.retry_after is None


# -- time limits --------------------------------------------------------------------------


def test_a_server_that_never_answers_hits_the_read_timeout(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError) as caught:
        fetcher.fetch(feed_server.url("/hang"), now=NOW)
    assert caught.value.kind == "read_timeout"
    assert time.monotonic() - started < FAST.read_timeout + 1.0


def test_a_slow_server_times_out_or_succeeds_by_the_read_timeout(
    feed_server: FeedServer,
) -> None:
    url = feed_server.url("/slow")  # answers after feed_server.slow_delay (1 s)
    with Fetcher(FAST) as impatient, pytest.raises(FetchTimeoutError) as caught:
        impatient.fetch(url, now=NOW)
    assert caught.value.kind == "read_timeout"
    patient_policy = FetchPolicy(read_timeout=3.0, total_timeout=5.0, trust_env=False)
    with Fetcher(patient_policy) as patient:
        started = time.monotonic()
        result = patient.fetch(url, now=NOW)
    assert result.content == seed_feed()
    assert time.monotonic() - started >= feed_server.slow_delay * 0.9


def test_a_trickling_server_is_cut_at_the_total_deadline(feed_server: FeedServer) -> None:
    # Bytes arrive every second, so no single read ever times out.
    policy = FetchPolicy(read_timeout=5.0, total_timeout=1.5, trust_env=False)
    started = time.monotonic()
    with Fetcher(policy) as fetcher, pytest.raises(FetchTimeoutError) as caught:
        fetcher.fetch(feed_server.url("/trickle"), now=NOW)
    elapsed = time.monotonic() - started
    assert caught.value.kind == "deadline"
    assert "1.5 s" in str(caught.value)
    assert 1.5 <= elapsed < 1.5 + 1.5


def test_a_full_accept_queue_hits_the_connect_timeout() -> None:
    policy = FetchPolicy(connect_timeout=0.3, read_timeout=1.0, total_timeout=3.0, trust_env=False)
    with unresponsive_listener() as base, Fetcher(policy) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchTimeoutError) as caught:
            fetcher.fetch(base + "/feed", now=NOW)
    assert caught.value.kind == "connect_timeout"
    assert time.monotonic() - started < 2.0


# -- broken connections -------------------------------------------------------------------


def test_connection_refused(fetcher: Fetcher) -> None:
    url = closed_port_url()
    with pytest.raises(ConnectError) as caught:
        fetcher.fetch(url, now=NOW)
    assert (caught.value.kind, caught.value.url) == ("connection", url)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_connection_reset(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(ConnectError) as caught:
        fetcher.fetch(feed_server.url("/reset"), now=NOW)
    assert caught.value.kind == "connection"
    assert caught.value.__cause__ is not None


def test_connection_closed_mid_body(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(ConnectError, match="complete message body"):
        fetcher.fetch(feed_server.url("/close-mid-body"), now=NOW)


# -- size limits and compression ----------------------------------------------------------


@pytest.mark.parametrize("path", ["/gzip", "/deflate"])
def test_compressed_feeds_are_decoded(feed_server: FeedServer, fetcher: Fetcher, path: str) -> None:
    result = fetcher.fetch(feed_server.url(path), now=NOW)
    assert result.content == seed_feed()
    assert result.bytes == len(seed_feed())
    assert result.headers["content-encoding"] == path.strip("/")


def test_raw_deflate_is_decoded_too(feed_server: FeedServer, fetcher: Fetcher) -> None:
    import zlib

    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = raw.compress(seed_feed()) + raw.flush()
    url = feed_server.add_route("/raw-deflate", body, headers={"Content-Encoding": "deflate"})
    assert fetcher.fetch(url, now=NOW).content == seed_feed()


def test_a_streamed_body_over_the_default_cap_is_cut(feed_server: FeedServer) -> None:
    with (
        Fetcher(FetchPolicy(trust_env=False)) as fetcher,
        pytest.raises(ResponseTooLargeError) as caught,
    ):
        fetcher.fetch(feed_server.url("/huge"), now=NOW)
    assert caught.value.kind == "too_large"
    assert caught.value.limit == 10 * 1024 * 1024 < HUGE_SIZE


def test_a_declared_length_over_the_cap_fails_before_reading(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    with pytest.raises(ResponseTooLargeError, match=str(HUGE_SIZE)):
        fetcher.fetch(feed_server.url("/huge-declared"), now=NOW)


def test_the_cap_counts_decoded_bytes(feed_server: FeedServer) -> None:
    compressed = gzip.compress(b"<rss>" + b" " * 200_000 + b"</rss>")
    url = feed_server.add_route("/small-gzip", compressed, headers={"Content-Encoding": "gzip"})
    assert len(compressed) < 100_000
    policy = FetchPolicy(max_bytes=100_000, trust_env=False)
    with Fetcher(policy) as fetcher, pytest.raises(ResponseTooLargeError):
        fetcher.fetch(url, now=NOW)


@pytest.mark.parametrize("max_bytes", [1024 * 1024, 10 * 1024 * 1024])
def test_a_gzip_bomb_stops_at_the_cap(feed_server: FeedServer, max_bytes: int) -> None:
    policy = FetchPolicy(max_bytes=max_bytes, trust_env=False)
    with Fetcher(policy) as fetcher, pytest.raises(ResponseTooLargeError) as caught:
        fetcher.fetch(feed_server.url("/gzip-bomb"), now=NOW)
    assert caught.value.limit == max_bytes


def test_a_gzip_bomb_never_inflates_far_past_the_cap(feed_server: FeedServer) -> None:
    gzip_bomb()  # built before measuring: the server's copy is not the client's memory
    limit = 1024 * 1024
    policy = FetchPolicy(max_bytes=limit, trust_env=False)
    tracemalloc.start()
    try:
        with Fetcher(policy) as fetcher, pytest.raises(ResponseTooLargeError):
            fetcher.fetch(feed_server.url("/gzip-bomb"), now=NOW)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 60 * limit < BOMB_SIZE
    assert peak < 8 * limit, f"peak {peak / 1e6:.1f} MB"


def test_a_body_exactly_at_the_cap_is_accepted(feed_server: FeedServer) -> None:
    body = b"x" * 5000
    plain = feed_server.add_route("/exact", body)
    zipped = feed_server.add_route(
        "/exact-gzip", gzip.compress(body), headers={"Content-Encoding": "gzip"}
    )
    with Fetcher(FetchPolicy(max_bytes=5000, trust_env=False)) as fetcher:
        assert fetcher.fetch(plain, now=NOW).content == body
        assert fetcher.fetch(zipped, now=NOW).content == body
    with Fetcher(FetchPolicy(max_bytes=4999, trust_env=False)) as fetcher:
        with pytest.raises(ResponseTooLargeError):
            fetcher.fetch(plain, now=NOW)
        with pytest.raises(ResponseTooLargeError):
            fetcher.fetch(zipped, now=NOW)


def test_a_corrupt_gzip_body_is_a_decode_error(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(ContentDecodeError) as caught:
        fetcher.fetch(feed_server.url("/corrupt-gzip"), now=NOW)
    assert caught.value.kind == "decode"


# -- URLs and files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["ftp://example.com/feed", "javascript:alert(1)", "http://", "http://[::1", "gopher:x"]
)
def test_bad_urls_are_refused_without_a_request(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(BadURLError) as caught:
        fetcher.fetch(url, now=NOW)
    assert caught.value.url == url
    assert caught.value.kind == "bad_url"


def test_file_urls_and_plain_paths_are_read(fetcher: Fetcher, tmp_path: Path) -> None:
    path = tmp_path / "feed with space.xml"
    path.write_bytes(seed_feed())
    for url in (path.as_uri(), str(path)):
        result = fetcher.fetch(url, now=NOW)
        assert result.status == 0
        assert result.content == seed_feed()
        assert result.bytes == len(seed_feed())
        assert result.final_url == url
        assert result.etag is None and result.not_modified is False


def test_files_obey_the_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"x" * 2049)
    with Fetcher(FetchPolicy(max_bytes=2048, trust_env=False)) as fetcher:
        with pytest.raises(ResponseTooLargeError):
            fetcher.fetch(str(path), now=NOW)
        path.write_bytes(b"x" * 2048)
        assert fetcher.fetch(str(path), now=NOW).bytes == 2048


def test_a_missing_file_is_a_file_read_error(fetcher: Fetcher, tmp_path: Path) -> None:
    url = (tmp_path / "missing.xml").as_uri()
    with pytest.raises(FileReadError, match="No such file") as caught:
        fetcher.fetch(url, now=NOW)
    assert caught.value.kind == "file"
    assert isinstance(caught.value.__cause__, FileNotFoundError)


def test_a_file_url_on_another_host_is_refused(fetcher: Fetcher) -> None:
    with pytest.raises(BadURLError, match="another host"):
        fetcher.fetch("file://fileserver/share/feed.xml", now=NOW)


def test_a_hanging_server_past_the_total_deadline_is_a_deadline_error(
    feed_server: FeedServer,
) -> None:
    policy = FetchPolicy(read_timeout=5.0, total_timeout=0.4, trust_env=False)
    started = time.monotonic()
    with Fetcher(policy) as fetcher, pytest.raises(FetchTimeoutError) as caught:
        fetcher.fetch(feed_server.url("/hang"), now=NOW)
    assert caught.value.kind == "deadline"
    assert time.monotonic() - started < 1.5


# -- a fake transport, for what no local server can show ------------------------------------


def test_redirects_across_hosts_with_relative_locations() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == "https://old.example/feeds/main":
            return httpx.Response(301, headers={"Location": "https://new.example/a/b"})
        if url == "https://new.example/a/b":
            return httpx.Response(308, headers={"Location": "../rss.xml"})
        if url == "https://new.example/rss.xml":
            assert request.headers["If-None-Match"] == '"v1"'
            return httpx.Response(200, content=b"<rss/>", headers={"ETag": '"v2"'})
        return httpx.Response(404)

    with Fetcher(FAST, transport=httpx.MockTransport(answer)) as fetcher:
        result = fetcher.fetch("https://old.example/feeds/main", etag='"v1"', now=NOW)
    assert result.content == b"<rss/>"
    assert result.final_url == result.permanent_url == "https://new.example/rss.xml"
    assert result.etag == '"v2"'


def test_see_other_is_followed_but_does_not_move_the_feed() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/feed":
            return httpx.Response(303, headers={"Location": "/elsewhere"})
        return httpx.Response(200, content=b"<rss/>")

    with Fetcher(FAST, transport=httpx.MockTransport(answer)) as fetcher:
        result = fetcher.fetch("http://x.example/feed", now=NOW)
    assert (result.final_url, result.permanent_url) == ("http://x.example/elsewhere", None)


def test_streamed_fake_responses_go_through_the_capped_decoder() -> None:
    body = gzip.compress(b"<rss>" + b" " * 5000 + b"</rss>")

    def answer(request: httpx.Request) -> httpx.Response:
        # An iterator is streamed, like a network response; bytes would arrive pre-read.
        return httpx.Response(200, content=iter([body]), headers={"Content-Encoding": "gzip"})

    policy = FetchPolicy(max_bytes=4000, trust_env=False)
    with (
        Fetcher(policy, transport=httpx.MockTransport(answer)) as fetcher,
        pytest.raises(ResponseTooLargeError),
    ):
        fetcher.fetch("http://x.example/feed", now=NOW)
    with Fetcher(FAST, transport=httpx.MockTransport(answer)) as fetcher:
        assert fetcher.fetch("http://x.example/feed", now=NOW).bytes == 5011


# -- the error tree -----------------------------------------------------------------------


def test_fetch_errors_pickle_with_their_fields() -> None:
    error = RetryLaterError(
        "HTTP 503", url="https://example.com/feed", http_status=503, retry_after=NOW
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is RetryLaterError
    assert (copy.url, copy.http_status, copy.retry_after, copy.kind) == (
        error.url,
        503,
        NOW,
        "retry_later",
    )
    assert str(copy) == str(error) == "https://example.com/feed: HTTP 503"
    assert isinstance(copy, HTTPStatusError | FetchError | MonitorError)


# -- Retry-After and Cache-Control ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", NOW + timedelta(seconds=120)),
        (" 0 ", NOW),
        ("Wed, 21 Oct 2015 07:28:00 GMT", datetime(2015, 10, 21, 7, 28, tzinfo=UTC)),
        ("Wed, 21 Oct 2015 09:28:00 +0200", datetime(2015, 10, 21, 7, 28, tzinfo=UTC)),
        ("Wed, 21 Oct 2015 07:28:00 -0000", datetime(2015, 10, 21, 7, 28, tzinfo=UTC)),
        ("Tue, 20 Oct 2015 07:28:00 GMT", NOW),  # in the past: now
        ("99999999999", NOW + MAX_RETRY_AFTER),
        ("Fri, 31 Dec 9999 23:59:59 GMT", NOW + MAX_RETRY_AFTER),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: datetime | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_retry_after("10", now=datetime(2015, 10, 21, 7, 0))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=900", 900),
        ("public, max-age=60, must-revalidate", 60),
        ('max-age="30"', 30),
        ("no-cache", None),
        ("max-age=-1", None),
        ("max-age=soon", None),
        ("max-age=99999999999999999999", 30 * 86400),  # bounded like Retry-After
        (None, None),
    ],
)
def test_parse_cache_max_age(value: str | None, expected: int | None) -> None:
    assert parse_cache_max_age(value) == expected


def test_retry_after_is_relative_to_the_injected_now(feed_server: FeedServer) -> None:
    later = NOW + timedelta(days=400)
    with Fetcher(FAST) as fetcher, pytest.raises(RetryLaterError) as caught:
        fetcher.fetch(feed_server.url("/retry/429"), now=later)
    assert caught.value.retry_after == later + timedelta(seconds=RETRY_AFTER_SECONDS)


# -- cookies ------------------------------------------------------------------------------


def test_a_cookie_set_on_a_redirect_is_sent_to_its_target(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    # Some sites set a cookie, redirect, and serve the feed only to a client sending it back.
    target = feed_server.add_route("/cookie/feed", seed_feed())
    feed_server.add_route(
        "/cookie/start",
        status=302,
        headers={"Location": target, "Set-Cookie": "consent=yes; Path=/"},
    )
    result = fetcher.fetch(feed_server.url("/cookie/start"), now=NOW)
    assert result.final_url == target
    assert feed_server.requests("/cookie/feed")[-1].get("cookie") == "consent=yes"


def test_a_cookie_set_by_a_feed_comes_back_on_its_next_poll_only(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    feed_server.add_route("/cookie/plain", seed_feed())
    feed_server.add_route(
        "/cookie/setter", seed_feed(), headers={"Set-Cookie": "session=abc; Path=/cookie/setter"}
    )
    fetcher.fetch(feed_server.url("/cookie/plain"), now=NOW)
    fetcher.fetch(feed_server.url("/cookie/setter"), now=NOW)
    fetcher.fetch(feed_server.url("/cookie/setter"), now=NOW)
    fetcher.fetch(feed_server.url("/cookie/plain"), now=NOW)
    assert [r.get("cookie") for r in feed_server.requests("/cookie/setter")] == [
        None,
        "session=abc",
    ]
    assert [r.get("cookie") for r in feed_server.requests("/cookie/plain")] == [None, None]


def test_a_proxy_named_by_the_environment_carries_requests_and_cookies(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The feed server stands in for the proxy: it sees the absolute URL of each request.
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", feed_server.base_url)
    feed = "http://feeds.example.invalid/proxied"
    feed_server.add_route(feed, seed_feed(), headers={"Set-Cookie": "session=abc; Path=/"})
    with Fetcher(FetchPolicy(connect_timeout=1.0, read_timeout=1.0, trust_env=True)) as fetcher:
        first = fetcher.fetch(feed, now=NOW)
        fetcher.fetch(feed, now=NOW)
    assert first.status == 200 and first.content == seed_feed()
    assert [r.get("cookie") for r in feed_server.requests(feed)] == [None, "session=abc"]


def test_credentials_in_the_url_are_sent_as_basic_auth(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    feed_server.add_route("/private", seed_feed())
    url = feed_server.url("/private").replace("http://", "http://reader:s%C3%A9cret%40x@")
    assert fetcher.fetch(url, now=NOW).status == 200
    sent = feed_server.requests("/private")[-1]["authorization"]
    assert sent == "Basic " + base64.b64encode("reader:sécret@x".encode()).decode()
    fetcher.fetch(feed_server.url("/private"), now=NOW)
    assert "authorization" not in feed_server.requests("/private")[-1]


def test_a_closed_fetcher_fetches_nothing(feed_server: FeedServer) -> None:
    fetcher = Fetcher(FAST)
    fetcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        fetcher.fetch(feed_server.url("/feed"), now=NOW)
    assert feed_server.hits("/feed") == 0


def test_hosts_in_no_proxy_are_reached_directly(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:  # a port nothing listens on: a proxy there would fail
        closed.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    feed_server.add_route("/not-proxied", seed_feed())
    with Fetcher(FetchPolicy(connect_timeout=1.0, read_timeout=1.0, trust_env=True)) as fetcher:
        assert fetcher.fetch(feed_server.url("/not-proxied"), now=NOW).status == 200
        with pytest.raises(ConnectError):  # while other hosts do go to the (dead) proxy
            fetcher.fetch("http://feeds.example.invalid/elsewhere", now=NOW)


def test_without_a_proxy_requests_skip_the_client_and_keep_its_behaviour(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    feed_server.add_route("/direct", seed_feed(), headers={"ETag": '"v1"'})
    with Fetcher(FetchPolicy(trust_env=True)) as fetcher:
        result = fetcher.fetch(feed_server.url("/direct"), now=NOW)
    assert result.status == 200 and result.etag == '"v1"' and result.content == seed_feed()
    sent = feed_server.requests("/direct")[-1]
    assert sent["user-agent"].startswith("escalation-monitor/")
    assert "gzip" in sent["accept-encoding"] and "rss" in sent["accept"]


# -- TLS -------------------------------------------------------------------------------------


def test_https_urls_go_through_a_verifying_tls_transport_made_when_first_needed(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    transport = fetcher._client._transport
    fetcher.fetch(feed_server.url("/feed"), now=NOW)
    assert transport._tls is None  # plain HTTP read no CA bundle
    # The feed server speaks plain HTTP: a TLS handshake with it fails, as it must.
    with pytest.raises(ConnectError):
        fetcher.fetch(feed_server.url("/feed").replace("http://", "https://"), now=NOW)
    assert transport._tls is not None
    assert fetcher.fetch(feed_server.url("/feed"), now=NOW).status == 200
