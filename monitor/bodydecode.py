"""Undo Content-Encoding (gzip, deflate, brotli when installed) chunk by chunk, never
producing more than a limit of bytes: a compression bomb stops at the cap, not after
inflating. Used by :mod:`monitor.fetch` as a body streams in."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from monitor.errors import ContentDecodeError, ResponseTooLargeError

# Decompress in pieces of at most this size, so the cap is checked as output grows.
_CHUNK = 64 * 1024

try:  # brotli is optional: advertised only when it can be decoded
    import brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None


def accepted_encodings() -> list[str]:
    names = ["gzip", "deflate"]
    if brotli is not None:
        names.append("br")
    return names


def content_encodings(header: str | None) -> list[str]:
    if not header:
        return []
    return [
        e.strip().lower() for e in header.split(",") if e.strip().lower() not in ("", "identity")
    ]


class BoundedDecoder:
    """Undoes Content-Encoding chunk by chunk, never producing more than ``limit`` bytes."""

    def __init__(self, encodings: list[str], *, limit: int, url: str) -> None:
        self._stages = [_stage(name, url) for name in reversed(encodings)]
        self._limit = limit
        self._url = url
        self._produced = 0

    def feed(self, data: bytes) -> bytes:
        for stage in self._stages:
            data = self._bounded(stage.decode(data, self._room()))
        return self._count(data)

    def flush(self) -> bytes:
        data = b""
        for stage in self._stages:
            data = self._bounded(stage.decode(data, self._room())) + stage.flush()
        return self._count(data)

    def _room(self) -> int:
        # One byte more than allowed is enough to know the limit is crossed.
        return self._limit - self._produced + 1

    def _bounded(self, pieces: Iterator[bytes]) -> bytes:
        # A stage stops once it has produced `room` bytes; reaching it means over the limit.
        data = b"".join(pieces)
        if len(data) >= self._room():
            self._too_large()
        return data

    def _count(self, data: bytes) -> bytes:
        self._produced += len(data)
        if self._produced > self._limit:
            self._too_large()
        return data

    def _too_large(self) -> None:
        raise ResponseTooLargeError(
            f"decoded body is over the limit of {self._limit} bytes",
            url=self._url,
            limit=self._limit,
        )


class _ZlibStage:
    """gzip or deflate; ``deflate`` is zlib-wrapped by the spec and raw in practice."""

    def __init__(self, name: str, url: str) -> None:
        self._name = name
        self._url = url
        # 32 + MAX_WBITS accepts gzip and zlib headers alike.
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
        self._started = False

    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        try:
            if not self._started and data:
                self._started = True
                if self._name == "deflate" and not _looks_like_zlib(data):
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            while data:
                out = self._inflater.decompress(data, max(1, min(room, _CHUNK)))
                room -= len(out)
                yield out
                if room <= 0:
                    return  # the caller raises too large
                data = self._inflater.unconsumed_tail
        except zlib.error as exc:
            raise ContentDecodeError(f"corrupt {self._name} body: {exc}", url=self._url) from exc

    def flush(self) -> bytes:
        try:
            return self._inflater.flush()
        except zlib.error as exc:  # pragma: no cover - flush rarely fails after decompress
            raise ContentDecodeError(f"corrupt {self._name} body: {exc}", url=self._url) from exc


class _BrotliStage:  # pragma: no cover - only when brotli is installed
    def __init__(self, url: str) -> None:
        self._url = url
        self._decompressor = brotli.Decompressor()
        # brotli >= 1.2 can cap one call's output; older versions only see small inputs.
        self._cappable = hasattr(self._decompressor, "can_accept_more_data")

    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        try:
            if self._cappable:
                yield from self._decode_capped(data, room)
            else:
                for start in range(0, len(data), 256):
                    out = self._decompressor.process(data[start : start + 256])
                    room -= len(out)
                    yield out
                    if room <= 0:
                        return
        except brotli.error as exc:
            raise ContentDecodeError(f"corrupt br body: {exc}", url=self._url) from exc

    def _decode_capped(self, data: bytes, room: int) -> Iterator[bytes]:
        # Output beyond the cap stays buffered in the decompressor; empty inputs drain it.
        decompressor = self._decompressor
        while room > 0:
            out = decompressor.process(data, output_buffer_limit=max(1, min(room, _CHUNK)))
            if not out and (not data or decompressor.can_accept_more_data()):
                return
            data = b""
            room -= len(out)
            yield out

    def flush(self) -> bytes:
        return b""  # every decode call drains the decompressor


class _IdentityStage:
    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        yield data

    def flush(self) -> bytes:
        return b""


def _stage(name: str, url: str) -> _ZlibStage | _BrotliStage | _IdentityStage:
    if name in ("gzip", "x-gzip", "deflate"):
        return _ZlibStage(name, url)
    if name == "br" and brotli is not None:
        return _BrotliStage(url)
    # An encoding we never asked for: pass the bytes on; the parser will judge them.
    return _IdentityStage()


def _looks_like_zlib(data: bytes) -> bool:
    return len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0


# -- files -----------------------------------------------------------------------------
