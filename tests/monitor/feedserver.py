"""A real HTTP server on 127.0.0.1 that serves feeds and misbehaves on request.

``FeedServer`` is a threaded ``http.server`` on a random free port, started and
stopped as a context manager (the ``feed_server`` fixture in ``conftest.py``).
It comes with the routes in :data:`STANDARD_ROUTES` (a healthy feed with
validators, slow, trickling, hanging and resetting servers, error statuses,
redirect chains, broken and hostile documents, charset traps) and takes more at
run time::

    feed_server.add_route("/mine", body=b"<rss/>", status=200, headers={...}, delay=0.2)
    feed_server.add_handler("/custom", lambda exchange: exchange.send(200, b"..."))

Every request is counted per path (``hits``) and its headers kept (``requests``).
Every loop that waits or streams is bounded and wakes when the server stops, so a
test that forgets a client never hangs the suite.
"""

from __future__ import annotations

import gzip
import http.server
import io
import socket
import struct
import sys
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from xml.sax.saxutils import escape

SEED_FEED = Path(__file__).resolve().parents[2] / "seeds" / "feed.xml"

FEED_ETAG = '"seed-feed-v1"'
FEED_LAST_MODIFIED = "Mon, 29 May 2023 10:00:00 GMT"
RETRY_AFTER_SECONDS = 120
RETRY_AFTER_DATE = "Wed, 21 Oct 2015 07:28:00 GMT"
HUGE_SIZE = 11 * 1024 * 1024  # over the default 10 MiB cap
BOMB_SIZE = 64 * 1024 * 1024  # decoded size of the gzip bomb
TRICKLE_MAX_BYTES = 300  # a trickle ends by itself after this many seconds
HANG_MAX_SECONDS = 60.0
SECRET_PATH = "/secret"
# What the ``secret_file`` fixture holds: hostile feeds try to pull it into their text.
SECRET = "TOP-SECRET-7f3a9c-never-in-output"

Handler = Callable[["Exchange"], None]


@dataclass(frozen=True, slots=True)
class Route:
    """A fixed answer: status, body, headers, and a delay before answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Exchange:
    """One request and the means to answer it; handed to custom handlers."""

    def __init__(self, handler: _RequestHandler, server: FeedServer) -> None:
        self._handler = handler
        self.server = server
        self.path = handler.path.split("?", 1)[0]
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        self.count = server.hits(self.path)  # this request's number on this path, from 1

    @property
    def stopping(self) -> threading.Event:
        return self.server.stopping

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """A complete response with Content-Length."""
        handler = self._handler
        handler.send_response(status)
        merged = {"Content-Length": str(len(body)), **(headers or {})}
        for name, value in merged.items():
            handler.send_header(name, value)
        handler.end_headers()
        if body:
            handler.wfile.write(body)

    def start_stream(self, status: int, headers: dict[str, str] | None = None) -> None:
        """Headers only, then :meth:`write` the body. Without a Content-Length or
        Transfer-Encoding header the body ends when the connection closes."""
        handler = self._handler
        handler.close_connection = True
        handler.send_response(status)
        for name, value in {"Connection": "close", **(headers or {})}.items():
            handler.send_header(name, value)
        handler.end_headers()

    def write(self, data: bytes) -> bool:
        """Write part of a streamed body; False once the client has gone."""
        try:
            self._handler.wfile.write(data)
            self._handler.wfile.flush()
        except OSError:
            return False
        return True

    def wait(self, seconds: float) -> bool:
        """Sleep, waking early when the server stops; True if it is stopping."""
        return self.server.stopping.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP RST instead of an answer."""
        connection = self._handler.connection
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._handler.close_connection = True
        connection.close()


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def do_GET(self) -> None:
        self.server.feed_server._dispatch(self)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = False  # joined on close, so every handler is known to have ended
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, feed_server: FeedServer) -> None:
        self.feed_server = feed_server
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _RequestHandler)

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self.sockets_lock:
            self.open_sockets.add(request)
        try:
            super().process_request_thread(request, client_address)  # type: ignore[misc]
        finally:
            with self.sockets_lock:
                self.open_sockets.discard(request)

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return  # the client gave up first: expected with timeouts and caps
        self.feed_server.errors.append(error)
        super().handle_error(request, client_address)

    def close_open_sockets(self) -> None:
        # Idle keep-alive connections block their handler thread in readline().
        with self.sockets_lock:
            for sock in list(self.open_sockets):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class FeedServer:
    """Serves :data:`STANDARD_ROUTES` plus whatever a test registers."""

    def __init__(
        self, *, secret_file: Path | None = None, slow_delay: float = 2.0, standard: bool = True
    ) -> None:
        self.secret_file = secret_file
        self.slow_delay = slow_delay
        self.stopping = threading.Event()
        self.errors: list[BaseException | None] = []  # handler bugs, for tests to assert on
        self._routes: dict[str, Route | Handler] = {}
        self._hits: dict[str, int] = defaultdict(int)
        self._requests: dict[str, list[dict[str, str]]] = defaultdict(list)
        self._lock = threading.Lock()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        if standard:
            for path, handler in STANDARD_ROUTES.items():
                self._routes[path] = handler

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> FeedServer:
        self._server = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.stopping.set()
        self._server.shutdown()
        self._server.close_open_sockets()
        self._server.server_close()  # joins the handler threads
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- routes -----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add_route(
        self,
        path: str,
        body: bytes = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> str:
        """Serve fixed bytes at ``path``; returns the full URL."""
        self._routes[path] = Route(
            status=status, body=body, headers=dict(headers or {}), delay=delay
        )
        return self.url(path) if self._server is not None else path

    def add_handler(self, path: str, handler: Handler) -> str:
        """Let ``handler`` answer requests for ``path``; returns the full URL."""
        self._routes[path] = handler
        return self.url(path) if self._server is not None else path

    def hits(self, path: str) -> int:
        with self._lock:
            return self._hits[path]

    def requests(self, path: str) -> list[dict[str, str]]:
        """The (lower-cased) headers of every request to ``path``, in order."""
        with self._lock:
            return [dict(h) for h in self._requests[path]]

    def _dispatch(self, handler: _RequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        with self._lock:
            self._hits[path] += 1
            self._requests[path].append({k.lower(): v for k, v in handler.headers.items()})
        exchange = Exchange(handler, self)
        route = self._routes.get(path)
        if route is None:
            exchange.send(404, b"not found", {"Content-Type": "text/plain"})
        elif isinstance(route, Route):
            if route.delay and exchange.wait(route.delay):
                return
            exchange.send(route.status, route.body, route.headers)
        else:
            route(exchange)


# -- documents --------------------------------------------------------------------------


def seed_feed() -> bytes:
    return SEED_FEED.read_bytes()


def rss(
    items: list[tuple[str | None, str, str]],
    *,
    encoding: str | None = "utf-8",
    links: str = "https://news.example/story/",
) -> str:
    """A small RSS 2.0 document; items are (guid, title, html description)."""
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>\n' if encoding else ""
    entries = "".join(
        "<item>"
        + (f'<guid isPermaLink="false">{escape(guid)}</guid>' if guid else "")
        + f"<title>{escape(title)}</title>"
        + f"<link>{links}{index}</link>"
        + f"<description>{escape(body)}</description>"
        + "<pubDate>Mon, 29 May 2023 10:00:00 +0000</pubDate>"
        + "</item>\n"
        for index, (guid, title, body) in enumerate(items)
    )
    return (
        f'{declaration}<rss version="2.0"><channel><title>Test feed</title>'
        f"<link>https://news.example/</link>\n{entries}</channel></rss>\n"
    )


LATIN1_TITLE = "Crise au Kosovo : la tension monte à Mitrovica"
LATIN1_BODY = (
    "Les négociations ont échoué, déclare le représentant européen. "
    "Señor Müller répète « non » à l'accord ; la police reste déployée."
)
CP1250_TITLE = "Barikade na severu Kosova, Srbija u pripravnosti"
CP1250_BODY = (
    "Građani su podigli barikade kod Zvečana i Leposavića. "
    "Premijer Kurti je rekao da će specijalna policija ostati na prelazima Jarinje i Brnjak."
)
CYRILLIC_TITLE = "Барикаде на северу Косова, Србија у приправности"
CYRILLIC_BODY = (
    "Грађани су подигли барикаде код Звечана и Лепосавића. "
    "Премијер Курти је рекао да ће специјална полиција остати на прелазима Јариње и Брњак."
)


def _charset_route(
    name: str,
    item: tuple[str, str, str],
    *,
    declared: str | None,
    codec: str,
    content_type: str,
    bom: bytes = b"",
) -> Route:
    """One item encoded with ``codec``, its XML declaring ``declared``; links unique to ``name``."""
    text = rss([item], encoding=declared, links=f"https://news.example/{name}/")
    return Route(body=bom + text.encode(codec), headers={"Content-Type": content_type})


def _gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


_bomb_cache: dict[int, bytes] = {}


def gzip_bomb(size: int = BOMB_SIZE) -> bytes:
    """Gzip of ``size`` zero bytes (about 1/1000 of it), built once per size."""
    if size not in _bomb_cache:
        out = io.BytesIO()
        with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as handle:
            block = bytes(1024 * 1024)
            for _ in range(size // len(block)):
                handle.write(block)
        _bomb_cache[size] = out.getvalue()
    return _bomb_cache[size]


def entity_bomb() -> bytes:
    """The classic billion laughs: ``&lol9;`` would expand to 10**9 "lol"s."""
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE rss [", ' <!ENTITY lol "lol">']
    for level in range(1, 10):
        ref = f"&lol{level - 1};" if level > 1 else "&lol;"
        lines.append(f' <!ENTITY lol{level} "{ref * 10}">')
    lines.append("]>")
    lines.append(
        '<rss version="2.0"><channel><title>Bomb &lol9;</title>'
        "<item><guid>bomb-1</guid><title>Laughs &lol9;</title>"
        "<description>Payload &lol9; end</description></item></channel></rss>"
    )
    return "\n".join(lines).encode()


def external_entity(system_id: str, *, one_line: bool = False) -> bytes:
    """A feed whose entity ``&xxe;`` names an external resource (file or URL)."""
    subset = f'<!ENTITY xxe SYSTEM "{system_id}">'
    newline = "" if one_line else "\n"
    return (
        f'<?xml version="1.0"?>{newline}<!DOCTYPE rss [{newline}{subset}{newline}]>\n'
        '<rss version="2.0"><channel><title>Feed &xxe;</title>'
        "<item><guid>xxe-1</guid><title>Title &xxe;</title>"
        "<description>Body &xxe; end</description></item></channel></rss>"
    ).encode()


# -- handlers ---------------------------------------------------------------------------

XML = {"Content-Type": "application/rss+xml; charset=utf-8"}


def healthy_feed(exchange: Exchange) -> None:
    """The seed feed with validators; 304 when the client already has it."""
    validators = {"ETag": FEED_ETAG, "Last-Modified": FEED_LAST_MODIFIED}
    if (
        exchange.headers.get("if-none-match") == FEED_ETAG
        or exchange.headers.get("if-modified-since") == FEED_LAST_MODIFIED
    ):
        exchange.send(304, b"", {**validators, "Content-Length": "0"})
        return
    exchange.send(200, seed_feed(), {**XML, **validators, "Cache-Control": "max-age=900"})


def slow(exchange: Exchange) -> None:
    if exchange.wait(exchange.server.slow_delay):
        return
    exchange.send(200, seed_feed(), XML)


def trickle(exchange: Exchange) -> None:
    """A 200 whose body arrives one byte a second, until the client gives up."""
    exchange.start_stream(200, XML)
    payload = b'<?xml version="1.0"?><rss version="2.0"><channel>' + b" " * TRICKLE_MAX_BYTES
    for byte in payload[:TRICKLE_MAX_BYTES]:
        if not exchange.write(bytes([byte])) or exchange.wait(1.0):
            return


def hang(exchange: Exchange) -> None:
    """Accept the request and never answer."""
    exchange.wait(HANG_MAX_SECONDS)


def reset(exchange: Exchange) -> None:
    exchange.reset()


def close_mid_body(exchange: Exchange) -> None:
    """Promise 10 000 bytes, send 100, hang up."""
    exchange.start_stream(200, {**XML, "Content-Length": "10000"})
    exchange.write(seed_feed()[:100])


def huge(exchange: Exchange) -> None:
    """An endless-looking body: HUGE_SIZE bytes, chunked, no Content-Length."""
    exchange.start_stream(200, {**XML, "Transfer-Encoding": "chunked"})
    block = b"<!-- padding -->" * 4096  # 64 KiB
    for _ in range(HUGE_SIZE // len(block)):
        if not exchange.write(b"%x\r\n%s\r\n" % (len(block), block)) or exchange.stopping.is_set():
            return
    exchange.write(b"0\r\n\r\n")


def huge_declared(exchange: Exchange) -> None:
    """Content-Length over the cap up front; the body never has to be read."""
    exchange.start_stream(200, {**XML, "Content-Length": str(HUGE_SIZE)})
    block = b" " * 65536
    for _ in range(HUGE_SIZE // len(block)):
        if not exchange.write(block) or exchange.stopping.is_set():
            return


def gzip_bomb_route(exchange: Exchange) -> None:
    exchange.send(200, gzip_bomb(), {**XML, "Content-Encoding": "gzip"})


def redirect_to(target: str, status: int) -> Handler:
    def handler(exchange: Exchange) -> None:
        exchange.send(status, b"", {"Location": target})

    return handler


def retry_503(exchange: Exchange) -> None:
    exchange.send(503, b"busy", {"Retry-After": RETRY_AFTER_DATE, "Content-Type": "text/plain"})


def changing_guids(exchange: Exchange) -> None:
    """Same stories, new GUIDs on every request (a real publisher bug)."""
    n = exchange.count
    items = [
        (f"run{n}-story-a", "Police raid in the north", "<p>Police raided a warehouse.</p>"),
        (f"run{n}-story-b", "Talks collapse", "<p>The talks in Brussels collapsed.</p>"),
    ]
    exchange.send(200, rss(items).encode(), XML)


def xxe_file(exchange: Exchange) -> None:
    secret = exchange.server.secret_file
    if secret is None:
        exchange.send(500, b"no secret file configured")
        return
    exchange.send(200, external_entity(secret.as_uri()), XML)


def xxe_file_one_line(exchange: Exchange) -> None:
    secret = exchange.server.secret_file
    if secret is None:
        exchange.send(500, b"no secret file configured")
        return
    exchange.send(200, external_entity(secret.as_uri(), one_line=True), XML)


def xxe_http(exchange: Exchange) -> None:
    """An entity pointing back at this server: a hit on SECRET_PATH means it was fetched."""
    exchange.send(200, external_entity(exchange.server.url(SECRET_PATH)), XML)


def secret(exchange: Exchange) -> None:
    exchange.send(200, b"SERVER-SIDE-SECRET", {"Content-Type": "text/plain"})


MALFORMED = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Broken & co'
    b"</title>\n<item><guid>m-1</guid><title>Shots fired near the border</title>"
    b"<description>Police said <b>two</b> officers were hurt & one arrested"
    b"</description></item>\n<item><guid>m-2</guid><title>Talks resume"
    b"<description>Envoys met again.</description></item>\n</channel>"
)
NOT_A_FEED = b'<?xml version="1.0"?>\n<config><setting name="a">1</setting></config>\n'
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>News</title></head><body><h1>Latest news</h1>"
    b"<p>Our feed moved.</p><a href='/rss'>RSS</a></body></html>"
)
JSON_DOCUMENT = b'{"version": "https://jsonfeed.org/version/1.1", "items": []}'
DUPLICATE_GUIDS = rss(
    [
        ("dup-1", "Barricades go up in Zvecan", "<p>Newest version of the story.</p>"),
        ("other", "Unrelated story", "<p>Something else.</p>"),
        ("dup-1", "Barricades go up in Zvecan (old)", "<p>Older version of the story.</p>"),
    ]
).encode()

STANDARD_ROUTES: dict[str, Route | Handler] = {
    "/feed": healthy_feed,
    "/slow": slow,
    "/trickle": trickle,
    "/hang": hang,
    "/reset": reset,
    "/close-mid-body": close_mid_body,
    "/error/500": Route(status=500, body=b"boom", headers={"Content-Type": "text/plain"}),
    "/error/404": Route(status=404, body=b"missing", headers={"Content-Type": "text/plain"}),
    "/retry/429": Route(
        status=429, body=b"slow down", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    ),
    "/retry/503": retry_503,
    "/gone": Route(status=410, body=b"gone"),
    "/redirect/301": redirect_to("/feed", 301),
    "/redirect/302": redirect_to("/feed", 302),
    "/redirect/307": redirect_to("/feed", 307),
    "/redirect/308": redirect_to("/feed", 308),
    "/chain/permanent": redirect_to("/chain/permanent/2", 301),
    "/chain/permanent/2": redirect_to("/feed", 308),
    "/chain/mixed": redirect_to("/chain/mixed/2", 301),
    "/chain/mixed/2": redirect_to("/feed", 302),
    "/redirect/loop": redirect_to("/redirect/loop", 302),
    "/redirect/file": redirect_to("file:///etc/passwd", 302),
    "/redirect/no-location": Route(status=302),
    "/malformed": Route(body=MALFORMED, headers=XML),
    "/not-a-feed": Route(body=NOT_A_FEED, headers={"Content-Type": "application/xml"}),
    "/html": Route(body=HTML_PAGE, headers={"Content-Type": "text/html; charset=utf-8"}),
    "/json": Route(body=JSON_DOCUMENT, headers={"Content-Type": "application/json"}),
    "/gzip": Route(body=_gzip_bytes(seed_feed()), headers={**XML, "Content-Encoding": "gzip"}),
    "/deflate": Route(
        body=zlib.compress(seed_feed()), headers={**XML, "Content-Encoding": "deflate"}
    ),
    "/corrupt-gzip": Route(
        body=_gzip_bytes(seed_feed())[:40] + b"\x00garbage" * 20,
        headers={**XML, "Content-Encoding": "gzip"},
    ),
    "/huge": huge,
    "/huge-declared": huge_declared,
    "/gzip-bomb": gzip_bomb_route,
    "/charset/latin1": _charset_route(
        "latin1",
        ("l1", LATIN1_TITLE, LATIN1_BODY),
        declared="ISO-8859-1",
        codec="latin-1",
        content_type="application/rss+xml; charset=ISO-8859-1",
    ),
    "/charset/latin1-as-utf8": _charset_route(
        "latin1-as-utf8",
        ("l1", LATIN1_TITLE, LATIN1_BODY),
        declared="utf-8",
        codec="latin-1",
        content_type="application/rss+xml; charset=utf-8",
    ),
    "/charset/utf8-bom": _charset_route(
        "utf8-bom",
        ("bom", CYRILLIC_TITLE, CYRILLIC_BODY),
        declared=None,
        codec="utf-8",
        bom=b"\xef\xbb\xbf",
        # text/xml without a charset means us-ascii by RFC 3023: the BOM must win.
        content_type="text/xml",
    ),
    "/charset/utf8-cyrillic": _charset_route(
        "utf8-cyrillic",
        ("cy", CYRILLIC_TITLE, CYRILLIC_BODY),
        declared="utf-8",
        codec="utf-8",
        # A server default contradicting the document.
        content_type="application/rss+xml; charset=ISO-8859-1",
    ),
    "/charset/cp1251": _charset_route(
        "cp1251",
        ("w1251", CYRILLIC_TITLE, CYRILLIC_BODY),
        declared="windows-1251",
        codec="cp1251",
        content_type="application/rss+xml",
    ),
    "/charset/cp1251-undeclared": _charset_route(
        "cp1251-undeclared",
        ("w1251", CYRILLIC_TITLE, CYRILLIC_BODY),
        declared=None,
        codec="cp1251",
        content_type="application/rss+xml",
    ),
    "/charset/cp1251-as-latin1": _charset_route(
        "cp1251-as-latin1",
        ("w1251", CYRILLIC_TITLE, CYRILLIC_BODY),
        declared="windows-1251",
        codec="cp1251",
        content_type="application/rss+xml; charset=ISO-8859-1",
    ),
    "/charset/cp1250": _charset_route(
        "cp1250",
        ("w1250", CP1250_TITLE, CP1250_BODY),
        declared="windows-1250",
        codec="cp1250",
        content_type="application/rss+xml; charset=windows-1250",
    ),
    "/entity-bomb": Route(body=entity_bomb(), headers=XML),
    "/xxe/file": xxe_file,
    "/xxe/file-one-line": xxe_file_one_line,
    "/xxe/http": xxe_http,
    SECRET_PATH: secret,
    "/duplicate-guids": Route(body=DUPLICATE_GUIDS, headers=XML),
    "/changing-guids": changing_guids,
}


@contextmanager
def unresponsive_listener() -> Iterator[str]:
    """A base URL on 127.0.0.1 whose accept queue is full: connecting times out.

    The socket listens with a backlog of 0 and never accepts; a few connections
    fill the queue, after which the kernel drops new SYNs.
    """
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        for _ in range(3):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in fillers:
            filler.close()
        server.close()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connection refused."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}/feed"
