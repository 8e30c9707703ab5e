"""``monitor status``: is the daemon up, how are the feeds, what fired today."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import click

from monitor.app import App
from monitor.commands.alerts import levels_highest_first
from monitor.commands.common import echo_json, handles_errors, pass_app
from monitor.daemon_lock import daemon_holder, sqlite_path
from monitor.models import iso


def gather_status(app: App, now: datetime) -> dict[str, Any]:
    storage = app.existing_storage
    feeds = storage.list_feeds()
    by_status = Counter(feed.status.value for feed in feeds if feed.enabled)
    last = storage.last_poll()
    if sqlite_path(app.settings.database_url) is not None:
        holder = daemon_holder(app.settings.database_url)
        daemon: dict[str, Any] = {"running": holder is not None, "pid": holder or None}
    else:
        # Several daemons may share a PostgreSQL database; the last poll tells they are alive.
        daemon = {"running": None, "pid": None}
    return {
        "database": storage.url,
        "daemon": daemon,
        "feeds": {
            "total": len(feeds),
            "enabled": sum(1 for feed in feeds if feed.enabled),
            **{
                status: by_status.get(status, 0)
                for status in ("new", "ok", "failing", "backoff", "gone")
            },
        },
        "last_poll": last.to_dict() if last is not None else None,
        "alerts_24h": storage.alerts_since(now, 24),
        "totals": storage.totals(),
        "checked_at": iso(now),
    }


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@handles_errors
@pass_app
def status(app: App, fmt: str) -> None:
    """Show whether the daemon runs, the feeds' health, the last poll and today's alerts.

    \b
    Examples:
      monitor status
      monitor status --format json
    """
    data = gather_status(app, datetime.now(UTC))
    if fmt == "json":
        echo_json(data)
        return
    daemon = data["daemon"]
    if daemon["running"] is None:
        state = "not tracked on this database (see the last poll)"
    elif daemon["running"]:
        state = f"running (pid {daemon['pid']})" if daemon["pid"] else "running"
    else:
        state = "not running"
    feeds = data["feeds"]
    last = data["last_poll"]
    alerts = data["alerts_24h"]
    click.echo(f"Database: {data['database']}")
    click.echo(f"Daemon:   {state}")
    click.echo(
        f"Feeds:    {feeds['enabled']} enabled: {feeds['ok']} ok, {feeds['failing']} failing, "
        f"{feeds['backoff']} in backoff, {feeds['gone']} gone, {feeds['new']} never polled"
    )
    if last is None:
        click.echo("Last poll: never")
    else:
        outcome = "failed" if last["error"] else f"HTTP {last['http_status'] or 'ok'}"
        finished = datetime.fromisoformat(last["finished_at"]).astimezone(UTC)
        finished_text = finished.strftime("%Y-%m-%d %H:%M UTC")
        click.echo(f"Last poll: {finished_text} ({last['feed_url']}, {outcome})")
    click.echo(f"Alerts in the last 24 h: {levels_highest_first(alerts) or 'none'}")
    totals = data["totals"]
    click.echo(f"Stored:   {totals['items']} items, {totals['alerts']} alerts")


def register(group: click.Group) -> None:
    group.add_command(status)
