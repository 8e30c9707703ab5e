"""The pipeline in process, against the real feed server and a real SQLite file."""

from __future__ import annotations

import random
from pathlib import Path

from feedserver import FeedServer

from monitor.app import App
from monitor.models import AlertQuery, FeedStatus
from monitor.settings import load_settings


def make_app(tmp_path: Path, urls: list[str], *, unconditional_every: int) -> App:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "m.db"}"\n'
        f"[schedule]\nworkers = 1\nunconditional_every = {unconditional_every}\n"
        + "".join(f'[[feeds]]\nurl = "{url}"\n' for url in urls),
        encoding="utf-8",
    )
    app = App(load_settings(config, env={}))
    app.sync_feeds()
    return app


def test_conditional_get_and_the_occasional_plain_get(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.url("/feed")
    (tmp_path / "a").mkdir()
    with make_app(tmp_path / "a", [url], unconditional_every=0) as app:
        pipeline = app.pipeline(rng=random.Random(1))
        first = pipeline.poll_due(ignore_interval=True)
        assert first.outcomes[0].new_items == 5
        second = pipeline.poll_due(ignore_interval=True)
        assert second.outcomes[0].not_modified
        assert "if-none-match" in feed_server.requests("/feed")[-1]
        stored = app.storage.get_feed(url)
        assert stored is not None and stored.etag and stored.status is FeedStatus.OK
    with make_app(tmp_path, [url], unconditional_every=1) as app:
        pipeline = app.pipeline(rng=random.Random(1))
        pipeline.poll_due(ignore_interval=True)
        again = pipeline.poll_due(ignore_interval=True)
        assert not again.outcomes[0].not_modified  # validators left out on purpose
        assert "if-none-match" not in feed_server.requests("/feed")[-1]
        assert again.outcomes[0].new_items == 0  # and nothing is stored twice
        assert len(app.storage.query_alerts(AlertQuery(limit=0))) == 5
