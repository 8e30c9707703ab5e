"""A fast feed server on 127.0.0.1: N feeds of M news items, with conditional GET.

Every feed body is rendered once at start (items from :mod:`bench.corpus`, each
feed with its own items) and kept in memory with a gzip copy, an ETag and a
Last-Modified date. The server is a bare asyncio protocol speaking just enough
HTTP/1.1 for feed readers: keep-alive and pipelining, ``GET`` and ``HEAD``,
``If-None-Match`` / ``If-Modified-Since`` answered with ``304``, and gzip when
the client accepts it. Serving a feed costs one dictionary look-up and one
socket write, so the server stays a small share of the CPU next to the
clients being measured.

Run it as its own process (so it never competes for the client's GIL)::

    .venv/bin/python -m bench.feedfarm --feeds 1000 --items 20

It prints ``READY http://127.0.0.1:PORT`` once it accepts connections. Paths:

- ``/feeds/<n>.xml`` for ``n`` in ``0 .. feeds-1``;
- ``/stats`` a JSON object counting the answers by status since the last reset;
- ``/reset`` sets the counters to zero (and answers the counters it had).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import signal
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from bench.corpus import build_corpus, render_rss

HOST = "127.0.0.1"
# Requests larger than this (headers) are refused: the clients are ours, but a
# bound keeps a confused client from growing the buffer without end.
MAX_HEAD = 16 * 1024
LAST_MODIFIED = datetime(2023, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FeedBody:
    body: bytes
    gzipped: bytes
    etag: str
    last_modified: str
    modified_at: datetime


def feed_path(index: int) -> str:
    return f"/feeds/{index}.xml"


BODIES = ("summary", "full")


def build_feeds(feeds: int, items: int, *, seed: int = 0, body: str = "summary") -> list[FeedBody]:
    """``feeds`` RSS bodies of ``items`` distinct corpus items each; same seed, same bodies.

    ``body`` "summary": each item carries a summary, as most news feeds do;
    "full": the whole article too, in ``content:encoded``.
    """
    if body not in BODIES:
        raise ValueError(f"body must be one of {', '.join(BODIES)}, not {body!r}")
    corpus = build_corpus(feeds * items, seed=seed)
    bodies: list[FeedBody] = []
    for index in range(feeds):
        rss = render_rss(
            corpus[index * items : (index + 1) * items],
            title=f"Bench feed {index}",
            full_text=body == "full",
        )
        # Feeds change at different times, as on the web.
        modified_at = LAST_MODIFIED + timedelta(minutes=index)
        bodies.append(
            FeedBody(
                body=rss,
                gzipped=gzip.compress(rss, compresslevel=6, mtime=0),
                etag='"' + hashlib.sha1(rss).hexdigest()[:20] + '"',
                last_modified=format_datetime(modified_at, usegmt=True),
                modified_at=modified_at,
            )
        )
    return bodies


def _response(status: str, headers: Sequence[tuple[str, str]], body: bytes, head: bool) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head else body)


def _not_modified(feed: FeedBody, headers: dict[str, str]) -> bool:
    """RFC 9110: If-None-Match decides when present; otherwise If-Modified-Since."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or feed.etag in tags
    since = headers.get("if-modified-since")
    if since:
        try:
            return parsedate_to_datetime(since) >= feed.modified_at
        except (TypeError, ValueError):
            return False
    return False


class FeedFarm:
    """The feeds and the counters; answers one parsed request with response bytes."""

    def __init__(self, feeds: list[FeedBody]) -> None:
        self.feeds = feeds
        self.counts: Counter[str] = Counter()

    def answer(self, method: str, target: str, headers: dict[str, str]) -> bytes:
        head = method == "HEAD"
        if method not in ("GET", "HEAD"):
            return self._plain("405 Method Not Allowed", "method not allowed\n", head)
        path = target.split("?", 1)[0]
        if path.startswith("/feeds/") and path.endswith(".xml"):
            number = path[len("/feeds/") : -len(".xml")]
            if number.isdigit() and int(number) < len(self.feeds):
                return self._feed(self.feeds[int(number)], headers, head)
        elif path == "/stats":
            return self._json(dict(self.counts), head)
        elif path == "/reset":
            counts, self.counts = dict(self.counts), Counter()
            return self._json(counts, head)
        return self._plain("404 Not Found", "no such feed\n", head)

    def _feed(self, feed: FeedBody, headers: dict[str, str], head: bool) -> bytes:
        validators = [("ETag", feed.etag), ("Last-Modified", feed.last_modified)]
        if _not_modified(feed, headers):
            self.counts["304"] += 1
            return _response("304 Not Modified", validators, b"", head=True)
        self.counts["200"] += 1
        fields = [("Content-Type", "application/rss+xml; charset=utf-8"), *validators]
        if "gzip" in headers.get("accept-encoding", ""):
            self.counts["gzip"] += 1
            return _response("200 OK", [*fields, ("Content-Encoding", "gzip")], feed.gzipped, head)
        return _response("200 OK", fields, feed.body, head)

    def _plain(self, status: str, text: str, head: bool) -> bytes:
        self.counts[status.split()[0]] += 1
        return _response(status, [("Content-Type", "text/plain")], text.encode(), head)

    def _json(self, data: object, head: bool) -> bytes:
        body = json.dumps(data).encode()
        return _response("200 OK", [("Content-Type", "application/json")], body, head)


class _Connection(asyncio.Protocol):
    def __init__(self, farm: FeedFarm) -> None:
        self.farm = farm
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self.transport.close()
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            keep_alive = self._serve(head)
            if not keep_alive:
                self.transport.close()
                return

    def _serve(self, head: bytes) -> bool:
        """Answer one request (bodies are not expected: GET and HEAD only)."""
        assert self.transport is not None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split()
        if len(parts) != 3:
            self.transport.write(_response("400 Bad Request", [], b"", head=False))
            return False
        method, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self.transport.write(self.farm.answer(method, target, headers))
        connection = headers.get("connection", "").lower()
        if version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


async def serve(farm: FeedFarm, port: int, announce: bool = True) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(farm), HOST, port, backlog=1024)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    bound = server.sockets[0].getsockname()[1]
    if announce:
        print(f"READY http://{HOST}:{bound}", flush=True)
    async with server:
        await stop.wait()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.feedfarm", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--feeds", type=int, default=1000, help="number of feeds (default 1000)")
    parser.add_argument("--items", type=int, default=20, help="items per feed (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any)")
    parser.add_argument(
        "--body", choices=BODIES, default="summary", help="what each item carries (default summary)"
    )
    args = parser.parse_args(argv)
    if args.feeds < 1 or args.items < 1:
        parser.error("--feeds and --items must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    farm = FeedFarm(build_feeds(args.feeds, args.items, seed=args.seed, body=args.body))
    size = sum(len(feed.body) for feed in farm.feeds)
    print(
        f"{args.feeds} feeds x {args.items} items ({args.body}), {size / 1e6:.1f} MB of RSS",
        file=sys.stderr,
        flush=True,
    )
    asyncio.run(serve(farm, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
