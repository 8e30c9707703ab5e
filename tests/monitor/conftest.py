"""Fixtures shared by the monitor tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from feedserver import SECRET, FeedServer


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A local file that hostile feeds try to pull in through external entities."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.fixture
def feed_server(secret_file: Path) -> Iterator[FeedServer]:
    """A fault-injecting feed server on 127.0.0.1 (see ``feedserver.py`` for its routes)."""
    with FeedServer(secret_file=secret_file, slow_delay=1.0) as server:
        yield server
    assert not server.errors, f"feed server handlers failed: {server.errors}"
