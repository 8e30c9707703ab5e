"""Every CLI command against a real SQLite file filled from the seed feed."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor import paths
from monitor.cli import cli

SEED_ARTICLE = paths.seeds_dir() / "003_5316a8c73bfd6e30.txt"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    config = root / "monitor.toml"
    config.write_text(
        f'database_url = "sqlite:///{root / "m.db"}"\n'
        "[schedule]\nworkers = 1\n"
        f'[digest]\nfolder = "{root / "digests"}"\ntimezone = "Europe/Belgrade"\n'
        f'[[feeds]]\nurl = "{paths.seeds_dir() / "feed.xml"}"\nname = "Seeds"\n',
        encoding="utf-8",
    )
    assert invoke(config, "run", "--once").exit_code == 0
    return config


def invoke(config: Path, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], input=stdin)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_alert_formats_agree(config: Path) -> None:
    as_json = json.loads(ok(invoke(config, "alerts", "--format", "json")))
    lines = [
        json.loads(line) for line in ok(invoke(config, "alerts", "--format", "jsonl")).splitlines()
    ]
    assert lines == as_json
    rows = list(csv.DictReader(io.StringIO(ok(invoke(config, "alerts", "--format", "csv")))))
    assert [int(r["id"]) for r in rows] == [a["id"] for a in as_json]
    table = ok(invoke(config, "alerts"))
    assert table.splitlines()[0].split()[:3] == ["ID", "SCORE", "LEVEL"]
    assert len(table.splitlines()) == len(as_json) + 2


@pytest.mark.parametrize(
    ("args", "check"),
    [
        (["--min-score", "60"], lambda a: all(x["score"] >= 60 for x in a) and len(a) >= 2),
        (["--level", "critical"], lambda a: [x["level"] for x in a] == ["critical"]),
        (
            ["--indicator", "casualties", "--status", "event"],
            lambda a: len(a) == 1 and "injured" in json.dumps(a),
        ),
        # The war's dead recalled, "No one was hurt", deadly violence that "would distract".
        (["--indicator", "casualties", "--status", "background"], lambda a: len(a) == 3),
        (["--search", "Mitrovica"], lambda a: len(a) >= 2),
        (["--topic", "kosovo-serbia"], lambda a: len(a) >= 3),
        (["--has-deadline"], lambda a: len(a) == 2 and all(x["deadlines"] for x in a)),
        (["--limit", "2"], lambda a: len(a) == 2),
        (["--since", "2099-01-01"], lambda a: a == []),
    ],
)
def test_alert_filters(config: Path, args: list[str], check) -> None:
    found = json.loads(ok(invoke(config, "alerts", "--format", "json", "--limit", "0", *args)))
    if "--limit" in args:
        found = json.loads(ok(invoke(config, "alerts", "--format", "json", *args)))
    assert check(found), found


def test_a_reader_that_goes_away_ends_the_output_without_an_error(config: Path) -> None:
    # `monitor alerts | head -1`: the pipe is closed before the command writes.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(config),
                "alerts",
                "--format",
                "jsonl",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert done.stderr == ""


def test_alert_shows_its_provenance(config: Path) -> None:
    first = json.loads(ok(invoke(config, "alerts", "--format", "json", "--level", "critical")))[0]
    text = ok(invoke(config, "alert", str(first["id"])))
    for expected in ("Alert #", "guid:", "seed-003", "fetched:", "feed:", "rule ", "Stored text"):
        assert expected in text
    assert "[[" in text  # matched words are marked
    full = json.loads(ok(invoke(config, "alert", str(first["id"]), "--format", "json")))
    assert full["contributions"] and full["item"]["text"].startswith(first["item"]["title"])


def test_explain_text_and_json() -> None:
    config = paths.config_dir() / "monitor.toml"
    args = ["--published", "2019-05-28", "--title", "Long dormant conflict flares"]
    body = SEED_ARTICLE.read_text(encoding="utf-8")
    as_json = json.loads(ok(invoke(config, "explain", *args, "--format", "json", "-", stdin=body)))
    assert {"indicators", "deadlines", "score", "level"} <= set(as_json)
    events = {i["id"] for i in as_json["indicators"] if i["status"] == "event"}
    assert {"casualties", "troop_alert", "barricade"} <= events
    for indicator in as_json["indicators"]:
        for evidence in indicator["evidence"]:
            assert as_json["text"][evidence["start"] : evidence["end"]] == evidence["sentence"]
    text = ok(invoke(config, "explain", *args, str(SEED_ARTICLE)))
    assert "Score contributions:" in text and "[[" in text and "casualties (event" in text


def test_explain_says_its_reference_date_and_reads_a_saved_page_as_text() -> None:
    config = paths.config_dir() / "monitor.toml"
    sentence = "Police arrested five people in Zvečan on Monday."
    page = f"<!doctype html><html><body><script>x()</script><p>{sentence}</p></body></html>"
    dated = ok(invoke(config, "explain", "--published", "2023-05-29", "-", stdin=page))
    assert dated.startswith("Published: 2023-05-29\n")
    assert "police_operation" in dated and "<p>" not in dated and "x()" not in dated
    undated = ok(invoke(config, "explain", "-", stdin=sentence))
    assert "(today: --published not given)" in undated.splitlines()[0]


def test_explain_refuses_an_empty_text_and_warns_of_a_language_without_terms() -> None:
    config = paths.config_dir() / "monitor.toml"
    empty = invoke(config, "explain", "-", stdin="  \n")
    assert empty.exit_code == 1 and "no text to explain" in empty.stderr
    foreign = invoke(config, "explain", "--lang", "fr", "-", stdin="La police a arrêté cinq.")
    assert foreign.exit_code == 0 and "no rule has terms in 'fr'" in foreign.stderr


def test_explain_a_missing_file_is_one_line() -> None:
    result = invoke(paths.config_dir() / "monitor.toml", "explain", "/no/such/article.txt")
    assert result.exit_code == 2
    assert "/no/such/article.txt" in result.stderr


def test_deadlines_trend_status(config: Path) -> None:
    deadlines = json.loads(ok(invoke(config, "deadlines", "--format", "json")))
    assert {d["due"] for d in deadlines if d["resolved"]} >= {"2022-11-24", "2022-09-01"}
    assert json.loads(ok(invoke(config, "deadlines", "--upcoming", "--format", "json"))) == []
    trend = ok(invoke(config, "trend", "--days", "7"))
    assert "all alerts" in trend and "kosovo-serbia" in trend
    status = json.loads(ok(invoke(config, "status", "--format", "json")))
    assert status["daemon"]["running"] is False
    assert status["feeds"]["ok"] == 1 and status["totals"]["alerts"] == 5
    text = ok(invoke(config, "status")).splitlines()
    assert text[2].startswith("Feeds:    1 enabled: 1 ok")
    assert text[3].startswith("Last poll: 20") and text[3][27:31] == " UTC"
    levels = text[4].removeprefix("Alerts in the last 24 h: ").split(", ")
    order = ["critical", "warning", "watch", "info"]
    assert [order.index(part.split()[1]) for part in levels] == sorted(
        order.index(part.split()[1]) for part in levels
    )


def test_digest_by_hand(config: Path, tmp_path: Path) -> None:
    out = ok(invoke(config, "digest", "--out", str(tmp_path)))
    assert "Wrote" in out
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".html", ".txt"]
    assert "escalation-monitor" in ok(invoke(config, "digest"))
    no_mail = invoke(config, "digest", "--email")
    assert no_mail.exit_code == 1 and "digest.email: not configured" in no_mail.stderr


def test_feeds_add_remove_export_import(config: Path, tmp_path: Path) -> None:
    local = tmp_path / "extra.xml"
    local.write_bytes((paths.seeds_dir() / "feed.xml").read_bytes())
    assert "Added" in ok(invoke(config, "feeds", "add", str(local), "--interval", "2h"))
    exported = ok(invoke(config, "feeds", "export"))
    assert local.as_uri() in exported and "<opml" in exported
    assert "Removed" in ok(invoke(config, "feeds", "remove", local.as_uri()))
    assert local.as_uri() not in ok(invoke(config, "feeds", "export"))
    # An OPML file brings web feeds only: a path in one would read this machine's files.
    web = "https://news.example/rss.xml"
    outline = exported.index("<outline ")
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        exported[:outline]
        + f'<outline type="rss" text="Web" xmlUrl="{web}"/>\n'
        + '<outline type="rss" text="Relative" xmlUrl="feed.xml"/>\n'
        + exported[outline:],
        encoding="utf-8",
    )
    imported = invoke(config, "feeds", "import", str(opml))
    assert imported.exit_code == 0, imported.output
    assert "Imported 1 new feed of 4" in imported.stdout  # + the bundled seed feed (a file)
    assert f"Skipped: {local.as_uri()}: not a web feed" in imported.stderr
    assert "Skipped: feed.xml: not a web feed" in imported.stderr
    listing = {
        f["url"] for f in json.loads(ok(invoke(config, "feeds", "list", "--format", "json")))
    }
    assert web in listing and local.as_uri() not in listing
    assert "Removed" in ok(invoke(config, "feeds", "remove", web))
    assert invoke(config, "feeds", "remove", "https://nowhere.example/rss").exit_code == 1
    # A feed of the config file comes back with every command: it is removed there.
    configured = invoke(config, "feeds", "remove", str(paths.seeds_dir() / "feed.xml"))
    assert configured.exit_code == 1 and f"listed in {config}" in configured.stderr
    listing = json.loads(ok(invoke(config, "feeds", "list", "--format", "json")))
    assert (paths.seeds_dir() / "feed.xml").as_uri() in {f["url"] for f in listing}
    renamed = invoke(config, "feeds", "add", str(paths.seeds_dir() / "feed.xml"), "--name", "X")
    assert renamed.exit_code == 1 and "change it there" in renamed.stderr
    # Scheme and host are case-blind: the same feed is not added twice.
    ok(invoke(config, "feeds", "add", "https://news.example/Feed.xml"))
    again = ok(invoke(config, "feeds", "add", "HTTPS://NEWS.Example/Feed.xml", "--name", "Same"))
    assert again.startswith("Updated https://news.example/Feed.xml")
    listing = json.loads(ok(invoke(config, "feeds", "list", "--format", "json")))
    assert [f["name"] for f in listing if "news.example" in f["url"].lower()] == ["Same"]
    ok(invoke(config, "feeds", "remove", "https://news.example/Feed.xml"))


def test_indicators_list_and_test(config: Path) -> None:
    listing = json.loads(ok(invoke(config, "indicators", "list", "--format", "json")))
    assert len(listing) == 11 and all(len(i["version"]) == 12 for i in listing)
    summary = ok(invoke(config, "indicators", "test", "--quiet"))
    assert summary.strip().endswith("0 failed")


def test_a_poll_with_nothing_to_do_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # tables as wide as their cells
    empty = tmp_path / "empty.toml"
    empty.write_text(f'database_url = "sqlite:///{tmp_path / "e.db"}"\n', encoding="utf-8")
    assert "none is configured" in ok(invoke(empty, "run", "--once", "--all"))
    assert "No feed is due. Use --all" in ok(invoke(empty, "run", "--once"))
    failing = tmp_path / "failing.toml"
    failing.write_text(
        f'database_url = "sqlite:///{tmp_path / "f.db"}"\n'
        f'[[feeds]]\nurl = "{tmp_path / "missing.xml"}"\n',
        encoding="utf-8",
    )
    first = invoke(failing, "run", "--once")  # fails, so the feed backs off
    (line,) = [line for line in first.stdout.splitlines() if "missing.xml" in line]
    assert line.count("missing.xml") == 1  # the feed named once, then what went wrong
    (row,) = ok(invoke(failing, "feeds", "list")).splitlines()[2:]
    assert row.count("file://") == 1 and "  cannot read " in row  # the error, not the URL again
    said = ok(invoke(failing, "run", "--once", "--all"))
    assert "the one enabled feed is backing off" in said


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["alerts", "--indicator", "Barricade"], "no indicator 'Barricade'; the rules define"),
        (["alerts", "--topic", "kosovo"], "no topic 'kosovo'; the rules define"),
        (["trend", "--topic", "nosuch"], "no topic 'nosuch'; the rules define"),
    ],
)
def test_a_filter_naming_nothing_the_rules_define_is_an_error(
    config: Path, args: list[str], said: str
) -> None:
    result = invoke(config, *args)
    assert result.exit_code == 2 and said in result.stderr
    assert "barricade" in result.stderr or "kosovo-serbia" in result.stderr


def test_a_known_filter_with_no_alerts_is_an_empty_list(config: Path) -> None:
    result = invoke(config, "alerts", "--indicator", "barricade", "--until", "2000-01-01")
    assert result.exit_code == 0 and "No alerts match." in result.stderr


@pytest.mark.parametrize("command", [["alerts"], ["alert", "1"], ["deadlines"], ["status"]])
def test_reading_a_database_that_is_not_there_is_an_error(
    tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "typo" / "m.db"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{missing}", *command])
    assert result.exit_code == 1
    assert f"{missing}: no such database" in result.stderr
    assert not missing.parent.exists()


def test_feeds_add_checks_its_options_as_the_config_file_does(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'f.db'}", "feeds", "add", "https://x.example/rss"]
    bad_lang = CliRunner().invoke(cli, [*db, "--lang", "english"])
    assert bad_lang.exit_code == 2
    assert "--lang: 'english' is not a language code such as en, sr or sq" in bad_lang.stderr
    bad_interval = CliRunner().invoke(cli, [*db, "--interval", "0"])
    assert bad_interval.exit_code == 2 and "a duration must be positive" in bad_interval.stderr
    added = CliRunner().invoke(cli, [*db, "--lang", "sr", "--interval", "2h"])
    assert added.exit_code == 0 and "(every 2h)" in added.stdout


def test_a_table_cut_by_the_limit_says_how_many_there_are(config: Path) -> None:
    cut = invoke(config, "alerts", "--limit", "2")
    assert cut.exit_code == 0 and "Showing 2 of 5; --limit 0 shows all." in cut.stderr
    assert "CREATED UTC" in cut.stdout
    whole = invoke(config, "alerts", "--limit", "5")
    assert "Showing" not in whole.stderr


def test_verbose_shows_our_poll_lines_but_not_the_libraries_chatter(config: Path) -> None:
    # A real process: pytest's own logging setup would hide what the command sets up.
    env = {**os.environ, "HTTP_PROXY": "", "http_proxy": ""}
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "-v", "run", "--once", "--all"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "monitor.poll poll feed=" in done.stderr


def test_library_loggers_speak_only_with_debug() -> None:
    from monitor.cli import CHATTY_LIBRARIES, configure_logging

    loggers = [logging.getLogger(name) for name in CHATTY_LIBRARIES]
    before = [logger.level for logger in loggers]
    try:
        configure_logging(debug=False, verbose=True)
        assert all(logger.level == logging.WARNING for logger in loggers)
        configure_logging(debug=True, verbose=False)
        assert all(logger.level == logging.NOTSET for logger in loggers)
    finally:
        for logger, level in zip(loggers, before, strict=True):
            logger.setLevel(level)


def test_a_feed_deleted_from_the_config_file_is_removed_by_the_next_run(tmp_path: Path) -> None:
    seeds = paths.seeds_dir() / "feed.xml"
    extra = tmp_path / "extra.xml"
    extra.write_bytes(seeds.read_bytes())
    config = tmp_path / "monitor.toml"
    head = f'database_url = "sqlite:///{tmp_path / "m.db"}"\n[schedule]\nworkers = 1\n'
    config.write_text(head + f'[[feeds]]\nurl = "{seeds}"\n[[feeds]]\nurl = "{extra}"\n')
    ok(invoke(config, "run", "--once"))
    config.write_text(head + f'[[feeds]]\nurl = "{seeds}"\n')

    def listed() -> set[str]:
        return {
            f["url"] for f in json.loads(ok(invoke(config, "feeds", "list", "--format", "json")))
        }

    assert listed() == {seeds.as_uri(), extra.as_uri()}  # showing the feeds removes nothing
    ok(invoke(config, "run", "--once"))
    assert listed() == {seeds.as_uri()}
