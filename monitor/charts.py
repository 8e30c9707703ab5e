"""The escalation trend drawn two ways: a PNG for the digest, block characters for a terminal.

The PNG is written with the standard library only (``zlib`` and ``struct``):
a line per topic over a light grid, no text inside the image. Labels, the
legend and the values live in the HTML and text around the image, where they
stay searchable, accessible and translatable. A PNG rather than an SVG because
most mail clients do not display SVG; the digest embeds it as a ``cid:``
attachment in email and as a ``data:`` URI in a file.

A trend is ``{topic: [(day, index), ...]}``; missing days count as 0.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from itertools import pairwise

from monitor.textsafe import single_line

Series = Sequence[tuple[date, float]]
Trend = Mapping[str, Series]
RGB = tuple[int, int, int]

# Distinguishable for common colour-vision deficiencies (Okabe-Ito).
PALETTE: tuple[RGB, ...] = (
    (213, 94, 0),
    (0, 114, 178),
    (0, 158, 115),
    (204, 121, 167),
    (230, 159, 0),
    (86, 180, 233),
    (0, 0, 0),
    (240, 228, 66),
)
BACKGROUND: RGB = (255, 255, 255)
GRID: RGB = (226, 228, 232)
AXIS: RGB = (120, 124, 130)
SPARK_BLOCKS = " ▁▂▃▄▅▆▇█"
BAR_EIGHTHS = " ▏▎▍▌▋▊▉█"


def topic_color(index: int) -> RGB:
    return PALETTE[index % len(PALETTE)]


def hex_color(color: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)


def day_range(trend: Trend) -> list[date]:
    """Every day from the first to the last day in any series."""
    days = [day for series in trend.values() for day, _ in series]
    if not days:
        return []
    first, last = min(days), max(days)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def dense(series: Series, days: Sequence[date]) -> list[float]:
    """The series' values on ``days``; a day without a value is 0."""
    values = {day: max(float(value), 0.0) for day, value in series}
    return [values.get(day, 0.0) for day in days]


class _Canvas:
    """An RGB raster with just what a line chart needs."""

    def __init__(self, width: int, height: int, color: RGB) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(color) * (width * height))

    def set(self, x: int, y: int, color: RGB) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            offset = (y * self.width + x) * 3
            self.pixels[offset : offset + 3] = bytes(color)

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: RGB) -> None:
        for y in range(max(y0, 0), min(y1, self.height - 1) + 1):
            for x in range(max(x0, 0), min(x1, self.width - 1) + 1):
                self.set(x, y, color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: RGB, thickness: int = 2) -> None:
        # Bresenham, stamping a small square at each step for thickness.
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        low, high = -(thickness // 2), (thickness - 1) // 2
        while True:
            self.rect(x0 + low, y0 + low, x0 + high, y0 + high, color)
            if x0 == x1 and y0 == y1:
                return
            doubled = 2 * error
            if doubled >= dy:
                error += dy
                x0 += sx
            if doubled <= dx:
                error += dx
                y0 += sy

    def png(self) -> bytes:
        rows = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
            for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows, 9))
            + _chunk(b"IEND", b"")
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def chart_scale(trend: Trend) -> float:
    """The value at the top of the chart: the largest value, at least 1."""
    peak = max((float(v) for series in trend.values() for _, v in series), default=0.0)
    return max(peak, 1.0)


def render_chart_png(
    trend: Trend, *, width: int = 600, height: int = 180, margin: int = 10
) -> bytes:
    """A line chart of the daily index, one colour per topic in ``trend`` order.

    The y axis runs from 0 to :func:`chart_scale`; four grid lines divide it.
    An empty trend gives an empty framed chart, never an error.
    """
    if width < 4 * margin or height < 4 * margin:
        raise ValueError(f"a {width}x{height} chart is too small for margin {margin}")
    canvas = _Canvas(width, height, BACKGROUND)
    left, right, top, bottom = margin, width - margin - 1, margin, height - margin - 1
    for step in range(1, 4):
        y = bottom - (bottom - top) * step // 4
        canvas.rect(left, y, right, y, GRID)
    canvas.rect(left, top, left, bottom, AXIS)
    canvas.rect(left, bottom, right, bottom, AXIS)

    days = day_range(trend)
    scale = chart_scale(trend)

    def point(index: int, value: float) -> tuple[int, int]:
        x = left + 3 + round(index * (right - left - 6) / max(len(days) - 1, 1))
        y = bottom - 2 - round(value / scale * (bottom - top - 4))
        return x, y

    for number, series in enumerate(trend.values()):
        color = topic_color(number)
        points = [point(i, v) for i, v in enumerate(dense(series, days))]
        for (x0, y0), (x1, y1) in pairwise(points):
            canvas.line(x0, y0, x1, y1, color)
        for x, y in points:
            canvas.rect(x - 2, y - 2, x + 2, y + 2, color)
    return canvas.png()


def sparkline(values: Sequence[float], *, scale: float | None = None) -> str:
    """One block character per value, 0 as a space, ``scale`` (default: max) as a full block."""
    top = scale if scale is not None else max(values, default=0.0)
    if top <= 0:
        return " " * len(values)
    steps = len(SPARK_BLOCKS) - 1
    out = []
    for value in values:
        level = round(min(max(value, 0.0), top) / top * steps)
        # A non-zero day never vanishes: it shows at least the lowest block.
        out.append(SPARK_BLOCKS[max(level, 1) if value > 0 else 0])
    return "".join(out)


def bar(value: float, scale: float, width: int) -> str:
    """A horizontal bar ``value / scale`` of ``width`` cells, in eighths of a cell."""
    if scale <= 0 or value <= 0:
        return ""
    eighths = round(min(value, scale) / scale * width * 8)
    eighths = max(eighths, 1)
    return "█" * (eighths // 8) + (BAR_EIGHTHS[eighths % 8] if eighths % 8 else "")


def render_trend_text(trend: Trend, *, width: int = 40, bars: bool = False) -> str:
    """The trend for a terminal: a sparkline per topic, or a bar per day with ``bars``."""
    # Topic names come from rule files and the database: print them as one clean line each.
    trend = {single_line(topic) or "?": series for topic, series in trend.items()}
    days = day_range(trend)
    if not days:
        return "no data\n"
    scale = chart_scale(trend)
    label_width = max(len(topic) for topic in trend)
    lines: list[str] = []
    if not bars:
        lines.append(f"{'':{label_width}}  {days[0].isoformat()} .. {days[-1].isoformat()}")
        for topic, series in trend.items():
            values = dense(series, days)
            lines.append(
                f"{topic:{label_width}}  {sparkline(values, scale=scale)}  "
                f"max {max(values):.1f}, last {values[-1]:.1f}"
            )
        return "\n".join(lines) + "\n"
    for topic, series in trend.items():
        lines.append(topic)
        for day, value in zip(days, dense(series, days), strict=True):
            lines.append(f"  {day.isoformat()} {bar(value, scale, width):{width}} {value:6.1f}")
    return "\n".join(lines) + "\n"
