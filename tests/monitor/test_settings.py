from __future__ import annotations

from pathlib import Path

import pytest

from monitor import paths
from monitor.errors import ConfigError
from monitor.settings import Settings, find_config, load_settings, parse_duration


def write(tmp_path: Path, text: str, name: str = "monitor.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_config_is_valid_and_polls_the_seed_feed() -> None:
    settings = load_settings(paths.config_dir() / "monitor.toml", env={})
    urls = [feed.url for feed in settings.feeds]
    assert (paths.seeds_dir() / "feed.xml").resolve().as_uri() in urls
    assert any(url.startswith("https://") for url in urls)
    assert settings.database_url == "sqlite:///monitor.db"


def test_example_config_is_valid_and_documents_every_key() -> None:
    example = paths.config_dir() / "monitor.example.toml"
    settings = load_settings(example, env={})
    assert settings.digest.timezone == "Europe/Belgrade"
    text = example.read_text(encoding="utf-8")
    documented = set()
    for section, model in Settings.model_fields.items():
        documented.add(section)
        annotation = getattr(model.annotation, "model_fields", None)
        for key in annotation or {}:
            documented.add(key)
    documented -= {"source"}
    missing = [key for key in documented if key not in text]
    assert not missing, f"keys not explained in monitor.example.toml: {missing}"


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = write(tmp_path, "", "explicit.toml")
    from_env = write(tmp_path, "", "env.toml")
    monkeypatch.chdir(tmp_path)
    assert find_config(explicit, {"MONITOR_CONFIG": str(from_env)}) == explicit
    assert find_config(None, {"MONITOR_CONFIG": str(from_env)}) == from_env
    assert find_config(None, {}) == paths.config_dir() / "monitor.toml"
    write(tmp_path, "")
    assert find_config(None, {}) == Path("monitor.toml")


def test_a_config_file_replaces_the_bundled_feeds(tmp_path: Path) -> None:
    path = write(tmp_path, '[[feeds]]\nurl = "https://example.org/rss"\nweight = 0.5\n')
    settings = load_settings(path, env={})
    assert [feed.url for feed in settings.feeds] == ["https://example.org/rss"]
    assert settings.feeds[0].weight == 0.5


def test_relative_feed_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    path = write(tmp_path, '[[feeds]]\nurl = "feeds/local.xml"\n')
    settings = load_settings(path, env={})
    assert settings.feeds[0].url == (tmp_path / "feeds" / "local.xml").resolve().as_uri()


def test_database_url_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, 'database_url = "sqlite:///from-file.db"\n')
    assert load_settings(path, env={}).database_url == "sqlite:///from-file.db"
    env = {"MONITOR_DB_URL": "sqlite:///from-env.db"}
    assert load_settings(path, env=env).database_url == "sqlite:///from-env.db"
    assert (
        load_settings(path, db_url="sqlite:///opt.db", env=env).database_url == "sqlite:///opt.db"
    )


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), env={})
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type is internal
        settings.database_url = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("databse_url = 'x'\n", ["databse_url", "unknown key"]),
        ("[fetch]\nread_timout = 3\n", ["fetch.read_timout", "unknown key"]),
        ("[fetch]\nread_timeout = -1\n", ["fetch.read_timeout"]),
        ("default_interval = 'soon'\n", ["default_interval", "soon"]),
        ("[digest]\ntimezone = 'Mars/Olympus'\n", ["digest.timezone", "Mars/Olympus"]),
        (
            "[[feeds]]\nurl = 'https://a.example/rss'\n[[feeds]]\nurl = 'ftp://b.example/rss'\n",
            ["feeds[1]", "ftp://b.example/rss", "unsupported scheme"],
        ),
        ("[[feeds]]\nname = 'no url'\n", ["feeds[0].url", "required key is missing"]),
        ("[[feeds]]\nurl = 'https://a.example/rss'\nweight = 2\n", ["feeds[0]", "weight"]),
        ("[digest.email]\nhost = 'x'\n", ["digest.email.recipients"]),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, names: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    for name in names:
        assert name in message


def test_many_problems_are_counted_past_the_first_ten(tmp_path: Path) -> None:
    path = write(tmp_path, "".join(f"[[feeds]]\nurl = 'http:///{n}.xml'\n" for n in range(40)))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    message = str(caught.value)
    assert "feeds[0]" in message and "feeds[9]" in message and "feeds[10]" not in message
    assert message.endswith("; and 30 more") and "\n" not in message


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.toml: config file not found"):
        load_settings(tmp_path / "nowhere.toml", env={})
    broken = write(tmp_path, "[fetch\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(broken, env={})


def test_duplicate_feeds_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[[feeds]]\nurl = 'https://a.example/rss'\n" * 2)
    with pytest.raises(ConfigError, match=r"feeds\[1\]\.url"):
        load_settings(path, env={})


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(90, 90), ("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400)],
)
def test_durations(value: object, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "soon", "-5m", 0, True])
def test_bad_durations(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)
