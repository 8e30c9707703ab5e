"""The HTML digest in a real browser (headless Chromium): it shows, and feed content never runs.

Screenshots are kept under ``artifacts/`` (git-ignored) for a human look.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from digest_samples import decode_png, sample_data

from monitor.charts import PALETTE
from monitor.digest_html import LEVEL_COLORS, render_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
    ),
    pytest.mark.slow,
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("browser")
    path = folder / "digest.html"
    path.write_text(render_html(sample_data(hostile=True)), encoding="utf-8")
    return folder, path


def test_feed_content_never_runs_in_the_browser(page: tuple[Path, Path]) -> None:
    folder, path = page
    dom = chromium(folder, "--dump-dom", path.as_uri()).stdout
    title = unescape(re.search(r"<title>(.*?)</title>", dom, re.S).group(1))
    assert title == "[escalation-monitor] 2026-11-21 digest: critical, 4 alerts"  # not "pwned"
    assert "<script" not in dom.lower()
    assert not re.search(r"<img[^>]+onerror", dom, re.I)
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "javascript:" not in dom
    for shown in (
        "Serbia puts army on full combat alert",
        "Barricades go up near Jarinje",
        "Brussels talks end without agreement",
        "Troops on alert or moving",
        "Quiet Courier",
    ):
        assert shown in dom, shown
    assert re.search(r"<mark[^>]*>full combat alert</mark>", dom)


def _has_colour(pixels: list[list[tuple[int, ...]]], colour: tuple[int, int, int]) -> bool:
    return any(
        all(abs(a - b) <= 6 for a, b in zip(pixel, colour, strict=True))
        for row in pixels
        for pixel in row
    )


def screenshot(page: tuple[Path, Path], name: str, size: str) -> tuple[int, int, list]:
    """A screenshot of the digest at ``size``, kept under artifacts/; decoded."""
    folder, path = page
    shot = folder / f"{name}.png"
    chromium(folder, f"--screenshot={shot}", f"--window-size={size}", path.as_uri())
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / f"digest-{name}.png")
    return decode_png(shot.read_bytes())


def test_the_digest_renders_with_its_chart(page: tuple[Path, Path]) -> None:
    width, height, pixels = screenshot(page, "desktop", "700,2400")
    assert (width, height) == (700, 2400)
    # At most 640 px wide: the page background shows on both sides of the header.
    header_row = pixels[20]
    assert header_row[5] == header_row[-5] == (0xF4, 0xF5, 0xF7)
    assert sum(header_row[width // 2]) < 150
    critical = tuple(int(LEVEL_COLORS["critical"][1][i : i + 2], 16) for i in (1, 3, 5))
    assert _has_colour(pixels, critical)  # the critical badge
    assert _has_colour(pixels, PALETTE[0]) and _has_colour(pixels, PALETTE[1])  # chart lines


def test_the_digest_fits_a_phone(page: tuple[Path, Path]) -> None:
    width, height, pixels = screenshot(page, "phone", "390,844")
    assert (width, height) == (390, 844)
    # The dark header spans the whole width: the layout shrank instead of overflowing.
    header_row = pixels[20]
    assert all(sum(pixel[:3]) < 150 for pixel in header_row[:5] + header_row[-5:])
