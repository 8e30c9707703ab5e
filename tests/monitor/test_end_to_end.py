"""The monitor end to end: the seed feed served over real HTTP (and read from a file),
polled by the CLI into a real SQLite file, queried back as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from feedserver import FeedServer

from monitor import paths
from monitor.cli import cli

LABELS = json.loads((paths.seeds_dir() / "labels.json").read_text(encoding="utf-8"))
SEED_TITLES = {article["title"] for article in LABELS["articles"]}


def invoke(config: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    return result


def make_config(tmp_path: Path, feed_url: str) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "monitor.db"}"\n'
        "[schedule]\nworkers = 1\nunconditional_every = 0\n"
        f'[[feeds]]\nurl = "{feed_url}"\nname = "Seeds"\n',
        encoding="utf-8",
    )
    return config


def stored_alerts(config: Path) -> list[dict]:
    result = invoke(config, "alerts", "--format", "json", "--limit", "0")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def check_seed_alerts(config: Path) -> list[dict]:
    alerts = stored_alerts(config)
    assert {a["item"]["title"] for a in alerts} == SEED_TITLES
    for alert in alerts:
        assert 0 <= alert["score"] <= 100
        assert alert["level"] in {"info", "watch", "warning", "critical"}
        assert alert["indicators"], alert["item"]["title"]
        full = invoke(config, "alert", str(alert["id"]), "--format", "json")
        assert full.exit_code == 0, full.output
        text = json.loads(full.stdout)["item"]["text"]
        for indicator in alert["indicators"]:
            assert indicator["status"] in {"event", "background"}
            for evidence in indicator["evidence"]:
                # The offsets point into the stored text at the quoted sentence.
                assert text[evidence["start"] : evidence["end"]] == evidence["sentence"]
                assert evidence["rule_version"]
                assert evidence["match"]
    return alerts


def test_seed_feed_over_http_end_to_end(tmp_path: Path, feed_server: FeedServer) -> None:
    config = make_config(tmp_path, feed_server.url("/feed"))

    first = invoke(config, "run", "--once")
    assert first.exit_code == 0, first.output
    assert "Polled 1 feed" in first.output
    assert "New alerts" in first.output
    alerts = check_seed_alerts(config)
    assert alerts[0]["item"]["feed_url"] == feed_server.url("/feed")
    assert alerts[0]["item"]["feed_name"] == "Seeds"

    # A second run: nothing is due, nothing is stored twice.
    second = invoke(config, "run", "--once")
    assert second.exit_code == 0, second.output
    assert stored_alerts(config) == alerts

    # --all polls anyway, with a conditional GET that the server answers 304.
    hits = feed_server.hits("/feed")
    third = invoke(config, "run", "--once", "--all")
    assert third.exit_code == 0, third.output
    assert feed_server.hits("/feed") == hits + 1
    last_request = feed_server.requests("/feed")[-1]
    assert "if-none-match" in {key.lower() for key in last_request}
    assert "1 not modified" in third.output
    assert stored_alerts(config) == alerts


def test_seed_feed_from_a_file_path(tmp_path: Path) -> None:
    config = make_config(tmp_path, str(paths.seeds_dir() / "feed.xml"))
    result = invoke(config, "run", "--once")
    assert result.exit_code == 0, result.output
    check_seed_alerts(config)


def test_failing_feeds_do_not_stop_the_others(tmp_path: Path, feed_server: FeedServer) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "m.db"}"\n'
        "[schedule]\nworkers = 1\n"
        f'[[feeds]]\nurl = "{feed_server.url("/feed")}"\n'
        f'[[feeds]]\nurl = "{feed_server.url("/error/500")}"\n'
        f'[[feeds]]\nurl = "{feed_server.url("/html")}"\n',
        encoding="utf-8",
    )
    result = invoke(config, "run", "--once")
    assert result.exit_code == 0, result.output
    assert "2 failed" in result.output
    assert "/error/500" in result.output and "/html" in result.output
    assert len(stored_alerts(config)) == len(SEED_TITLES)
    listing = json.loads(invoke(config, "feeds", "list", "--format", "json").stdout)
    by_url = {feed["url"]: feed for feed in listing}
    assert by_url[feed_server.url("/feed")]["status"] == "ok"
    assert by_url[feed_server.url("/feed")]["items"] == len(SEED_TITLES)
    assert by_url[feed_server.url("/error/500")]["status"] == "failing"
    assert "500" in by_url[feed_server.url("/error/500")]["last_error"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["feeds", "add", "ftp://example.org/rss"], "ftp://example.org/rss"),
        (["feeds", "add", "/no/such/feed.xml"], "/no/such/feed.xml"),
        (["alerts", "--since", "yesterday"], "--since"),
        (["alert", "999999"], "alert 999999"),
    ],
)
def test_bad_input_is_one_line_and_loses_nothing(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    config = make_config(tmp_path, str(paths.seeds_dir() / "feed.xml"))
    assert invoke(config, "run", "--once").exit_code == 0
    before = stored_alerts(config)
    result = invoke(config, *args)
    assert result.exit_code != 0
    message = result.stderr.strip()
    assert expected in message
    assert "Traceback" not in result.output + result.stderr
    assert stored_alerts(config) == before


def test_config_errors_are_one_line(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text("[fetch]\nconect_timeout = 3\n", encoding="utf-8")
    result = invoke(config, "alerts")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {config}: fetch.conect_timeout: unknown key"
    ]
    missing = invoke(tmp_path / "absent.toml", "alerts")
    assert missing.exit_code == 1
    assert f"{tmp_path / 'absent.toml'}: config file not found" in missing.stderr


def test_python_dash_m_and_help_for_every_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "monitor", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in (
        "run",
        "alerts",
        "alert",
        "explain",
        "feeds",
        "indicators",
        "deadlines",
        "trend",
    ):
        assert command in out
    runner = CliRunner()

    def walk(group, path):  # every command has help text with an example
        for name, command in group.commands.items():
            result = runner.invoke(cli, [*path, name, "--help"])
            assert result.exit_code == 0
            assert command.help, f"{' '.join([*path, name])} has no help"
            if hasattr(command, "commands"):
                walk(command, [*path, name])
            else:
                assert "Example" in command.help, f"{' '.join([*path, name])} has no example"

    walk(cli, [])
