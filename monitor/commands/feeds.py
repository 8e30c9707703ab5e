"""``monitor feeds list|add|remove|import|export``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import click

from monitor.app import App
from monitor.commands.common import feed_error, handles_errors, pass_app
from monitor.errors import ConfigError
from monitor.feedurl import normalise_feed_url
from monitor.models import FeedSpec
from monitor.output import Column, write_records
from monitor.settings import FeedConfig


@click.group()
def feeds() -> None:
    """The polled feeds: list them with their health, add, remove, import, export."""


FEED_COLUMNS = (
    Column("STATUS", lambda r: r["status"], 8),
    Column("ITEMS", lambda r: r["items"], 6),
    Column("LAST POLLED", lambda r: (r["last_polled"] or "never")[:16].replace("T", " "), 16),
    Column("NEXT POLL", lambda r: (r["next_poll"] or "now")[:16].replace("T", " "), 16),
    Column("FEED", lambda r: r["name"] or r["url"], 32),
    Column(
        "URL / LAST ERROR",
        lambda r: (
            feed_error(r["last_error"], r["url"])
            if r["status"] != "ok" and r["last_error"]
            else r["url"]
        ),
    ),
)


@feeds.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@handles_errors
@pass_app
def list_feeds(app: App, fmt: str) -> None:
    """Show every feed with its health and stored item count.

    \b
    Example:
      monitor feeds list --format json
    """
    app.sync_feeds()
    records = [feed.to_dict() for feed in app.storage.list_feeds()]
    write_records(sys.stdout, records, fmt, FEED_COLUMNS)


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="Shown in alerts and the digest.")
@click.option("--interval", metavar="DURATION", help="Poll interval: 900, 15m, 2h.")
@click.option("--weight", type=click.FloatRange(0, 1), default=1.0, show_default=True)
@click.option("--lang", metavar="CODE", help="Language of the feed (en, sr, sq, ...).")
@handles_errors
@pass_app
def add_feed(
    app: App, url: str, name: str | None, interval: str | None, weight: float, lang: str | None
) -> None:
    """Add a feed (an http(s) URL, a file:// URL or a local path); it persists.

    \b
    Examples:
      monitor feeds add https://balkaninsight.com/feed/ --name "Balkan Insight"
      monitor feeds add ./seeds/feed.xml --interval 1h
    """
    from pydantic import ValidationError

    location = normalise_feed_url(url)
    _not_in_config(app, location, "change it there")
    try:
        # Checked as a feed in the config file is.
        spec = FeedConfig(
            url=location, name=name, interval=interval, weight=weight, lang=lang
        ).spec()
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        if field == "lang":
            message = f"{lang!r} is not a language code such as en, sr or sq"
        raise click.BadParameter(message, param_hint=f"--{field}" if field else None) from exc
    known = app.storage.get_feed(location) is not None
    feed = app.storage.add_feed(spec, app.settings.default_interval)
    click.echo(f"{'Updated' if known else 'Added'} {feed.url} (every {_every(feed.interval)}).")


def _not_in_config(app: App, url: str, what_to_do: str) -> None:
    """Refuse to change by command a feed the config file lists.

    Every command starts by adding the configured feeds as configured: a change
    made here would last until the next command.
    """
    if any(spec.url == url for spec in app.settings.feed_specs()):
        raise click.ClickException(f"{url} is listed in {app.settings.source}: {what_to_do}")


def _every(seconds: int) -> str:
    """An interval as people write it: 90s, 15m, 2h, 1d."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@feeds.command("remove")
@click.argument("url")
@handles_errors
@pass_app
def remove_feed(app: App, url: str) -> None:
    """Stop polling a feed added with `feeds add` or `feeds import`; its items and alerts
    stay in the history. A feed listed in the config file is removed there.

    \b
    Example:
      monitor feeds remove https://balkaninsight.com/feed/
    """
    target = normalise_feed_url(url, must_exist=False)
    _not_in_config(app, target, "delete it there, or set enabled = false on it")
    if not app.storage.remove_feed(target):
        raise click.ClickException(f"{url}: no such feed (see monitor feeds list)")
    click.echo(f"Removed {target}.")


@feeds.command("import")
@click.argument("opml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handles_errors
@pass_app
def import_feeds(app: App, opml_file: Path) -> None:
    """Add every web feed of an OPML file (as exported by feed readers).

    Only http and https feeds are imported: a local path in an OPML file is skipped,
    with a message (add local files with `monitor feeds add`).

    \b
    Example:
      monitor feeds import subscriptions.opml
    """
    from monitor.opml import read_opml  # XML parsing: imported by this command only

    specs = read_opml(opml_file.read_bytes(), source=str(opml_file))
    known = {feed.url for feed in app.storage.list_feeds()}
    added = 0
    for spec in specs:
        if urlsplit(spec.url).scheme.lower() not in ("http", "https"):
            # An OPML file lists web feeds; a path in one (relative, or a file:// URL)
            # would have this machine read its own files. Local feeds are added by hand.
            click.echo(
                f"Skipped: {spec.url}: not a web feed (add local files with `monitor feeds add`)",
                err=True,
            )
            continue
        try:
            normalised = normalise_feed_url(spec.url, must_exist=False)
        except ConfigError as exc:
            click.echo(f"Skipped: {exc}", err=True)
            continue
        if normalised in known:
            continue
        app.storage.add_feed(
            FeedSpec(url=normalised, name=spec.name, lang=spec.lang), app.settings.default_interval
        )
        known.add(normalised)
        added += 1
    click.echo(
        f"Imported {added} new feed{'s' if added != 1 else ''} of {len(specs)} in {opml_file}."
    )


@feeds.command("export")
@handles_errors
@pass_app
def export_feeds(app: App) -> None:
    """Print every feed as OPML.

    \b
    Example:
      monitor feeds export > feeds.opml
    """
    from monitor.opml import write_opml  # imported by this command only

    app.sync_feeds()
    click.echo(write_opml(app.storage.list_feeds(), now=datetime.now(UTC)), nl=False)


def register(group: click.Group) -> None:
    group.add_command(feeds)
