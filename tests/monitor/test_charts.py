import time
from datetime import date, timedelta

import pytest
from digest_samples import decode_png

from monitor.charts import (
    BACKGROUND,
    PALETTE,
    bar,
    dense,
    render_chart_png,
    render_trend_text,
    sparkline,
)

START = date(2026, 10, 23)


def series(values: list[float]) -> list[tuple[date, float]]:
    return [(START + timedelta(days=n), v) for n, v in enumerate(values)]


def colours(pixels: list[list[tuple[int, ...]]]) -> set[tuple[int, ...]]:
    return {pixel for row in pixels for pixel in row}


def test_png_is_valid_and_sized() -> None:
    width, height, pixels = decode_png(
        render_chart_png({"a": series([1, 2, 3])}, width=300, height=120)
    )
    assert (width, height) == (300, 120)
    assert len(pixels) == 120 and all(len(row) == 300 for row in pixels)
    assert pixels[0][0] == BACKGROUND


def test_each_topic_gets_its_own_colour() -> None:
    trend = {"kosovo_serbia": series([0, 5, 10]), "eu_dialogue": series([3, 3, 3])}
    _, _, pixels = decode_png(render_chart_png(trend))
    found = colours(pixels)
    assert PALETTE[0] in found and PALETTE[1] in found
    assert PALETTE[2] not in found


def test_the_peak_reaches_the_top_and_zero_stays_at_the_bottom() -> None:
    width, height, pixels = decode_png(
        render_chart_png({"t": series([0.0] * 9 + [40.0])}, width=200, height=100, margin=10)
    )
    colour = PALETTE[0]

    def column_rows(x_range: range) -> list[int]:
        return [y for y in range(height) for x in x_range if pixels[y][x] == colour]

    right = column_rows(range(width - 20, width - 10))
    left = column_rows(range(10, 20))
    assert min(right) <= 14  # the last day's peak is near the top
    assert min(left) >= height - 16  # the first days sit on the x axis


def test_an_empty_trend_is_an_empty_chart_not_an_error() -> None:
    width, height, pixels = decode_png(render_chart_png({}))
    assert (width, height) == (600, 180)
    assert not colours(pixels) & set(PALETTE)


def test_too_small_a_chart_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        render_chart_png({}, width=20, height=20)


def test_missing_days_count_as_zero() -> None:
    days = [START + timedelta(days=n) for n in range(4)]
    assert dense([(days[1], 2.0), (days[3], 5.0)], days) == [0.0, 2.0, 0.0, 5.0]


def test_rendering_is_fast() -> None:
    trend = {f"topic{n}": series([float((n * 7 + d) % 13) for d in range(30)]) for n in range(6)}
    started = time.perf_counter()
    png = render_chart_png(trend)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"chart took {elapsed:.2f}s"
    assert len(png) < 60_000


def test_sparkline_scales_to_the_maximum() -> None:
    assert sparkline([0, 4, 8]) == " ▄█"
    assert sparkline([0, 0]) == "  "
    assert sparkline([0.01, 100]) == "▁█"  # a non-zero day never disappears
    assert sparkline([5], scale=10) == "▄"


def test_bar_uses_eighths_of_a_cell() -> None:
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 4) == "██"
    assert bar(1, 16, 2) == "▏"
    assert bar(0, 10, 4) == ""


def test_trend_text_shows_every_topic_and_the_dates() -> None:
    text = render_trend_text({"kosovo_serbia": series([0, 4, 8]), "eu": series([8, 0, 0])})
    lines = text.splitlines()
    assert "2026-10-23 .. 2026-10-25" in lines[0]
    assert lines[1].startswith("kosovo_serbia") and " ▄█ " in lines[1]
    assert lines[2].startswith("eu") and "max 8.0, last 0.0" in lines[2]


def test_trend_text_cleans_topic_names() -> None:
    text = render_trend_text({"evil\x1b[2J\ntopic": series([1])})
    assert "\x1b" not in text and "evil topic" in text
    assert len(text.splitlines()) == 2


def test_trend_bars_have_one_line_per_day() -> None:
    text = render_trend_text({"t": series([1, 2])}, width=10, bars=True)
    assert text.splitlines() == [
        "t",
        "  2026-10-23 █████         1.0",
        "  2026-10-24 ██████████    2.0",
    ]
    assert render_trend_text({}) == "no data\n"
