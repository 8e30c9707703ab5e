"""What every command shares: the context built from the top-level options, the
error handling that turns our errors into one line, and option parsing helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from indicators.errors import IndicatorsError
from monitor.app import App
from monitor.errors import MonitorError
from monitor.settings import load_settings
from monitor.timeparse import parse_when

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """What the top-level options give every command."""

    def __init__(self, config: Path | None, db: str | None, debug: bool) -> None:
        self.config_path = config
        self.db = db
        self.debug = debug
        self._app: App | None = None

    def app(self) -> App:
        if self._app is None:
            self._app = App(load_settings(self.config_path, db_url=self.db))
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


def handles_errors(func: F) -> F:
    """Turn our errors into one-line messages (a traceback only with ``--debug``)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = isinstance(ctx.obj, Context) and ctx.obj.debug
        try:
            return func(*args, **kwargs)
        except (MonitorError, IndicatorsError) as exc:
            if debug:
                raise
            raise click.ClickException(_message_lines(str(exc))) from exc
        except BrokenPipeError:
            raise  # the reader went away (`| head`): click ends the command quietly
        except OSError as exc:
            if debug:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from exc

    return wrapper  # type: ignore[return-value]


def _message_lines(message: str) -> str:
    lines = [line for line in message.splitlines() if line.strip()]
    if len(lines) <= 1:
        return message.strip()
    # Rule-set errors list one problem per line: keep them, they are the point.
    return "\n".join(lines)


def parse_cli_when(
    value: str | None, option: str, *, now: datetime | None = None
) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_when(value, now=now or datetime.now(UTC))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from exc


def parse_cli_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from exc


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def pass_app(func: F) -> F:
    """Give the command the :class:`App` (settings loaded, nothing opened yet)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        context: Context = click.get_current_context().find_object(Context)
        return func(context.app(), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def check_known_ids(app: App, *, indicator: str | None, topic: str | None) -> None:
    """Refuse an ``--indicator`` or ``--topic`` that the rules do not define.

    Called when a filter found nothing: a typo ("Barricade", "kosovo") would
    otherwise look like a quiet history. Rules that cannot be loaded say nothing.
    """
    if indicator is None and topic is None:
        return  # (and the rules' modules stay unloaded)
    from indicators.loader import load_indicators
    from indicators.topics import Gazetteer

    settings = app.settings
    try:
        if indicator is not None:
            known = sorted(i.id for i in load_indicators(settings.indicators_dir))
            refuse_unknown(indicator, known, "--indicator", "indicator")
        if topic is not None and settings.topics_dir.is_dir():
            known = sorted(t.id for t in Gazetteer.load(settings.topics_dir).topics)
            refuse_unknown(topic, known, "--topic", "topic")
    except IndicatorsError:
        return


def refuse_unknown(value: str, known: Sequence[str], option: str, kind: str) -> None:
    """An ``option`` naming a ``kind`` (indicator, topic) the rules do not define is an
    error that lists the ones they do."""
    if value not in known:
        raise click.BadParameter(
            f"no {kind} {value!r}; the rules define {', '.join(known) or 'none'}",
            param_hint=option,
        )


def feed_error(error: str, url: str) -> str:
    """A feed's error without the URL it starts with, for a line that names the feed."""
    return error.removeprefix(f"{url}: ")
