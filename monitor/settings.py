"""The one place that reads the configuration file and the environment.

The file is found as ``--config PATH``, else ``$MONITOR_CONFIG``, else
``./monitor.toml``, else the bundled ``config/monitor.toml``. A config file
replaces the bundled defaults as a whole: only the feeds it lists are
polled. ``$MONITOR_DB_URL`` (or ``--db``) overrides the database URL.

Everything is validated into a frozen :class:`Settings`; an error names the
file and the key (``monitor.toml: fetch.read_timeout: ...``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from monitor import paths
from monitor.errors import ConfigError
from monitor.feedurl import normalise_feed_url
from monitor.models import FeedSpec

CONFIG_ENV = "MONITOR_CONFIG"
DB_URL_ENV = "MONITOR_DB_URL"
LOCAL_CONFIG = Path("monitor.toml")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_MAX_PROBLEMS = 10  # config problems spelled out in one error


def parse_duration(value: Any) -> int:
    """Seconds from ``90``, ``"90s"``, ``"15m"``, ``"2h"`` or ``"1d"``."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 900, '15m' or '2h'")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a duration such as 900, '15m' or '2h'")
        unit = match.group(2).lower() if match.group(2) else None
        seconds = float(match.group(1)) * _UNIT_SECONDS[unit]
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return int(seconds)


Duration = Annotated[int, BeforeValidator(parse_duration)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(_Section):
    url: str = Field(min_length=1)
    name: str | None = None
    interval: Duration | None = None
    weight: float = Field(default=1.0, ge=0.0, le=1.0)
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _feed_location(cls, value: str) -> str:
        try:
            return normalise_feed_url(value, must_exist=False)
        except ConfigError as exc:
            raise ValueError(exc.message) from exc

    def spec(self) -> FeedSpec:
        return FeedSpec(
            url=self.url,
            name=self.name,
            interval=self.interval,
            weight=self.weight,
            lang=self.lang,
            enabled=self.enabled,
        )


class FetchConfig(_Section):
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=20.0, gt=0)
    total_timeout: float = Field(default=60.0, gt=0)
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=20)
    concurrency: int = Field(default=8, ge=1, le=256)
    per_host: int = Field(default=2, ge=1, le=64)


class ScheduleConfig(_Section):
    jitter: float = Field(default=0.1, ge=0.0, le=0.5)
    backoff_base: Duration = 300
    backoff_max: Duration = 86400
    unconditional_every: int = Field(default=20, ge=0)
    workers: int = Field(default=2, ge=1, le=64)


class EngineConfig(_Section):
    indicators: Path | None = None
    topics: Path | None = None


class EmailConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str = "escalation-monitor@localhost"
    recipients: tuple[str, ...] = Field(min_length=1)
    timeout: float = Field(default=30.0, gt=0)


class DigestConfig(_Section):
    enabled: bool = True
    time: dt.time = dt.time(7, 0)
    timezone: str = "UTC"
    folder: Path = Path("digests")
    to_file: bool = True
    min_score: int = Field(default=0, ge=0, le=100)
    max_alerts: int = Field(default=100, ge=1)
    silent_days: int = Field(default=3, ge=1)
    catch_up_days: int = Field(default=7, ge=0, le=60)
    email: EmailConfig | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Settings(_Section):
    """The validated configuration; relative paths are resolved against the config file."""

    source: Path | None = None
    database_url: str = "sqlite:///monitor.db"
    default_interval: Duration = 1800
    fetch: FetchConfig = FetchConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    engine: EngineConfig = EngineConfig()
    digest: DigestConfig = DigestConfig()
    feeds: tuple[FeedConfig, ...] = ()

    @property
    def indicators_dir(self) -> Path:
        return self.engine.indicators or paths.indicators_dir()

    @property
    def topics_dir(self) -> Path:
        return self.engine.topics or paths.topics_dir()

    def feed_specs(self) -> list[FeedSpec]:
        return [feed.spec() for feed in self.feeds]


def find_config(explicit: Path | None, env: Mapping[str, str]) -> Path:
    """The config file to read, by the documented order of precedence."""
    if explicit is not None:
        return explicit
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    if LOCAL_CONFIG.exists():
        return LOCAL_CONFIG
    return paths.config_dir() / "monitor.toml"


def _describe(error: Any, raw: Mapping[str, Any]) -> str:
    """``fetch.read_timeout`` or ``feeds[2] (https://...).url`` from a pydantic error."""
    key = ""
    node: Any = raw
    for item in error["loc"]:
        if isinstance(item, int):
            key += f"[{item}]"
            entry = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                key += f" ({entry['url']})"
        else:
            key += f".{item}" if key else str(item)
        node = node[item] if isinstance(node, Mapping | list) and _has(node, item) else None
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "required key is missing"
    return f"{key or '(top level)'}: {message}"


def _has(node: Mapping[str, Any] | list[Any], item: str | int) -> bool:
    if isinstance(node, list):
        return isinstance(item, int) and item < len(node)
    return item in node


def _resolve_paths(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Rule folders and local feed paths are relative to the config file.

    The digest folder stays relative to the working directory: the bundled
    config lives inside the installation, which is no place for output.
    """
    engine = raw.get("engine")
    if isinstance(engine, dict):
        for key in ("indicators", "topics"):
            if isinstance(engine.get(key), str):
                engine[key] = str(base / Path(engine[key]).expanduser())
    for feed in raw.get("feeds", ()) or ():
        url = feed.get("url") if isinstance(feed, dict) else None
        if isinstance(url, str) and "://" not in url and not Path(url).is_absolute():
            feed["url"] = str((base / url).resolve())
    return raw


def load_settings(
    path: Path | None = None,
    *,
    db_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Read, validate and freeze the configuration.

    Raises :class:`ConfigError` naming the file and the key.
    """
    env = os.environ if env is None else env
    config_path = find_config(path, env)
    try:
        with config_path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError("config file not found", file=str(config_path)) from exc
    except IsADirectoryError as exc:
        raise ConfigError("is a directory, not a config file", file=str(config_path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(config_path)) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=str(config_path)) from exc

    raw = _resolve_paths(raw, config_path.resolve().parent)
    try:
        settings = Settings.model_validate({**raw, "source": config_path})
    except ValidationError as exc:
        raise ConfigError(_problems(exc, raw), file=str(config_path)) from exc

    override = db_url or env.get(DB_URL_ENV)
    if override:
        settings = settings.model_copy(update={"database_url": override})
    _check_unique_feeds(settings, config_path)
    return settings


def _problems(exc: ValidationError, raw: Mapping[str, Any]) -> str:
    """Every problem on one line; past a screenful, how many more (a feed list pasted
    wrong can fail a thousand times in the same way)."""
    described = [_describe(error, raw) for error in exc.errors()]
    shown = "; ".join(described[:_MAX_PROBLEMS])
    more = len(described) - _MAX_PROBLEMS
    return f"{shown}; and {more} more" if more > 0 else shown


def _check_unique_feeds(settings: Settings, config_path: Path) -> None:
    seen: set[str] = set()
    for index, feed in enumerate(settings.feeds):
        if feed.url in seen:
            raise ConfigError(
                f"{feed.url} is listed twice", key=f"feeds[{index}].url", file=str(config_path)
            )
        seen.add(feed.url)
