"""Connections are reused: a poll of feeds that answer 304 opens one connection per host."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monitor.fetch import Fetcher, FetchPolicy

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ETAG = '"v1"'
BODY = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as every real feed server speaks
    connections: list[int]

    def setup(self) -> None:
        super().setup()
        self.server.connections.append(1)  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/feed")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.headers.get("If-None-Match") == ETAG:
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("ETag", ETAG)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.connections = []  # type: ignore[attr-defined]
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_not_modified_answers_keep_the_connection(server: ThreadingHTTPServer) -> None:
    with Fetcher(FetchPolicy(trust_env=False)) as fetcher:
        first = fetcher.fetch(_url(server, "/feed"), now=NOW)
        assert first.content == BODY
        for _ in range(10):
            result = fetcher.fetch(_url(server, "/feed"), etag=first.etag, now=NOW)
            assert result.not_modified
    assert len(server.connections) == 1  # type: ignore[attr-defined]


def test_an_empty_redirect_keeps_the_connection(server: ThreadingHTTPServer) -> None:
    with Fetcher(FetchPolicy(trust_env=False)) as fetcher:
        for _ in range(3):
            result = fetcher.fetch(_url(server, "/moved"), etag=ETAG, now=NOW)
            assert result.not_modified
            assert result.permanent_url == _url(server, "/feed")
    assert len(server.connections) == 1  # type: ignore[attr-defined]
